"""Real server processes for the scale-out tests: gunicorn web servers and `safeloop worker`s on the test's schema.

Every process logs JSON (`SAFELOOP_LOG_FORMAT=json`) to its own file, which the tests read afterwards.
Clients speak plain HTTP with `http.client`, one connection per request, as separate browsers would.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.runtime import db

VENV_BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-out-test-secret"  # one key on every web process: a token from one is valid on the other


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def lines(self) -> list[str]:
        return [line for line in self.log.read_text(encoding="utf-8").splitlines() if line.strip()]


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    _share_audit_key(data_dir)
    env = {**os.environ, "SAFELOOP_DATABASE_URL": db.settings().database_url, "SAFELOOP_DATA_DIR": str(data_dir),
           "SAFELOOP_SECRET_KEY": SECRET, "SAFELOOP_WORKER": "external", "SAFELOOP_LOG_FORMAT": "json"}
    env.update(extra)
    return env


def _share_audit_key(data_dir: Path) -> None:
    """Every process of one installation signs the audit trail with the same key (docs/operations.md): the
    servers get a copy of this test's keyring in their own data dir."""
    import shutil

    from engine.runtime import audit_keys
    audit_keys.current()  # made on first use
    data_dir.mkdir(parents=True, exist_ok=True)
    source = db.settings().data_dir / audit_keys.FILE
    if source.exists() and source.resolve() != (data_dir / audit_keys.FILE).resolve():
        shutil.copy2(source, data_dir / audit_keys.FILE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_web(tmp: Path, name: str, *, threads: int = 4, preload: bool = False, extra: tuple[str, ...] = ()) -> Server:
    """A gunicorn server with one worker process (`extra`: more gunicorn options); returns once /healthz answers."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "webui:create_app()", "--workers", "1", "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5", *extra]
    command += ["--preload"] if preload else []
    command += ["--no-control-socket"] if _gunicorn_version() >= (27,) else []  # else all share ~/.gunicorn/gunicorn.ctl
    server = Server(_spawn(command, tmp, name), tmp / f"{name}.log", port)
    wait_healthy(server)
    return server


def start_serve(tmp: Path, name: str) -> Server:
    """`safeloop serve` (werkzeug's server, as `make run` uses it); returns once /healthz answers."""
    port = free_port()
    server = Server(_spawn([str(VENV_BIN / "safeloop"), "serve", "--port", str(port)], tmp, name), tmp / f"{name}.log",
                    port)
    wait_healthy(server)
    return server


def _gunicorn_version() -> tuple[int, ...]:
    import gunicorn
    return tuple(int(part) for part in gunicorn.__version__.split(".")[:2])


def worker_pids(server: Server) -> list[int]:
    """The pids of a gunicorn master's worker processes."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def start_worker(tmp: Path, name: str, interval: float = 0.3, **extra: str) -> Server:
    """A `safeloop worker` sweeping every `interval` seconds."""
    command = [str(VENV_BIN / "safeloop"), "worker", "--interval", str(interval)]
    return Server(_spawn(command, tmp, name, **extra), tmp / f"{name}.log")


def _spawn(command: list[str], tmp: Path, name: str, **extra: str) -> subprocess.Popen[bytes]:
    with (tmp / f"{name}.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=ROOT, env=environment(tmp / "data", **extra), stdout=subprocess.DEVNULL,
                                stderr=log, start_new_session=True)


def wait_healthy(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"the server exited: {server.log.read_text()[-2000:]}"
        try:
            if request(server.port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server did not answer within {timeout}s")


def request(port: int, method: str, path: str, body: Any = None, token: str | None = None,
            timeout: float = 60) -> tuple[int, Any]:
    """(status, parsed JSON or None) of one request on a fresh connection; OSError when the server is gone."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, None


def login(port: int, username: str, password: str = "password-123") -> str:
    status, body = request(port, "POST", "/api/v1/auth/token", {"username": username, "password": password})
    assert status == 200, body
    return str(body["token"])


def json_lines(server: Server, *, skip_gunicorn: bool = False) -> list[dict[str, Any]]:
    """Every line the process logged, each parsed as one JSON object (fails on a line that is not one).

    `skip_gunicorn` leaves out gunicorn's own lines (`[time] [pid] [LEVEL] …`, its format unless its config says
    otherwise, see docs/operations.md)."""
    lines = server.lines()
    if skip_gunicorn:
        lines = [line for line in lines if not line.startswith("[")]
    return [json.loads(line) for line in lines]
