"""JSON Schema forms as HTML fields, and posted form strings back as typed data.

A form (`forms/<key>.json`) is a JSON Schema object. Each property becomes one `Field`:
labels from `title` (zh) / `x-title-en` (en), help from `description` / `x-description-en`,
choices from `enum` with `x-enum-titles` / `x-enum-titles-en`, dates from `format: date`,
textareas from `x-ui.widget == "textarea"`. Arrays of strings (including file references)
are edited one per line. The server checks the result with the same schema (the engine does).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

TEXTAREA_MIN_LENGTH = 500  # longer free text gets a textarea even without a widget hint


@dataclass(frozen=True)
class Field:
    """One input of a rendered form."""

    name: str
    label: str
    kind: str  # text | textarea | select | multiselect | date | checkbox | number | integer | lines | enterprise | file
    required: bool = False
    help: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    value: Any = None
    errors: tuple[str, ...] = ()
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    accept: str | None = None

    @property
    def values(self) -> list[str]:
        """The value as a list of strings (file fields: attachment ids)."""
        if isinstance(self.value, list):
            return [_as_text(v) for v in self.value]
        return [] if self.value in (None, "") else [_as_text(self.value)]

    @property
    def input_id(self) -> str:
        return f"f-{self.name}"

    @property
    def selected(self) -> set[str]:
        """The chosen values of a choice field, as strings."""
        values = self.value if isinstance(self.value, list) else [self.value]
        return {_as_text(v) for v in values if v is not None}

    @property
    def text(self) -> str:
        """The value as the input shows it."""
        if isinstance(self.value, list):
            return "\n".join(_as_text(v) for v in self.value)
        return "" if self.value is None else _as_text(self.value)


@dataclass
class Coerced:
    """Typed data from a posted form, and the fields whose text could not be read."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label(spec: dict[str, Any], locale: str) -> Any:
    return (spec.get("x-title-en") or spec.get("title")) if locale == "en" else spec.get("title")


def _help(spec: dict[str, Any], locale: str) -> Any:
    return (spec.get("x-description-en") or spec.get("description")) if locale == "en" else spec.get("description")


def _options(spec: dict[str, Any], locale: str) -> tuple[tuple[str, str], ...]:
    values = spec.get("enum") or []
    titles = (spec.get("x-enum-titles-en") if locale == "en" else None) or spec.get("x-enum-titles") or []
    return tuple((_as_text(v), str(titles[i]) if i < len(titles) else _as_text(v)) for i, v in enumerate(values))


def _kind(spec: dict[str, Any]) -> str:
    kind = spec.get("type")
    widget = (spec.get("x-ui") or {}).get("widget")
    if kind == "array":
        if widget == "file":
            return "file"
        return "multiselect" if (spec.get("items") or {}).get("enum") else "lines"
    if kind == "boolean":
        return "checkbox"
    if "enum" in spec:
        return "select"
    if kind in ("number", "integer"):
        return str(kind)
    if widget == "enterprise":
        return "enterprise"
    if spec.get("format") == "date":
        return "date"
    if widget == "textarea" or (spec.get("maxLength") or 0) > TEXTAREA_MIN_LENGTH:
        return "textarea"
    return "text"


def is_file_field(spec: Any) -> bool:
    """True for a field of attachment references (`x-ui.widget == "file"`)."""
    return isinstance(spec, dict) and (spec.get("x-ui") or {}).get("widget") == "file"


def fields(schema: dict[str, Any], values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
           locale: str = "zh_CN", *, skip_files: bool = False) -> list[Field]:
    """The schema's properties as fields, in schema order, with values and error messages."""
    values, errors = values or {}, errors or {}
    required = set(schema.get("required") or [])
    out = []
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict) or (spec.get("x-ui") or {}).get("hidden") or (skip_files and is_file_field(spec)):
            continue
        kind = _kind(spec)
        options = _options(spec.get("items") or {}, locale) if kind == "multiselect" else _options(spec, locale)
        out.append(Field(name, str(_label(spec, locale) or name), kind, name in required, _help(spec, locale), options,
                         values.get(name), tuple(errors.get(name, ())), spec.get("maxLength"), spec.get("minimum"),
                         spec.get("maximum"), spec.get("pattern"), (spec.get("x-ui") or {}).get("accept")))
    return out


def _number(text: str, integer: bool) -> int | float:
    if integer:
        return int(text)
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _enum_value(text: str, spec: dict[str, Any]) -> Any:
    for value in spec.get("enum") or []:
        if _as_text(value) == text:
            return value
    return text


def _one(form: MultiDict[str, str], name: str, spec: dict[str, Any], out: Coerced, locale: str) -> None:
    kind = spec.get("type")
    if kind == "boolean":
        out.data[name] = form.get(name) in ("on", "true", "1", "yes")
        return
    if kind == "array":
        item = spec.get("items") or {}
        # choices and kept attachment ids come as repeated fields; free text one item per line
        raw = form.getlist(name) if item.get("enum") or is_file_field(spec) else (form.get(name) or "").splitlines()
        items = [line.strip() for line in raw if line.strip()]
        if items:
            out.data[name] = [_enum_value(i, item) for i in items]
        return
    text = (form.get(name) or "").strip()
    if not text:
        return
    if "enum" in spec:
        out.data[name] = _enum_value(text, spec)
    elif kind in ("number", "integer"):
        try:
            out.data[name] = _number(text, kind == "integer")
        except ValueError:
            out.errors[name] = ["请输入整数" if kind == "integer" else "请输入数字"] if locale != "en" else \
                ["Enter a whole number" if kind == "integer" else "Enter a number"]
    else:
        out.data[name] = text


def coerce(schema: dict[str, Any], form: MultiDict[str, str], locale: str = "zh_CN", *,
           skip_files: bool = False) -> Coerced:
    """Typed data for the schema's properties from posted strings (blank fields are left out)."""
    out = Coerced()
    for name, spec in (schema.get("properties") or {}).items():
        if isinstance(spec, dict) and not (spec.get("x-ui") or {}).get("hidden") and not (skip_files and is_file_field(spec)):
            _one(form, name, spec, out, locale)
    return out


def error_map(details: Any, locale: str) -> dict[str, list[str]]:
    """`FormInvalid.details` ([{field, message_zh, message_en}]) by top-level field name."""
    out: dict[str, list[str]] = {}
    for item in details if isinstance(details, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("field") or "").split(".")[0]
        message = item.get("message_en" if locale == "en" else "message_zh") or item.get("message_zh") or ""
        out.setdefault(name, []).append(str(message))
    return out


def merge_errors(*maps: dict[str, list[str]]) -> dict[str, list[str]]:
    """Field errors from several sources; the first source's messages come first."""
    out: dict[str, list[str]] = {}
    for errors in maps:
        for name, messages in errors.items():
            out.setdefault(name, []).extend(m for m in messages if m not in out.get(name, []))
    return out
