"""Plausible form data generated from a form's JSON Schema (for the simulator and demo data)."""
from __future__ import annotations

import random

from datetime import date, timedelta
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

_TEXT = ["已按要求整改", "现场核查无误", "加强日常巡查", "更换老化设备", "完善管理制度", "组织员工培训"]


def _string(name: str, prop: dict[str, Any], rng: random.Random, today: date) -> str | None:
    fmt = prop.get("format")
    if fmt == "date":
        return (today + timedelta(days=rng.randint(3, 30))).isoformat()
    if fmt == "date-time":
        return f"{today.isoformat()}T09:00:00+08:00"
    if fmt == "email":
        return "sim@example.test"
    if "pattern" in prop:
        if "phone" in name or "mobile" in name:
            return "13800000000"
        return None
    text = rng.choice(_TEXT)
    low, high = prop.get("minLength", 0), prop.get("maxLength", 200)
    while len(text) < low:
        text += "，" + rng.choice(_TEXT)
    return text[:high]


def _array(name: str, prop: dict[str, Any], rng: random.Random, today: date) -> list[Any] | None:
    items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
    low = prop.get("minItems", 0)
    if (items.get("x-ui") or prop.get("x-ui") or {}).get("widget") == "file" and low == 0:
        return []
    if "enum" in items:
        choices = list(items["enum"])
        rng.shuffle(choices)
        return choices[: max(low, 1)]
    count = max(low, 1)
    made = [value(name, items, rng, today) for _ in range(count)]
    return made if all(m is not None for m in made) else None


def value(name: str, prop: dict[str, Any], rng: random.Random, today: date) -> Any:
    """One value for a property, or None when none can be made up safely."""
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:  # the first option is usually the ordinary path (pass, approve, done)
        return prop["enum"][0] if rng.random() < 0.75 else rng.choice(prop["enum"])
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        return _string(name, prop, rng, today)
    if kind in ("integer", "number"):
        low = prop.get("minimum", 0)
        high = prop.get("maximum", max(low, 0) + 10)
        number = rng.randint(int(low), int(max(low, min(high, low + 100))))
        return number if kind == "integer" else float(number)
    if kind == "boolean":
        return rng.random() < 0.7
    if kind == "array":
        return _array(name, prop, rng, today)
    if kind == "object":
        return example(prop, rng, today)
    return None


def example(schema: dict[str, Any], rng: random.Random, today: date, overrides: dict[str, Any] | None = None,
            prefill: dict[str, Any] | None = None) -> dict[str, Any]:
    """Data for every required field (and some optional ones) that validates against the schema if it can.

    `prefill` is the case's current data: fields the form shares with it start from those values, as a
    person would see them pre-filled."""
    out: dict[str, Any] = {}
    props = schema.get("properties") or {}
    for name, given in (prefill or {}).items():
        if name in props and name not in (overrides or {}):
            candidate = {name: given}
            sub = {"type": "object", "properties": {name: props[name]}}
            if is_valid(sub, candidate):
                out[name] = given
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        if name in (overrides or {}):
            out[name] = overrides[name]  # type: ignore[index]
            continue
        if name in out:
            continue
        if name not in required and rng.random() < 0.5:
            continue
        made = value(name, prop if isinstance(prop, dict) else {}, rng, today)
        if made is not None:
            out[name] = made
    for name, given in (overrides or {}).items():
        if name in (schema.get("properties") or {}) or schema.get("additionalProperties", True) is not False:
            out[name] = given
    return out


def is_valid(schema: dict[str, Any], data: dict[str, Any]) -> bool:
    """True when the data passes the schema (formats checked)."""
    return Draft202012Validator(schema, format_checker=FormatChecker()).is_valid(data)


