"""The local runner's process bookkeeping."""

from __future__ import annotations

import subprocess
import sys
import time

from kg import local_neo4j


def test_an_exited_server_that_nobody_reaped_counts_as_stopped() -> None:
    # `kg etl run --bulk` stops a server another process started (a benchmark, a test): once the
    # JVM exits it stays a zombie until its parent reaps it, and must not be waited for as alive
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while not local_neo4j._zombie(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert local_neo4j._zombie(child.pid)
    child.wait()
    assert not local_neo4j._zombie(child.pid) and not local_neo4j._zombie(1)
