"""Forms: JSON Schemas (2020-12) per form key, versioned, and field-by-field validation."""
from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, clock
from .db import unit_of_work
from .errors import FormInvalid, ValidationFailed, not_found
from .models import FormDefinition
from .views import FormView

_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")
_FORMATS = FormatChecker()


def _view(row: FormDefinition) -> FormView:
    return FormView(row.key, row.version, row.schema, row.created_by, row.created_at)


def check_schema(key: str, schema: Any) -> None:
    """Raise ValidationFailed unless `schema` is a usable JSON Schema for a form."""
    if not _KEY.match(key or ""):
        raise ValidationFailed("表单标识只能包含字母、数字、下划线和连字符", "Form keys use letters, digits, _ and - only",
                               [{"field": "key"}])
    if not isinstance(schema, dict):
        raise ValidationFailed("表单必须是 JSON 对象", "A form must be a JSON object", [{"field": "schema"}])
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        path = "/".join(str(p) for p in err.absolute_path)
        raise ValidationFailed(f"不是有效的 JSON Schema：{err.message}", f"Not a valid JSON Schema: {err.message}",
                               [{"field": path or "schema", "message_zh": err.message, "message_en": err.message}]) from err
    if schema.get("type", "object") != "object":
        raise ValidationFailed("表单的顶层类型必须是 object", "A form's top-level type must be 'object'", [{"field": "type"}])


def save_in(s: Session, key: str, schema: dict[str, Any], actor: str | None) -> tuple[FormView, bool]:
    """Store a form inside an open transaction; a changed schema makes a new version."""
    check_schema(key, schema)
    checksum = hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()
    latest = s.scalars(select(FormDefinition).where(FormDefinition.key == key)
                       .order_by(FormDefinition.version.desc()).limit(1)).first()
    if latest is not None and latest.checksum == checksum:
        return _view(latest), False
    row = FormDefinition(key=key, version=(latest.version + 1) if latest else 1, schema=schema, checksum=checksum,
                         created_by=actor, created_at=clock.now())
    s.add(row)
    s.flush()
    forget_cached_schemas()
    audit.record(s, "form.save", actor=actor, after={"key": key, "version": row.version, "checksum": checksum})
    return _view(row), True


def save_form(key: str, schema: dict[str, Any], *, actor: str | None) -> FormView:
    """Create or update a form (a new version when the schema changed)."""
    with unit_of_work() as s:
        return save_in(s, key, schema, actor)[0]


def latest_in(s: Session, key: str) -> FormDefinition | None:
    """The newest version of a form inside an open transaction."""
    return s.scalars(select(FormDefinition).where(FormDefinition.key == key)
                     .order_by(FormDefinition.version.desc()).limit(1)).first()


SCHEMA_CACHE_SECONDS = 5.0
_schemas: dict[tuple[str, str], tuple[float, dict[str, Any] | None]] = {}


def latest_schema(s: Session, key: str) -> dict[str, Any] | None:
    """The newest schema of a form, for validating a step.

    Cached for a few seconds per database (every completion needs one; forms change rarely). A form saved in
    this process is seen at once; another process sees it within SCHEMA_CACHE_SECONDS.
    """
    cache_key = (str(s.get_bind().url), key)
    hit = _schemas.get(cache_key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    row = latest_in(s, key)
    schema = row.schema if row is not None else None
    _schemas[cache_key] = (time.monotonic() + SCHEMA_CACHE_SECONDS, schema)
    return schema


def forget_cached_schemas() -> None:
    """Drop the schema cache (after a form was saved, or a database was switched)."""
    _schemas.clear()


def forget_url(url: str) -> None:
    """Drop the cached schemas of one database (a scratch database that is gone)."""
    for cache_key in [k for k in list(_schemas) if k[0] == url]:
        _schemas.pop(cache_key, None)


def get_form(key: str, version: int | None = None) -> FormView:
    """A form by key (newest version unless one is named)."""
    with unit_of_work(write=False) as s:
        stmt = select(FormDefinition).where(FormDefinition.key == key)
        stmt = stmt.where(FormDefinition.version == version) if version else stmt.order_by(FormDefinition.version.desc())
        row = s.scalars(stmt.limit(1)).first()
        if row is None:
            raise not_found("表单", "form", key)
        return _view(row)


def list_forms() -> list[FormView]:
    """The newest version of every form."""
    with unit_of_work(write=False) as s:
        newest = select(FormDefinition.key, func.max(FormDefinition.version).label("v")).group_by(FormDefinition.key).subquery()
        rows = s.scalars(select(FormDefinition).join(newest, (FormDefinition.key == newest.c.key)
                                                     & (FormDefinition.version == newest.c.v)).order_by(FormDefinition.key))
        return [_view(r) for r in rows]


def known_keys(s: Session) -> set[str]:
    """Every form key stored."""
    return set(s.scalars(select(FormDefinition.key).distinct()))


def _message(err: ValidationError) -> tuple[str, str, str]:
    field = ".".join(str(p) for p in err.absolute_path)
    v, arg = err.validator, err.validator_value
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        name = ".".join(filter(None, [field, missing[0] if missing else ""]))
        return name, "此项为必填项", "This field is required"
    if v == "additionalProperties":
        extra = re.findall(r"'([^']+)'", err.message)
        return ".".join(filter(None, [field, extra[0] if extra else ""])), "表单中没有这个字段", "This field is not part of the form"
    table = {
        "type": (f"类型应为 {arg}", f"Must be of type {arg}"),
        "enum": ("请从给定选项中选择", f"Must be one of {arg}"),
        "maxLength": (f"不能超过 {arg} 个字符", f"At most {arg} characters"),
        "minLength": (f"至少 {arg} 个字符", f"At least {arg} characters"),
        "format": (f"格式不正确（应为 {arg}）", f"Wrong format (expected {arg})"),
        "minimum": (f"不能小于 {arg}", f"Must be at least {arg}"),
        "maximum": (f"不能大于 {arg}", f"Must be at most {arg}"),
        "pattern": ("格式不正确", "Wrong format"),
        "maxItems": (f"最多 {arg} 项", f"At most {arg} items"),
        "minItems": (f"至少 {arg} 项", f"At least {arg} items"),
        "const": ("取值不正确", "Wrong value"),
    }
    zh, en = table.get(str(v), (f"取值无效：{err.message}", f"Invalid value: {err.message}"))
    return field, zh, en


def field_errors(schema: dict[str, Any], data: Any) -> list[dict[str, str]]:
    """Every problem with `data` under `schema`, one entry per field."""
    validator = Draft202012Validator(schema, format_checker=_FORMATS)
    errors = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        field, zh, en = _message(err)
        errors.append({"field": field, "message_zh": zh, "message_en": en})
    return errors


def without_read_only(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The data minus the form's `readOnly` properties: they show case data and are never written by a step."""
    read_only = {name for name, spec in (schema.get("properties") or {}).items()
                 if isinstance(spec, dict) and spec.get("readOnly")}
    return {k: v for k, v in data.items() if k not in read_only}


def choices(spec: Any, data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The choices a field takes from the case data (`"x-ui": {"choices": "roster"}`: a list of `{"value", "label"}`
    in the case), or None for a field without them."""
    source = ((spec.get("x-ui") or {}).get("choices") if isinstance(spec, dict) else None)
    if not isinstance(source, str):
        return None
    found = data.get(source)
    return [c for c in found if isinstance(c, dict) and "value" in c] if isinstance(found, list) else []


def choice_problems(schema: dict[str, Any] | None, payload: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """A problem for each submitted value that is not one of its field's choices from the case data."""
    problems = []
    for name, spec in ((schema or {}).get("properties") or {}).items():
        allowed = choices(spec, data)
        if allowed is None or name not in payload:
            continue
        values = {str(c["value"]) for c in allowed}
        given = payload[name] if isinstance(payload[name], list) else [payload[name]]
        for value in given:
            if str(value) not in values:
                problems.append({"field": name, "message_zh": f"不是可选的一项：{value}",
                                 "message_en": f"not one of the choices: {value}"})
    return problems


def validate(schema: dict[str, Any] | None, data: Any, problems: list[dict[str, Any]] | None = None) -> None:
    """Raise FormInvalid with field-by-field errors (after the `problems` found already) unless the data fits the
    schema; with no schema (a step without a form) only `problems` count."""
    if not isinstance(data, dict):
        raise FormInvalid("表单数据必须是 JSON 对象", "Form data must be a JSON object", [{"field": "", "message_zh": "应为对象", "message_en": "expected an object"}])
    errors = [*(problems or []), *(field_errors(schema, data) if schema is not None else [])]
    if errors:
        raise FormInvalid("表单填写有误，请按提示修改", "The form has errors; please correct the marked fields", errors)
