"""What case data may be: JSON (no sets, generators, objects, NaN or Infinity) and at most a configured size.

Scripts may leave anything in their namespace, and a list of a million references to one big string is
small in memory but a terabyte once serialised. So the size is counted by walking the value with a budget
and stopping as soon as it is exceeded, never by serialising first. Imported by the sandbox worker
processes too: standard library only.
"""
from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any

from .errors import SandboxViolation, ValidationFailed

DEFAULT_MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_INT_BITS = 14_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def max_bytes() -> int:
    """The cap on one case's data as JSON, from SAFELOOP_MAX_CASE_DATA (bytes; default 1 MB)."""
    raw = os.environ.get("SAFELOOP_MAX_CASE_DATA", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


class _Budget:
    """Counts an upper bound of the JSON size of a value; raises as soon as it passes the limit."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def spend(self, amount: int, path: Any) -> None:
        self.used += amount
        if self.used > self.limit:
            path = _where(path)
            raise SandboxViolation(f"事项数据超过上限 {self.limit} 字节（在 {path or '数据'} 处）",
                                   f"Case data exceeds the limit of {self.limit} bytes (at {path or 'the data'})",
                                   {"limit": "max_case_data", "bytes": self.limit, "path": path})

    def walk(self, value: Any, path: Any, depth: int) -> None:
        """`path`: where the value is, as text or as (the parent's path, a key or [index]) rendered only for an
        error (`_where`)."""
        if depth > MAX_DEPTH:
            raise _not_json(_where(path), f"nested deeper than {MAX_DEPTH} levels")
        if value is None or isinstance(value, bool):
            self.spend(5, path)
        elif isinstance(value, str):
            self.spend(len(value) + 2, path)  # a first, cheap bound before escaping is counted
            if "\x00" in value or _SURROGATE.search(value):
                raise _not_json(_where(path), "text with a NUL character or a lone surrogate (not storable)")
            if not value.isascii() or _ESCAPED.search(value):  # plain ASCII text is written as it is
                self.spend(len(json.dumps(value)) - len(value) - 2, path)
        elif isinstance(value, int):
            if value.bit_length() > MAX_INT_BITS:  # Python refuses to print ints of more than 4,300 digits
                raise _not_json(_where(path), "an integer too long to write")
            self.spend(value.bit_length() // 3 + 2, path)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise _not_json(_where(path), "NaN or Infinity")
            self.spend(24, path)
        elif isinstance(value, (list, tuple)):
            self.spend(len(value) + 2, path)
            for index, item in enumerate(value):
                self.walk(item, (path, index), depth + 1)
        elif isinstance(value, dict):
            self.spend(len(value) * 2 + 2, path)
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _not_json(f"{_where(path)}[{key!r}]", "a key that is not text")
                self.walk(key, path, depth + 1)
                self.walk(item, (path, key), depth + 1)
        else:
            raise _not_json(_where(path), type(value).__name__)


_ESCAPED = re.compile(r'["\\\x00-\x1f\x7f]')  # what JSON writes longer than itself in ASCII text


def _where(path: Any) -> str:
    """A lazily built path as text: `a.b[2].c`."""
    parts: list[Any] = []
    while isinstance(path, tuple):
        path, piece = path
        parts.append(piece)
    text_ = path
    for piece in reversed(parts):
        text_ = f"{text_}[{piece}]" if isinstance(piece, int) else (f"{text_}.{piece}" if text_ else piece)
    return text_


def _not_json(path: str, what: str) -> SandboxViolation:
    where = path or "the data"
    return SandboxViolation(f"事项数据必须是 JSON：{where} 是 {what}", f"Case data must be JSON: {where} is {what}",
                            {"limit": "json_only", "path": path})


def check(data: Mapping[str, Any], limit: int | None = None) -> int:
    """Raise SandboxViolation unless data is JSON within the cap; returns the bytes counted (an upper bound).

    Shared references are counted each time they appear, as JSON would write them; a value that contains
    itself is refused by the depth bound.
    """
    budget = _Budget(max_bytes() if limit is None else limit)
    budget.walk(dict(data), "", 0)
    return budget.used


def check_input(data: Mapping[str, Any]) -> None:
    """Start or form data handed to the engine: JSON within the cap, else ValidationFailed (422), nothing stored."""
    try:
        check(data)
    except SandboxViolation as err:
        raise ValidationFailed(err.message_zh, err.message_en, err.details) from None
