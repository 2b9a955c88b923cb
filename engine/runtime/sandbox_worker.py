"""The child side of the sandbox pool (`engine.runtime.sandbox_pool`): the loop a worker process runs. It sets the operating
system's limits, answers one job at a time, proxies domain functions back to the caller and checks the case data a
script leaves before anything crosses back. Imported in the worker without the engine package's __init__: standard
library, RestrictedPython and the sandbox modules only."""
from __future__ import annotations

import functools
import json
import pickle
import resource
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from . import case_data, sandbox
from .errors import SandboxViolation
from .sandbox_pool import DEFERRED, DEFERRED_DATA_FACTOR, IN_CHILD, MAX_DEFERRED_CALLS, _breach, _rebuild, _reported


def serve(fd: int, memory_mb: int) -> None:
    """The worker's loop: set the limits, say ready, answer jobs until the caller goes away."""
    conn = Connection(fd)
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    conn.send_bytes(b'{"ready": true}')
    while True:
        try:
            request = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        _cpu_budget(request[4])
        conn.send_bytes(_work(conn, *request))


def _cpu_budget(seconds: float) -> None:
    """RLIMIT_CPU counts the process's whole life: allow what is used so far plus this job (SIGXCPU kills)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))


def _work(conn: Connection, mode: str, source: str, data: dict[str, Any], names: list[str], seconds: float,
          max_data: int, constants: dict[str, Any]) -> bytes:
    deferred: list[dict[str, Any]] = []
    functions = {name: _deferred(deferred, name, max_data) if name in DEFERRED else
                 _untraced(IN_CHILD[name]) if name in IN_CHILD else _proxy(conn, name, max_data) for name in names}
    functions.update({name: _constant(value) for name, value in constants.items()})
    try:
        if mode == "eval":
            value = sandbox.evaluate(source, data, functions, seconds)
            case_data.check({"result": value}, max_data)
            return json.dumps({"ok": value, "deferred": deferred}, allow_nan=False).encode()
        sandbox.execute(source, data, functions, seconds)
        case_data.check(data, max_data)
        return json.dumps({"ok": data, "deferred": deferred}, allow_nan=False).encode()
    except MemoryError:
        return _out_of_memory()
    except Exception as err:  # noqa: BLE001 - whatever the script raised goes back to the caller by name
        if isinstance(err, SandboxViolation) and isinstance(err.details, dict) and err.details.get("limit") == "memory":
            return _out_of_memory()
        return json.dumps({"error": _reported(err)}).encode()


def _out_of_memory() -> bytes:
    """The answer after a MemoryError; the caller replaces this worker, whose heap may be fragmented."""
    megabytes = resource.getrlimit(resource.RLIMIT_AS)[0] // (1024 * 1024)
    violation = _breach("memory", f"脚本超过内存上限（{megabytes} MB），已被终止",
                        f"The script exceeded its memory limit ({megabytes} MB) and was stopped")
    return json.dumps({"recycle": True, "error": _reported(violation)}).encode()


def _constant(value: Any) -> Callable[[], Any]:
    def call() -> Any:
        return value
    return call


def _untraced(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run our own code called from a script without the time-budget trace hook, which would fire on each of its
    Python calls (5x slower); the caller's wall deadline still bounds it."""
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        hook = sys.gettrace()
        sys.settrace(None)
        try:
            return function(*args, **kwargs)
        finally:
            sys.settrace(hook)
    return call


def _deferred(queue_: list[dict[str, Any]], name: str, max_data: int) -> Callable[..., None]:
    """A function that returns nothing (start_case): queue the call, bounded, for the caller to replay."""
    used = [0]

    @_untraced
    def call(*args: Any, **kwargs: Any) -> None:
        if len(queue_) >= MAX_DEFERRED_CALLS:
            raise SandboxViolation(f"一步最多调用 {name} {MAX_DEFERRED_CALLS} 次",
                                   f"A step may call {name} at most {MAX_DEFERRED_CALLS} times", {"limit": "child_starts"})
        message = {"call": name, "args": list(args), "kwargs": kwargs}
        used[0] += case_data.check(message, max_data)
        if used[0] > max_data * DEFERRED_DATA_FACTOR:
            raise SandboxViolation(f"本步 {name} 的数据过大", f"The data passed to {name} in this step is too large",
                                   {"limit": "child_data"})
        queue_.append(message)
    return call


def _proxy(conn: Connection, name: str, max_data: int) -> Callable[..., Any]:
    @_untraced
    def call(*args: Any, **kwargs: Any) -> Any:
        message = {"call": name, "args": list(args), "kwargs": kwargs}
        case_data.check(message, max_data)
        conn.send_bytes(json.dumps(message, allow_nan=False).encode())
        status, value = pickle.loads(conn.recv_bytes())
        if status == "raise":
            raise _rebuild(value)
        return value
    return call
