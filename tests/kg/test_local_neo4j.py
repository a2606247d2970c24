"""The local runner's process bookkeeping."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg import local_neo4j
from kg.store import Neo4jStore


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


def test_the_launcher_is_compiled_once_and_a_server_stops_without_bolts_quiet_period(tmp_path: Path) -> None:
    jars = local_neo4j.install(local_neo4j.ServerConfig(home=tmp_path / "unused"))
    lib = tmp_path / "cache" / "lib"
    lib.parent.mkdir()
    lib.symlink_to(jars)
    arguments = local_neo4j.compiled_launcher(lib)
    (classes,) = lib.parent.glob("launcher-*")
    compiled = (classes / "Launcher.class").stat().st_mtime_ns
    assert arguments == ["-cp", f"{classes}:{lib}/*", "Launcher"]
    assert local_neo4j.compiled_launcher(lib) == arguments  # reused, not compiled again
    assert (classes / "Launcher.class").stat().st_mtime_ns == compiled

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = local_neo4j.ServerConfig(home=tmp_path / "server", port=port, heap_mb=512, pagecache_mb=64, lib_dir=jars)
    local_neo4j.start(config)
    began = time.monotonic()
    assert local_neo4j.stop(config)
    # Bolt's default 5 s shutdown quiet period came after the databases had closed: every stop
    # (each test server, each `kg etl run --bulk`) took over 10 s; now well under a second
    assert time.monotonic() - began < 5.0 and local_neo4j.read_pid(config) is None


def test_a_scratch_server_answers_inside_and_is_stopped_and_removed_after_an_error() -> None:
    with pytest.raises(RuntimeError, match="inside"), local_neo4j.scratch(heap_mb=512, pagecache_mb=64) as server:
        folder = server.home
        with Neo4jStore(server.uri) as store:
            assert store.read(lambda tx: tx.run("RETURN 1 AS one").single()["one"]) == 1
        assert local_neo4j.ping(server.uri)
        raise RuntimeError("inside")
    assert not local_neo4j.ping(server.uri, timeout_s=1.0)
    assert not folder.exists()  # a temporary folder goes with the server
