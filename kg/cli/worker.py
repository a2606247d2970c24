"""A model worker that keeps a loaded model context between shell calls of ``kg explain`` and ``kg rank``.

Loading torch, PyG and the model context costs ~4 s per call; the answer itself ~0.1–0.7 s. The
first call computes its answer in-process and starts a worker in the background; later calls
send their request to it over a Unix socket in ``$KG_HOME/run`` and print its JSON reply, so
they import neither torch nor the model. The socket is keyed by the run folder and its weights'
SHA-256, so a retrained model gets a new worker. The worker checks the loaded sources (cheaply,
at most every few seconds) and exits when the graph changed, when it has been idle for
``KG_WORKER_IDLE_S`` seconds (default 900), or when its socket file is removed.
``KG_WORKER=0`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import socketserver
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gnn.run_folder import RunFolder
from kg.errors import KGError
from kg.settings import Settings

#: A reply must come within this many seconds (an explanation takes < 1 s once loaded).
ASK_TIMEOUT_S = 30.0
_STATE_CHECK_S = 5.0


def enabled() -> bool:
    """Whether workers are on (``KG_WORKER=0`` turns them off)."""
    return os.environ.get("KG_WORKER", "1") not in ("0", "false", "no")


def socket_path(settings: Settings, model: Path) -> Path | None:
    """Where the worker for the run in ``model`` listens (``None``: no such run)."""
    try:
        weights = RunFolder(model).weights_sha256
    except KGError:
        return None
    key = hashlib.sha256(f"{model.resolve()}|{weights}".encode()).hexdigest()[:16]
    return settings.home.resolve() / "run" / f"model-{key}.sock"


def ask(settings: Settings, model: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    """The worker's reply to ``request``; ``None`` when no worker answers (the caller computes it)."""
    path = socket_path(settings, model)
    if not enabled() or path is None or not path.exists():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(ASK_TIMEOUT_S)
            conn.connect(str(path))
            conn.sendall(json.dumps(request).encode() + b"\n")
            data = conn.makefile("rb").readline()
    except OSError:
        return None
    reply: dict[str, Any] = json.loads(data) if data else {"stale": True}
    if reply.get("stale"):
        return None
    if "error" in reply:
        raise KGError(str(reply["error"]))
    result: dict[str, Any] = reply["result"]
    return result


def spawn(settings: Settings, model: Path) -> None:
    """Start a worker for ``model`` in the background (its output goes to ``$KG_HOME/run/worker.log``)."""
    path = socket_path(settings, model)
    if not enabled() or path is None or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / "worker.log", "ab") as log:
        subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "kg", "worker", "--model", str(model)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env=os.environ.copy(),
        )


def serve(settings: Settings, model: Path, handle: Any, state: Any) -> None:
    """Answer requests on the model's socket until idle, the graph changes, or the socket is removed.

    Args:
        settings: Settings (``home`` locates the socket).
        model: The run folder.
        handle: ``request dict -> result dict``; a ``KGError`` is sent back as the error message.
        state: ``() -> object`` describing the loaded graph; a change ends the worker.
    """
    path = socket_path(settings, model)
    if path is None:
        raise KGError(f"{model} is not a run folder")
    idle_s = float(os.environ.get("KG_WORKER_IDLE_S", "900"))
    loaded = state()
    checked = time.monotonic()
    path.unlink(missing_ok=True)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            nonlocal checked
            request = json.loads(self.rfile.readline() or b"{}")
            if time.monotonic() - checked > _STATE_CHECK_S:
                checked = time.monotonic()
                if state() != loaded:
                    self.wfile.write(b'{"stale": true}\n')
                    self.server.stale = True  # type: ignore[attr-defined]
                    return
            try:
                reply: dict[str, Any] = {"result": handle(request)}
            except KGError as exc:
                reply = {"error": str(exc)}
            self.wfile.write(json.dumps(reply, default=str).encode() + b"\n")

    with socketserver.UnixStreamServer(str(path), Handler) as server:
        server.stale = False  # type: ignore[attr-defined]
        server.timeout = min(idle_s, 60.0)
        last = time.monotonic()
        try:
            while path.exists() and not server.stale and time.monotonic() - last < idle_s:  # type: ignore[attr-defined]
                before = time.monotonic()
                server.handle_request()
                if time.monotonic() - before < server.timeout:  # a request came in (not a timeout)
                    last = time.monotonic()
        finally:
            path.unlink(missing_ok=True)
