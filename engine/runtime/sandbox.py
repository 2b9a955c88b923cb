"""The expression and script sandbox (RestrictedPython plus our own limits).

Process owners edit diagrams in the browser, so conditions, timer expressions and script tasks
are untrusted code. RestrictedPython refuses imports, dunder and underscore names at compile
time; at run time attribute access, item access and iteration go through guards, big
multiplications/powers are refused, ranges are capped, and a trace hook bounds the time.
"""
from __future__ import annotations

import ast
import operator
import sys
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer

from .errors import SandboxViolation

FILENAME = "<sandbox>"
MAX_SECONDS = 2.0
MAX_RANGE = 100_000
MAX_SEQUENCE = 1_000_000
MAX_EXPONENT = 1_000

_SAFE_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False,
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "float": float, "int": int, "isinstance": isinstance, "len": len,
    "list": list, "max": max, "min": min, "reversed": reversed, "round": round, "set": set,
    "sorted": sorted, "str": str, "sum": sum, "tuple": tuple, "zip": zip,
    "ValueError": ValueError, "KeyError": KeyError, "Exception": Exception,
}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus: route *, ** and << through a size guard."""

    _GUARDED = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "imports are not allowed")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "imports are not allowed")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed")  # they need __build_class__, which is not given
        return node

    def visit_With(self, node: ast.With) -> ast.AST:
        self.error(node, "with statements are not allowed")  # nothing in the sandbox is a context manager
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        symbol = self._GUARDED.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_safe_binop_", ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 1


def _safe_binop(symbol: str, left: Any, right: Any) -> Any:
    if symbol == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
        raise SandboxViolation("指数过大", "Exponent too large")
    if symbol == "<<" and isinstance(right, int) and right > MAX_EXPONENT:
        raise SandboxViolation("移位过大", "Shift too large")
    if symbol == "*":
        count = right if isinstance(right, int) else left if isinstance(left, int) else 1
        if max(_size(left), _size(right)) * max(count, 1) > MAX_SEQUENCE and not (
                isinstance(left, (int, float)) and isinstance(right, (int, float))):
            raise SandboxViolation("结果过大", "Result too large")
    return {"*": operator.mul, "**": operator.pow, "<<": operator.lshift}[symbol](left, right)


def _limited_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise SandboxViolation(f"range 超过 {MAX_RANGE} 项", f"range longer than {MAX_RANGE}")
    return result


def _getitem(obj: Any, key: Any) -> Any:
    if isinstance(key, str) and key.startswith("_"):
        raise SandboxViolation("禁止访问下划线开头的键", "Keys starting with '_' are not allowed")
    return obj[key]


def _getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_") or name in {"format", "format_map", "mro"}:
        raise SandboxViolation(f"禁止访问属性 {name}", f"Attribute '{name}' is not allowed")
    if callable(obj) and not isinstance(obj, type) and not hasattr(obj, "__self__"):
        raise SandboxViolation("禁止访问函数的属性", "Attributes of functions are not allowed")
    return safer_getattr(obj, name, default)


def _inplacevar(op: str, left: Any, right: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": operator.add, "-=": operator.sub, "/=": operator.truediv, "//=": operator.floordiv,
        "%=": operator.mod, "|=": operator.or_, "&=": operator.and_}
    if op == "*=":
        return _safe_binop("*", left, right)
    if op not in ops:
        raise SandboxViolation(f"不支持的运算 {op}", f"Operator {op} is not allowed")
    return ops[op](left, right)


def _apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """RestrictedPython turns f(*args, **kwargs) into _apply_(f, ...): the callee is guarded like any call."""
    return function(*args, **kwargs)


def base_globals() -> dict[str, Any]:
    """The names every sandboxed expression sees (without the engine's domain functions)."""
    builtins = dict(_SAFE_BUILTINS, range=_limited_range)
    return {
        "__builtins__": builtins, "__name__": "sandbox", "__metaclass__": type,
        "_getattr_": _getattr, "_getitem_": _getitem, "_getiter_": iter,
        "_write_": full_write_guard, "_inplacevar_": _inplacevar, "_safe_binop_": _safe_binop,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_print_": PrintCollector,
        "_unpack_sequence_": guarded_unpack_sequence, "_apply_": _apply,
    }


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> CodeType:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, filename=FILENAME, policy=_Policy)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:  # e.g. 'yield' outside a function
        message = f"{type(err).__name__}: {getattr(err, 'msg', None) or err}"
        raise SandboxViolation(f"表达式无法编译：{message}", f"Expression cannot be compiled: {message}",
                               {"errors": [message]}) from err
    if result.errors or result.code is None:
        message = "; ".join(result.errors) or "cannot compile"
        raise SandboxViolation(f"表达式无法通过安全检查：{message}",
                               f"Expression refused by the sandbox: {message}", {"errors": list(result.errors)})
    return result.code


_BOUNDED_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.Eq,
                  ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Name, ast.Load,
                  ast.Constant, ast.Tuple, ast.List, ast.Call)
MAX_BOUNDED_LENGTH = 500


@lru_cache(maxsize=4096)
def is_bounded(expression: str) -> bool:
    """True for a short condition made only of names, small constants, comparisons, and/or/not and len()/bool():
    its cost is linear in the (capped) case data, so it may run in the server process without a worker."""
    tree = _parsed(expression, "eval", MAX_BOUNDED_LENGTH)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if not isinstance(node, _BOUNDED_NODES) or not _small_leaf(node):
            return False
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in ("len", "bool")
                                               and len(node.args) == 1 and not node.keywords):
            return False
    return True


def _parsed(source: str, mode: str, limit: int) -> ast.AST | None:
    """The syntax tree of a source no longer than `limit`, or None (too long, or not Python)."""
    if len(source) > limit:
        return None
    try:
        return ast.parse(source, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _small_leaf(node: ast.AST) -> bool:
    """False for a constant other than None/bool/number/short string, or a name starting with an underscore."""
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, (bool, int, float, str)) and len(str(node.value)) <= 100
    return not (isinstance(node, ast.Name) and node.id.startswith("_"))


# Plain scripts: straight-line assignments (and ifs) of plain expressions, which may also read the clock and add days.
_PLAIN_STATEMENTS = (ast.Module, ast.Assign, ast.If, ast.Pass, ast.Store, ast.IfExp)
_PLAIN_CALLS = {"len": 1, "bool": 1, "today": 0, "now": 0, "add_days": 2}  # name -> number of arguments
MAX_PLAIN_SCRIPT_LENGTH = 1000


@lru_cache(maxsize=4096)
def is_bounded_script(script: str) -> bool:
    """True for a short script of assignments and ifs over plain expressions (as `is_bounded`, plus `x if c else y`
    and calls of today(), now() and add_days(); lists and tuples of constants only): no loops, no arithmetic, no
    subscripts, so each statement costs at most a pass over the (capped, tree-shaped) case data and makes no value
    bigger than a constant. Such a script may run in the server process without a worker, as plain conditions do."""
    tree = _parsed(script, "exec", MAX_PLAIN_SCRIPT_LENGTH)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if not isinstance(node, (*_BOUNDED_NODES, *_PLAIN_STATEMENTS)) or isinstance(node, ast.Expression):
            return False
        if isinstance(node, ast.Assign) and not (len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            return False
        if not _small_leaf(node):
            return False
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and not node.keywords
                                               and _PLAIN_CALLS.get(node.func.id) == len(node.args)):
            return False
        # constants only: a script that nests its own lists ([a, a], then [a, a] again…) could make one comparison
        # take exponential time inside a single C call, which no time budget interrupts
        if isinstance(node, (ast.List, ast.Tuple)) and not all(isinstance(e, ast.Constant) for e in node.elts):
            return False
    return True


def check(source: str, mode: str = "eval") -> str | None:
    """Compile without running; returns the error message, or None when it compiles."""
    try:
        _compile(source, mode)
    except SandboxViolation as err:
        return err.message_en
    return None


class _Deadline:
    """A trace hook that stops sandboxed code running past its time budget."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.until = seconds, time.monotonic() + seconds

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != FILENAME:
            return None
        if time.monotonic() > self.until:
            raise SandboxViolation(f"脚本运行超过 {self.seconds:g} 秒", f"Script ran out of time ({self.seconds:g} s)",
                                   {"limit": "time"})
        return self


def _run(code: CodeType, namespace: dict[str, Any], mode: str, seconds: float) -> Any:
    previous = sys.gettrace()
    sys.settrace(_Deadline(seconds))
    try:
        return eval(code, namespace) if mode == "eval" else exec(code, namespace)
    except SandboxViolation:
        raise
    except RecursionError as err:
        raise SandboxViolation("递归过深", "Recursion too deep", {"limit": "recursion"}) from err
    except MemoryError as err:
        raise SandboxViolation("内存超限", "Out of memory", {"limit": "memory"}) from err
    finally:
        sys.settrace(previous)


def add_days(iso_date: str, days: int) -> str:
    """The date `days` calendar days after an ISO date (the `add_days` scripts call; it needs nothing but its
    arguments, so the sandbox workers run it themselves)."""
    return (date.fromisoformat(str(iso_date)[:10]) + timedelta(days=int(days))).isoformat()


def evaluate(expression: str, data: Mapping[str, Any], functions: Mapping[str, Any] | None = None,
             seconds: float = MAX_SECONDS) -> Any:
    """Evaluate an expression over case data. Raises SandboxViolation or the expression's error."""
    code = _compile(expression, "eval")
    namespace = base_globals()
    namespace.update(functions or {})
    namespace.update({k: v for k, v in data.items() if not k.startswith("_")})
    return _run(code, namespace, "eval", seconds)


def execute(script: str, data: dict[str, Any], functions: Mapping[str, Any] | None = None,
            seconds: float = MAX_SECONDS) -> None:
    """Run a script over case data in place: names it assigns become case data."""
    code = _compile(script, "exec")
    namespace = base_globals()
    reserved = set(namespace) | set(functions or {})
    namespace.update(functions or {})
    namespace.update(data)
    _run(code, namespace, "exec", seconds)
    for key, value in namespace.items():
        if key in reserved or key.startswith("_") or callable(value):
            continue
        data[key] = value
    for key in [k for k in data if k not in namespace]:
        del data[key]
