"""Run the real Neo4j 5.26 Community server in a local JVM, no Docker needed.

The jars are resolved by Maven from ``kg/neo4j_server/pom.xml`` into a cache folder;
``Launcher.java`` starts the embedded database with the Bolt connector on loopback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

from kg.errors import Neo4jRunnerError

NEO4J_VERSION = "5.26.30"


@dataclass(frozen=True)
class ServerConfig:
    """Where and how the local server runs.

    Args:
        home: Data directory (database files, PID file and log live here).
        host: Address the Bolt connector listens on.
        port: Bolt port.
        heap_mb: JVM heap.
        pagecache_mb: Neo4j page cache.
        tx_log_retention: How much transaction log to keep beyond what recovery needs (Neo4j's
            ``db.tx_log.rotation.retention_policy``: ``"1G size"``, ``"2 files"``, ``"keep_none"``…).
            Neo4j's own default, two days, fills a disk on a machine that reloads graphs often.
        lib_dir: Folder holding the Neo4j jars.
    """

    home: Path
    host: str = "127.0.0.1"
    port: int = 7687
    heap_mb: int = 2048
    pagecache_mb: int = 1024
    tx_log_retention: str = "1G size"
    lib_dir: Path | None = None

    @property
    def jars(self) -> Path:
        """Folder of the jars (a per-user cache unless set)."""
        if self.lib_dir is not None:
            return self.lib_dir
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        return cache / "kg" / f"neo4j-{NEO4J_VERSION}" / "lib"

    @property
    def server_home(self) -> Path:
        """The embedded server's home directory (its databases are under ``data/databases``)."""
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        """PID file of the running server."""
        return self.home / "neo4j.pid"

    @property
    def port_file(self) -> Path:
        """The Bolt port the server of this data directory was started on."""
        return self.home / "neo4j.port"

    @property
    def log_file(self) -> Path:
        """Log of the running server."""
        return self.home / "neo4j.log"

    @property
    def uri(self) -> str:
        """Bolt URI of the server."""
        return f"bolt://{self.host}:{self.port}"


def _asset(name: str) -> Path:
    return Path(str(resources.files("kg.neo4j_server").joinpath(name)))


def install(config: ServerConfig) -> Path:
    """Resolve the Neo4j jars with Maven (once) and return their folder."""
    lib = config.jars
    if lib.is_dir() and any(lib.glob("neo4j-kernel-*.jar")):
        return lib
    if shutil.which("mvn") is None:
        raise Neo4jRunnerError("Maven (mvn) is needed to fetch the Neo4j jars; install it first")
    lib.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn",
        "-q",
        "-B",
        "-f",
        str(_asset("pom.xml")),
        f"-Dneo4j.version={NEO4J_VERSION}",
        "dependency:copy-dependencies",
        f"-Dkg.lib.dir={lib}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Neo4jRunnerError(f"mvn failed to fetch Neo4j jars:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    if not any(lib.glob("neo4j-kernel-*.jar")):
        raise Neo4jRunnerError(f"mvn ran but no Neo4j jars are in {lib}")
    return lib


def compiled_launcher(lib: Path) -> list[str]:
    """``Launcher`` as java's class-path arguments: compiled once into the jars' cache, keyed by its source.

    Java's source-file mode would otherwise compile it at every start (~0.7 s on two cores). Falls
    back to source-file mode where no ``javac`` is installed (a JRE) or the cache is read-only.
    """
    source = _asset("Launcher.java")
    source_mode = ["-cp", f"{lib}/*", str(source)]
    javac = shutil.which("javac")
    if javac is None:
        return source_mode
    digest = hashlib.sha256(source.read_bytes() + NEO4J_VERSION.encode()).hexdigest()[:12]
    classes = lib.parent / f"launcher-{digest}"
    if not (classes / "Launcher.class").is_file():
        try:
            building = Path(tempfile.mkdtemp(prefix=f"{classes.name}.", dir=lib.parent))
        except OSError:  # a read-only jar cache: compile at each start instead
            return source_mode
        done = subprocess.run(
            [javac, "-nowarn", "-cp", f"{lib}/*", "-d", str(building), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise Neo4jRunnerError(f"javac could not compile {source.name}:\n{done.stderr[-2000:]}")
        try:
            building.rename(classes)  # atomic: a concurrent start either sees the whole folder or none
        except OSError:
            shutil.rmtree(building, ignore_errors=True)  # another process got there first
    return ["-cp", f"{classes}{os.pathsep}{lib}/*", "Launcher"]


def recorded_port(home: Path) -> int | None:
    """The Bolt port the server in data directory ``home`` was last started on, if recorded."""
    try:
        return int((home / "neo4j.port").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def read_pid(config: ServerConfig) -> int | None:
    """Return the PID of a running server started from ``config.home``, else ``None``."""
    try:
        pid = int(config.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def ping(uri: str, timeout_s: float = 2.0) -> bool:
    """Whether a real Cypher query answers at ``uri``."""
    try:
        with (
            GraphDatabase.driver(uri, auth=("neo4j", "neo4j"), connection_timeout=timeout_s) as drv,
            drv.session() as session,
        ):
            record = session.run("RETURN 1 AS ok").single()  # a session.run is not retried
            return bool(record and record["ok"] == 1)
    except (DriverError, Neo4jError, OSError):
        return False


def start(config: ServerConfig, timeout_s: float = 180.0) -> str:
    """Start the server (if not already running) and wait until Cypher answers.

    Returns:
        The Bolt URI.

    Raises:
        Neo4jRunnerError: if Java is missing, the port is taken or the server never answers.
    """
    if read_pid(config) is not None and ping(config.uri):
        config.port_file.write_text(str(config.port))
        return config.uri
    if ping(config.uri):
        raise Neo4jRunnerError(f"another server already answers on {config.uri}; choose --port")
    java = shutil.which("java")
    if java is None:
        raise Neo4jRunnerError("a Java 17 runtime (java) is needed to run Neo4j")
    lib = install(config)
    config.home.mkdir(parents=True, exist_ok=True)
    log = config.log_file.open("ab")
    cmd = [
        java,
        f"-Xmx{config.heap_mb}m",
        f"-Xms{min(config.heap_mb, 512)}m",
        "-XX:+UseParallelGC",
        *compiled_launcher(lib),
        str(config.server_home),
        config.host,
        str(config.port),
        str(config.pagecache_mb),
        config.tx_log_retention,
    ]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    config.pid_file.write_text(str(proc.pid))
    config.port_file.write_text(str(config.port))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            config.pid_file.unlink(missing_ok=True)
            tail = config.log_file.read_text(errors="replace")[-3000:]
            raise Neo4jRunnerError(f"Neo4j exited with code {proc.returncode}; log tail:\n{tail}")
        if ping(config.uri, timeout_s=1.0):
            return config.uri
        time.sleep(0.2)
    stop(config)
    raise Neo4jRunnerError(f"Neo4j did not answer on {config.uri} within {timeout_s:.0f}s; see {config.log_file}")


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap our own child if it exited
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` exited and waits for another process (its parent) to reap it (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].startswith("Z")  # the state follows the parenthesised name


def stop(config: ServerConfig, timeout_s: float = 60.0, kill: bool = False) -> bool:
    """Stop the server; ``kill=True`` sends SIGKILL (used to test crash recovery).

    Returns:
        Whether a running server was stopped.
    """
    pid = read_pid(config)
    if pid is None:
        config.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
        time.sleep(0.2)
    config.pid_file.unlink(missing_ok=True)
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now (the operating system picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def scratch(
    home: Path | None = None,
    *,
    heap_mb: int = 2048,
    pagecache_mb: int = 1024,
    tx_log_retention: str = "1G size",
    remove: bool | None = None,
) -> Iterator[ServerConfig]:
    """A throwaway local server on a free port: started on entry, stopped on exit, whatever happens inside.

    Args:
        home: Its folder (default: a new temporary one).
        heap_mb: JVM heap.
        pagecache_mb: Page cache.
        tx_log_retention: Transaction-log retention.
        remove: Delete the folder on exit (default: only a temporary one).
    """
    temporary = home is None
    folder = Path(tempfile.mkdtemp(prefix="kg-neo4j-")) if home is None else home
    config = ServerConfig(
        home=folder,
        port=free_port(),
        heap_mb=heap_mb,
        pagecache_mb=pagecache_mb,
        tx_log_retention=tx_log_retention,
    )
    start(config)
    try:
        yield config
    finally:
        stop(config)
        if temporary if remove is None else remove:
            shutil.rmtree(folder, ignore_errors=True)


def status(config: ServerConfig) -> dict[str, object]:
    """Return the runner's view: PID, URI, whether Cypher answers, log path."""
    pid = read_pid(config)
    return {
        "running": pid is not None,
        "pid": pid,
        "uri": config.uri,
        "answers": ping(config.uri) if pid is not None else False,
        "home": str(config.home),
        "log": str(config.log_file),
        "neo4j_version": NEO4J_VERSION,
    }
