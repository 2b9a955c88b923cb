"""Plausible form data generated from a form's JSON Schema (for the simulator and demo data).

Fields are answered as people answer them, not at random: a checklist item is almost always ticked, a serious
violation is rare, an acceptance mostly passes, a date of something done is today and a deadline lies ahead
(`BOOLEAN_TRUE`, `ENUM_WEIGHTS`, `NUMBER_RANGES`, `PEOPLE`). Lists of findings are empty unless the caller
says what was found: the simulator decides hazards, levels and violations itself and passes them as overrides.
"""
from __future__ import annotations

import fnmatch
import random
from datetime import date, timedelta
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

_TEXT = ["已按要求整改", "现场核查无误", "加强日常巡查", "更换老化设备", "完善管理制度", "组织员工培训"]
_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴婷"]

# Chance that a yes/no field is answered yes (patterns match field names; the first match wins).
BOOLEAN_TRUE: dict[str, float] = {
    "check_*": 0.97, "is_hazard": 0.92, "serious_violation": 0.05, "objection": 0.03, "experts_involved": 0.4,
    "anonymous": 0.5, "wants_reward": 0.3, "include_safety_officer*": 1.0, "include_small_venues": 0.8,
    "list_publicized": 0.97, "follow_up_required": 0.1, "includes_flexible_workers": 0.5, "reward_granted": 0.6,
}
# Relative weights of enum answers; options not listed weigh 1 (the usual path first, the rare one last).
ENUM_WEIGHTS: dict[str, dict[str, float]] = {
    "acceptance_result": {"pass": 88, "fail": 10, "refused": 2},
    "expert_result": {"pass": 90, "fail": 10},
    "plan_decision": {"approve": 90, "return": 10},
    "review_decision": {"accepted": 92, "accept": 92, "approve": 88, "noted": 60, "instructed": 35,
                        "returned": 6, "return": 8, "withdraw": 2},
    "approval_decision": {"approve": 92, "approved": 93, "return": 8, "returned": 7},
    "committee_decision": {"handled": 80, "returned": 8, "not_filed": 7, "not_handled": 5},
    "handling": {"handle": 80, "forward": 20},  # the referral's receiving body (回执)
    "chase_result": {"confirmed": 80, "no_answer": 20},
    "urge_next": {"wait": 85, "inquiry": 15},
    "inquiry_decision": {"approve": 85, "decline": 15},
    "screening_result": {"verified": 60, "unfounded": 30, "transferred": 10},
    "principal_result": {"passed": 90, "failed": 4, "absent": 6},
    "safety_officer_result": {"passed": 88, "failed": 3, "absent": 4, "not_required": 5},
    "hazard_level": {"general": 95, "major": 5},
    "inspection_type": {"routine": 80, "unannounced": 15, "joint": 5},
    "progress_stage": {"in_progress": 70, "completed": 30},
    "judged_by": {"industry_trade": 50, "fire": 30, "gas": 10, "grain_storage": 5, "other": 5},
    "target_type": {"all": 70, "industries": 20, "enterprises": 5, "risk_grades": 5},
    "scenario": {"fire": 60, "gas_leak": 15, "chemical_leak": 5, "earthquake": 15, "other": 5},
}
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "participants": (8, 80), "evacuation_seconds": (60, 300), "progress_percent": (10, 90),
    "funds*": (2_000, 60_000), "penalty_amount": (10_000, 200_000), "reward_amount": (500, 5_000),
    "*_score": (62, 98), "coverage_rate": (90, 100), "training_coverage": (60, 100),
}
# Fields naming people.
PEOPLE = ("*_person", "*_name", "*_names", "leader_name", "signed_by", "checked_by", "found_by", "inspectors",
          "participants", "principal_name")
# Dates that lie ahead; every other date field records something done, i.e. today.
FUTURE_DATES = ("deadline", "makeup_date", "session_date")


# Choices the case's data may pre-fill; any other choice (a decision, a yes/no) is made afresh each time, or a
# returned plan would be returned again forever.
KEEP_PREFILLED = frozenset({"target_type", "inspection_type", "drill_interval", "judged_by", "category"})


def _decision(name: str, prop: Any) -> bool:
    return (name not in KEEP_PREFILLED and isinstance(prop, dict)
            and ("enum" in prop or prop.get("type") == "boolean"))


def _choices_of(prop: Any) -> str | None:
    """The case-data list a field takes its choices from (`"x-ui": {"choices": ...}`), if any."""
    return (prop.get("x-ui") or {}).get("choices") if isinstance(prop, dict) else None


def _rule(table: dict[str, Any], name: str) -> Any:
    return next((v for pattern, v in table.items() if fnmatch.fnmatchcase(name, pattern)), None)


def _date(name: str, rng: random.Random, today: date) -> str:
    if name in FUTURE_DATES:
        return (today + timedelta(days=rng.randint(7, 30))).isoformat()
    return today.isoformat()


def _string(name: str, prop: dict[str, Any], rng: random.Random, today: date) -> str | None:
    fmt = prop.get("format")
    if fmt == "date":
        return _date(name, rng, today)
    if fmt == "date-time":
        return f"{today.isoformat()}T09:00:00+08:00"
    if fmt == "email":
        return "sim@example.test"
    if "pattern" in prop:
        if "phone" in name or "mobile" in name:
            return f"138{rng.randint(0, 99_999_999):08d}"
        return None
    if "phone" in name:
        return f"138{rng.randint(0, 99_999_999):08d}"
    if any(fnmatch.fnmatchcase(name, p) for p in PEOPLE):
        text = "、".join(rng.sample(_NAMES, 2 if name.endswith("s") else 1))
    else:
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
    if items.get("type") == "object" and low == 0:
        return []  # findings, hazards, extra attendees: nothing unless the caller says so
    if "enum" in items:
        choices = list(items["enum"])
        rng.shuffle(choices)
        return choices[: max(low, 1)]
    count = max(low, 1)
    made = [value(name, items, rng, today) for _ in range(count)]
    return made if all(m is not None for m in made) else None


def _enum(name: str, options: list[Any], rng: random.Random) -> Any:
    weights = _rule(ENUM_WEIGHTS, name) or {}
    return rng.choices(options, weights=[weights.get(o, 1) for o in options])[0]


def _number(name: str, prop: dict[str, Any], kind: str, rng: random.Random, today: date) -> int | float:
    low, high = prop.get("minimum", 0), prop.get("maximum", max(prop.get("minimum", 0), 0) + 10)
    if name == "year":
        return max(low, min(high, today.year))
    span = _rule(NUMBER_RANGES, name)
    if span:
        low, high = max(low, span[0]), min(high, span[1]) if "maximum" in prop else span[1]
    number = rng.randint(int(low), int(max(low, min(high, low + 100_000))))
    return number if kind == "integer" else float(number)


def value(name: str, prop: dict[str, Any], rng: random.Random, today: date) -> Any:
    """One value for a property, or None when none can be made up safely."""
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return _enum(name, list(prop["enum"]), rng)
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        return _string(name, prop, rng, today)
    if kind in ("integer", "number"):
        return _number(name, prop, kind, rng, today)
    if kind == "boolean":
        chance = _rule(BOOLEAN_TRUE, name)
        return rng.random() < (0.5 if chance is None else chance)
    if kind == "array":
        return _array(name, prop, rng, today)
    if kind == "object":
        return example(prop, rng, today)
    return None


def example(schema: dict[str, Any], rng: random.Random, today: date, overrides: dict[str, Any] | None = None,
            prefill: dict[str, Any] | None = None) -> dict[str, Any]:
    """Data for every required field (and some optional ones) that validates against the schema if it can.

    `prefill` is the case's current data: fields the form shares with it start from those values, as a
    person would see them pre-filled. `overrides` win over both."""
    out: dict[str, Any] = {}
    props = schema.get("properties") or {}
    overrides = overrides or {}
    for name, given in (prefill or {}).items():
        if name in props and name not in overrides and not _decision(name, props[name]) \
                and _validator(schema, name).is_valid({name: given}) and not _choices_of(props[name]):
            out[name] = given
    for name, prop in props.items():  # choices from the case data (the people of a training): most are ticked
        source = _choices_of(prop)
        if source and name not in overrides:
            found = (prefill or {}).get(source)
            values = [str(c["value"]) for c in found if isinstance(c, dict) and "value" in c] if isinstance(found, list) else []
            kept = (prefill or {}).get(name)
            out[name] = kept if isinstance(kept, list) and kept and set(kept) <= set(values) else \
                [v for v in values if rng.random() < 0.92] or values[:1]
    required = set(schema.get("required", []))
    for name, prop in props.items():
        if name in overrides or name in out:
            continue
        if name not in required and rng.random() < 0.5:
            continue
        made = value(name, prop if isinstance(prop, dict) else {}, rng, today)
        if made is not None:
            out[name] = made
    for name, given in overrides.items():
        if name in props or schema.get("additionalProperties", True) is not False:
            out[name] = given
    if props and not _validator(schema).is_valid(out):  # a condition (if/then) asks for an optional field
        for name, prop in props.items():
            if name not in out and (made := value(name, prop if isinstance(prop, dict) else {}, rng, today)) is not None:
                out[name] = made
    return out


_VALIDATORS: dict[tuple[int, str | None], tuple[dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any], field: str | None = None) -> Draft202012Validator:
    """A validator of the schema (or of one of its fields), kept while the schema object lives."""
    key = (id(schema), field)
    cached = _VALIDATORS.get(key)
    if cached is None or cached[0] is not schema:
        sub = schema if field is None else {"type": "object", "properties": {field: schema["properties"][field]}}
        cached = _VALIDATORS[key] = (schema, Draft202012Validator(sub, format_checker=FormatChecker()))
    return cached[1]


def is_valid(schema: dict[str, Any], data: dict[str, Any]) -> bool:
    """True when the data passes the schema (formats checked)."""
    return _validator(schema).is_valid(data)
