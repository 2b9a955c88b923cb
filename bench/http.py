"""HTTP load: gunicorn on loopback, 16 concurrent clients completing `review` cases over the JSON API.

Each client loops for the given seconds: start a case (officer), complete `rectify` (officer), complete
`accept` (inspector), each a POST with a bearer token on a keep-alive connection. Every request's latency
and status is recorded; anything but 2xx (or a dropped connection) counts as an error.
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine

from . import targets
from .stats import Table, pct

CLIENTS = 16
WORKERS, THREADS = 4, 4  # gunicorn's processes and threads each (docs/operations.md: as deployed)
PASSWORD = "bench-password-123"


@dataclass
class Record:
    """Latencies (ms) and failures, shared by the client threads."""

    ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, error: str | None) -> None:
        with self.lock:
            self.ms.append(ms)
            if error:
                self.errors.append(error)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(conn: http.client.HTTPConnection, path: str, body: dict[str, Any], token: str | None,
          record: Record | None) -> dict[str, Any] | None:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    t0 = time.perf_counter()
    try:
        conn.request("POST", path, json.dumps(body), headers)
        response = conn.getresponse()
        payload = response.read()
        error = None if 200 <= response.status < 300 else f"{response.status} {payload[:200]!r}"
    except (OSError, http.client.HTTPException) as err:
        conn.close()
        payload, error = b"{}", f"{type(err).__name__}: {err}"
    if record is not None:
        record.add((time.perf_counter() - t0) * 1000, error)
    return None if error else json.loads(payload)


def _client(port: int, tokens: dict[str, str], until: float, record: Record) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() < until:
        case = _call(conn, "/api/v1/processes/review/instances",
                     {"data": {"case_title": "压测", "spawn": False}}, tokens["officer_a"], record)
        for element, who, data in (("rectify", "officer_a", {"measures": "更换"}),
                                   ("accept", "inspector_catering", {"result": "pass"})):
            tasks = (case or {}).get("open_tasks") or []
            task = next((t for t in tasks if t.get("element_id") == element), None)
            if task is None or time.perf_counter() >= until:
                break
            case = _call(conn, f"/api/v1/tasks/{task['id']}/complete", {"data": data}, tokens[who], record)
    conn.close()


def _serve(target: targets.Target, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = {**os.environ, "SAFELOOP_DATABASE_URL": target.url, "SAFELOOP_DATA_DIR": str(target.data_dir),
           "SAFELOOP_SECRET_KEY": secrets.token_urlsafe(32), "SAFELOOP_WORKER": "external"}
    return subprocess.Popen([gunicorn, "webui:create_app()", "--workers", str(workers), "--threads", str(threads),
                             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                            cwd=targets.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.stderr.read().decode()[-2000:] if server.stderr else ''}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not become ready")


def _cpu_seconds(pids: set[int]) -> dict[int, float]:
    """User + system CPU seconds of each of these processes so far (Linux /proc; a process that is gone: none)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
    return found


def _processes(name_part: str) -> set[int]:
    """The ids of running processes whose command line contains `name_part`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if name_part in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


@dataclass
class CpuSplit:
    """CPU seconds used during the load by the web server's processes, the database server's (backends started
    during the load included) and this client."""

    server: float = 0.0
    database: float = 0.0
    client: float = 0.0


class CpuMeter:
    """Samples the CPU of gunicorn's processes, PostgreSQL's and this process at the start of the load."""

    def __init__(self, server: set[int], database: bool) -> None:
        self.server, self.database = server, database
        self.start = (_cpu_seconds(server), _cpu_seconds(_processes("postgres")) if database else {}, time.process_time())

    def used(self) -> CpuSplit:
        server0, database0, client0 = self.start
        server = _cpu_seconds(self.server)
        database = _cpu_seconds(_processes("postgres")) if self.database else {}
        return CpuSplit(sum(v - server0.get(p, 0.0) for p, v in server.items()),
                        sum(v - database0.get(p, 0.0) for p, v in database.items()),
                        time.process_time() - client0)


def run(table: Table, seconds: int, workers: int = WORKERS, threads: int = THREADS) -> None:
    """Serve one fresh PostgreSQL (else SQLite) database with gunicorn and load it; add the results, with the CPU
    per request of gunicorn's processes, PostgreSQL's and this client's (the machine's cores are shared by all)."""
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        table.add("http", "skipped: gunicorn is not installed", "-", "-")
        return
    target = targets.postgres("http") or targets.sqlite("http")
    try:
        targets.prepare(target)
        for name in ("officer_a", "inspector_catering"):
            engine.set_password(name, PASSWORD)
        engine.configure(database_url=target.url, data_dir=target.data_dir)
        port = _free_port()
        server = _serve(target, port, workers, threads)
        try:
            _wait_ready(port, server)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            tokens = {n: (_call(conn, "/api/v1/auth/token", {"username": n, "password": PASSWORD}, None, None) or {})["token"]
                      for n in ("officer_a", "inspector_catering")}
            record = Record()
            meter = CpuMeter(_processes(f"127.0.0.1:{port}") | {server.pid}, target.name == "PostgreSQL")
            until = time.perf_counter() + seconds
            clients = [threading.Thread(target=_client, args=(port, tokens, until, record)) for _ in range(CLIENTS)]
            for t in clients:
                t.start()
            for t in clients:
                t.join(seconds + 60)
            used = meter.used()
        finally:
            server.terminate()
            server.wait(30)
        _report(table, target.name, record, seconds, workers, threads, used)
    finally:
        target.drop()


def _report(table: Table, db: str, record: Record, seconds: int, workers: int, threads: int, used: CpuSplit) -> None:
    where = f"gunicorn {workers}w x{threads}t, {CLIENTS} clients, {seconds}s"
    table.add("http", f"{where}: requests/s", db, f"{len(record.ms) / seconds:.1f}")
    table.add("http", "p50 / p95 / p99 ms", db, f"{pct(record.ms, 50):.0f} / {pct(record.ms, 95):.0f} / {pct(record.ms, 99):.0f}",
              f"p95 < 100 ms: {'met' if pct(record.ms, 95) < 100 else 'MISSED'}")
    table.add("http", "errors", db, f"{len(record.errors)} of {len(record.ms)}",
              f"0 errors: {'met' if not record.errors else 'MISSED'}")
    if record.ms:
        per = 1000 / len(record.ms)
        table.add("http", "CPU ms per request: gunicorn / PostgreSQL / client", db,
                  f"{used.server * per:.1f} / {used.database * per:.1f} / {used.client * per:.1f}",
                  "all on the same cores")
    for error in sorted(set(record.errors))[:5]:
        print(f"    error sample: {error}", flush=True)
