"""Sandboxed code runs in pre-started worker processes under operating-system limits.

RestrictedPython decides what a script may name; it cannot stop one C call (a big power, a join, a
replace) from taking all the memory or holding the GIL for minutes. So every condition, timer
expression and script runs in a child process with RLIMIT_AS (memory) and RLIMIT_CPU, under a wall-clock
deadline kept by the caller, and a child that breaches a limit is killed and replaced. The caller's
thread waits on a socket, which releases the GIL, so the server keeps answering meanwhile.

Domain functions (`enterprises()`, `start_case()`, `add_working_days()` …) stay in the caller, which holds the
database session, the holidays and the step's queue: the child asks for them by name and gets the result
back. Two kinds cost no round trip: `today()` and `now()` are read from the caller's clock once per job and
sent with it (the clock does not move inside one script), and `add_days()`, a function of its arguments only,
runs in the child. Messages from a child are JSON, never pickles, so even a child taken over by an escape could only
hand the caller data. The case data a script leaves is checked (JSON, capped) in the child, so a huge
value is refused where it was made and never crosses into the server. The child's loop is `engine.runtime.sandbox_worker`.
"""
from __future__ import annotations

import atexit
import builtins
import json
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import case_data, sandbox
from .errors import SandboxViolation

GRACE_SECONDS = 0.5        # the wall deadline is the sandbox's own time budget plus this
DEFERRED = frozenset({"start_case"})  # return nothing: queued in the child, replayed by the caller afterwards
CONSTANTS = frozenset({"today", "now"})  # read by the caller once per job and sent with it
IN_CHILD: dict[str, Callable[..., Any]] = {"add_days": sandbox.add_days}  # pure: the child runs them itself
MAX_DEFERRED_CALLS = 5000
DEFERRED_DATA_FACTOR = 8   # queued calls may carry this many times the case data cap
START_SECONDS = 20.0       # how long a caller waits for a free worker before giving up
_PASSED_ERRORS = frozenset({
    "ValueError", "TypeError", "KeyError", "IndexError", "NameError", "ZeroDivisionError", "AttributeError",
    "OverflowError", "ArithmeticError", "LookupError", "UnboundLocalError", "AssertionError", "RecursionError",
    "StopIteration", "Exception"})
_BOOT = ("import sys, types\n"
         "package = types.ModuleType('engine'); package.__path__ = [sys.argv[1]]; sys.modules['engine'] = package\n"
         "from engine import sandbox_worker\n"
         "sandbox_worker.serve(int(sys.argv[2]), int(sys.argv[3]))\n")


@dataclass(frozen=True)
class Limits:
    """The hard limits of one evaluation (SAFELOOP_SANDBOX_MEMORY_MB, SAFELOOP_SANDBOX_WORKERS, the case data cap)."""

    seconds: float
    memory_mb: int
    max_data: int
    workers: int

    @classmethod
    def from_env(cls, seconds: float = sandbox.MAX_SECONDS) -> Limits:
        def number(name: str, default: int) -> int:
            raw = os.environ.get(name, "").strip()
            return int(raw) if raw.isdigit() and int(raw) > 0 else default
        return cls(seconds, number("SAFELOOP_SANDBOX_MEMORY_MB", 128), case_data.max_bytes(),
                   number("SAFELOOP_SANDBOX_WORKERS", 2))


def _breach(limit: str, zh: str, en: str) -> SandboxViolation:
    return SandboxViolation(zh, en, {"limit": limit})


def _rebuild(error: Mapping[str, Any]) -> Exception:
    """The exception a child reported, as an object of an allowed type."""
    if error.get("type") == "SandboxViolation":
        return SandboxViolation(str(error.get("zh", "")), str(error.get("en", "")), error.get("details"))
    args = [str(a) for a in error.get("args", [])][:3]
    name = str(error.get("type", ""))
    if name in _PASSED_ERRORS:
        return getattr(builtins, name)(*args)
    return RuntimeError(f"{name[:60]}: {'; '.join(args)}")


def _reported(err: BaseException) -> dict[str, Any]:
    if isinstance(err, SandboxViolation):
        details = err.details if isinstance(err.details, dict) and "limit" in err.details else None
        return {"type": "SandboxViolation", "zh": err.message_zh, "en": err.message_en,
                "details": {"limit": str(details["limit"])} if details else None}
    return {"type": type(err).__name__, "args": [str(a)[:2000] for a in err.args[:3]]}


class _Worker:
    """One child process and the socket to it."""

    def __init__(self, limits: Limits) -> None:
        mine, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, str(Path(__file__).parent), str(theirs.fileno()),
             str(limits.memory_mb)],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={}, start_new_session=True)
        theirs.close()
        self.conn = Connection(mine.detach())
        if not self.conn.poll(START_SECONDS) or json.loads(self.conn.recv_bytes(256)) != {"ready": True}:
            self.kill()
            raise _breach("start", "沙箱进程无法启动", "The sandbox process did not start")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.conn.close()

    def run(self, request: tuple[Any, ...], functions: Mapping[str, Callable[..., Any]], limits: Limits) -> Any:
        """Send one job; answer the child's calls until it replies. Raises _Broken when the child must go."""
        try:
            self.conn.send_bytes(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
            raise _Broken(_breach("json_only", "事项数据无法交给沙箱", "The case data cannot be handed to the sandbox")) from err
        deadline = time.monotonic() + limits.seconds + GRACE_SECONDS
        while True:
            message = self._receive(deadline, limits)
            if "call" not in message:
                return message
            self.conn.send_bytes(pickle.dumps(_answer_call(functions, message), protocol=pickle.HIGHEST_PROTOCOL))

    def _receive(self, deadline: float, limits: Limits) -> dict[str, Any]:
        if not self.conn.poll(max(deadline - time.monotonic(), 0)):
            raise _Broken(_breach("time", f"脚本运行超过 {limits.seconds:g} 秒，已被终止",
                                  f"The script ran past its {limits.seconds:g}-second time limit and was stopped"))
        try:
            raw = self.conn.recv_bytes(limits.max_data * (2 + DEFERRED_DATA_FACTOR) + 65536)
            message = json.loads(raw)
        except (EOFError, OSError, ValueError, RecursionError) as err:
            raise _Broken(self._death(limits)) from err
        if not isinstance(message, dict):
            raise _Broken(self._death(limits))
        return message

    def _death(self, limits: Limits) -> SandboxViolation:
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        if code == -signal.SIGXCPU:
            return _breach("cpu", f"脚本超过 CPU 时间上限（{limits.seconds:g} 秒）",
                           f"The script exceeded its CPU time limit ({limits.seconds:g} s)")
        return _breach("memory", f"脚本超过内存上限（{limits.memory_mb} MB），已被终止",
                       f"The script exceeded its memory limit ({limits.memory_mb} MB) and was stopped")


class _Broken(Exception):
    """The job failed in a way that leaves the worker unusable; carries what to tell the caller."""

    def __init__(self, violation: SandboxViolation) -> None:
        super().__init__(str(violation))
        self.violation = violation


def _answer_call(functions: Mapping[str, Callable[..., Any]], message: Mapping[str, Any]) -> tuple[Any, ...]:
    """Run a domain function the child asked for, in the caller (its session, clock and step)."""
    function, args, kwargs = functions.get(str(message["call"])), message.get("args"), message.get("kwargs")
    if function is None or not isinstance(args, list) or not isinstance(kwargs, dict):
        return ("raise", {"type": "NameError", "args": [f"name {message['call']!r} is not defined"]})
    try:
        return ("ok", function(*args, **kwargs))
    except (SandboxViolation, ValueError, TypeError, KeyError, IndexError, ArithmeticError, AttributeError) as err:
        return ("raise", _reported(err))


class Pool:
    """Pre-started workers, handed out one job at a time; a worker that breaches a limit is replaced."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self.pid = os.getpid()
        self.everyone: set[_Worker] = set()
        self._lock = threading.Lock()
        for _ in range(limits.workers):
            self._replace()

    def _replace(self) -> None:
        threading.Thread(target=self._start_one, name="sandbox-worker-start", daemon=True).start()

    def _start_one(self) -> None:
        try:
            worker = _Worker(self.limits)
        except (OSError, SandboxViolation):
            time.sleep(1)  # e.g. out of processes: try again rather than shrink the pool for good
            return self._replace()
        with self._lock:
            self.everyone.add(worker)
        self.idle.put(worker)
        return None

    @contextmanager
    def worker(self) -> Iterator[_Worker]:
        """A free worker for one job; it goes back to the pool, or is replaced if the job broke it."""
        try:
            worker = self.idle.get(timeout=START_SECONDS)
        except queue.Empty:
            raise _breach("workers", "沙箱进程繁忙，请稍后重试", "All sandbox processes are busy; try again") from None
        healthy = False
        try:
            yield worker
            healthy = True
        finally:
            if healthy:
                self.idle.put(worker)
            else:
                self.discard(worker)

    def discard(self, worker: _Worker) -> None:
        with self._lock:
            self.everyone.discard(worker)
        threading.Thread(target=worker.kill, daemon=True).start()
        self._replace()

    def close(self) -> None:
        with self._lock:
            workers, self.everyone = list(self.everyone), set()
        for worker in workers:
            worker.kill()


_pool: Pool | None = None
_pool_lock = threading.Lock()


def pool() -> Pool:
    """This process's pool (a forked process gets its own: sockets are not shared across processes)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = Pool(Limits.from_env())
            atexit.register(_pool.close)
        return _pool


def _job(mode: str, source: str, data: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]],
         seconds: float) -> dict[str, Any]:
    current = pool()
    limits = Limits(seconds, current.limits.memory_mb, case_data.max_bytes(), current.limits.workers)
    constants = {name: functions[name]() for name in sorted(CONSTANTS & functions.keys())}
    request = (mode, source, dict(data), sorted(functions.keys() - constants.keys()), seconds, limits.max_data,
               constants)
    with current.worker() as worker:  # an exception inside this block replaces the worker
        try:
            answer = worker.run(request, functions, limits)
        except _Broken as broken:
            raise broken.violation from None
        if answer.get("recycle"):
            raise _rebuild(answer.get("error") or {})
    if "error" in answer:
        raise _rebuild(answer["error"])
    for call in answer.get("deferred", []):
        status, value = _answer_call(functions, call)
        if status == "raise":
            raise _rebuild(value)
    return answer


def evaluate(expression: str, data: Mapping[str, Any], functions: Mapping[str, Any] | None = None,
             seconds: float = sandbox.MAX_SECONDS) -> Any:
    """sandbox.evaluate in a worker process under hard limits; the result must be JSON. A plain condition
    (sandbox.is_bounded: comparisons, and/or/not, len/bool) costs no more than reading the data: it runs here."""
    if sandbox.is_bounded(expression):
        return sandbox.evaluate(expression, data, functions, seconds)
    return _job("eval", expression, data, functions or {}, seconds)["ok"]


def execute(script: str, data: dict[str, Any], functions: Mapping[str, Any] | None = None,
            seconds: float = sandbox.MAX_SECONDS) -> None:
    """sandbox.execute in a worker process under hard limits; the case data it leaves is checked there. A plain
    script (sandbox.is_bounded_script: assignments and ifs over plain expressions, today(), now(), add_days())
    costs no more than reading the data: it runs here, and the data it leaves is checked here."""
    if sandbox.is_bounded_script(script):
        sandbox.execute(script, data, functions, seconds)
        case_data.check(data, case_data.max_bytes())  # as the worker does: the incident names this element
        return
    result = _job("exec", script, data, functions or {}, seconds)["ok"]
    for key in [k for k in data if k not in result]:
        del data[key]
    data.update(result)
