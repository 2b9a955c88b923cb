"""JSON Schema forms as HTML fields, and posted form strings back as typed data.

A form (`forms/<key>.json`) is a JSON Schema object. Each property becomes one `Field`:
labels from `title` (zh) / `x-title-en` (en), help from `description` / `x-description-en`,
choices from `enum` with `x-enum-titles` / `x-enum-titles-en`, dates from `format: date`,
textareas from `x-ui.widget == "textarea"`. Arrays of strings (including file references)
are edited one per line. A property marked `readOnly: true` is shown, not edited (e.g. the notice a receipt
confirms): its value comes from the case data, and it is never read back from the posted form. The server checks the result with the same schema (the engine does).

Arrays of objects (`"items": {"type": "object", ...}`) are *repeatable groups* (kind `group`), usable
without JavaScript: each row is a fieldset of the item's fields named `<field>-<row>-<name>`
(e.g. `hazards-0-description`), the existing rows plus `blank_rows` empty ones (default 1). An
"add a row" submit button (`_add_row=<field>`) asks the page to re-render with one more blank row.
On submit, rows whose inputs are all blank (unticked boxes count as blank) are dropped, the rest are
coerced to the item schema's types and renumbered; field errors use the engine's dotted paths
(`hazards.0.description`, from `FormInvalid.details`), so they land on the row's own input.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from werkzeug.datastructures import MultiDict

TEXTAREA_MIN_LENGTH = 500  # longer free text gets a textarea even without a widget hint
MAX_ROWS = 200  # posted rows read per group (schemas cap far lower with maxItems)
ADD_ROW = "_add_row"  # name of the "add a row" submit button; its value is the group's field name


@dataclass(frozen=True)
class Field:
    """One input of a rendered form."""

    name: str
    label: str
    # text | textarea | select | multiselect | checklist | date | checkbox | number | integer | lines | enterprise | file
    # | group
    # | readonly | readonly_files (shown, never posted)
    kind: str
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
    rows: tuple[tuple[Field, ...], ...] = ()  # group: each row's fields
    row_label: str = ""  # group: the title of one row ("隐患")
    add_label: str = ""  # group: the "add a row" button's text
    uploads: bool = True  # file: offer an upload input (not inside group rows: files are attached at the top level)

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
    blank_rows: dict[str, int] = field(default_factory=dict)  # group → how many posted rows were blank


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


def is_group(spec: Any) -> bool:
    """True for an array of objects (a repeatable group of fields)."""
    return isinstance(spec, dict) and spec.get("type") == "array" and \
        isinstance(spec.get("items"), dict) and spec["items"].get("type") == "object"


def _kind(spec: dict[str, Any]) -> str:
    kind = spec.get("type")
    widget = (spec.get("x-ui") or {}).get("widget")
    if spec.get("readOnly"):
        return "readonly_files" if widget == "file" else "readonly"
    if is_group(spec):
        return "group"
    if kind == "array":
        if widget == "file":
            return "file"
        if (spec.get("x-ui") or {}).get("choices"):
            return "checklist"
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


def _visible(spec: Any, skip_files: bool) -> bool:
    return isinstance(spec, dict) and not (spec.get("x-ui") or {}).get("hidden") and \
        not (skip_files and is_file_field(spec))


def _errors_under(errors: dict[str, list[str]], name: str, used: set[str]) -> tuple[str, ...]:
    """Messages for `name` itself and for any deeper path under it that no rendered input took."""
    out = list(errors.get(name, ()))
    for key, messages in errors.items():
        if key.startswith(name + ".") and key not in used:
            out.extend(m for m in messages if m not in out)
    return tuple(out)


def _case_choices(spec: dict[str, Any], case_data: dict[str, Any], locale: str) -> tuple[tuple[str, str], ...]:
    """Options a field takes from the case data (`"x-ui": {"choices": "roster"}`, a list of `{value, label}`)."""
    found = case_data.get((spec.get("x-ui") or {}).get("choices") or "")
    items = [c for c in found if isinstance(c, dict) and "value" in c] if isinstance(found, list) else []
    key = "label_en" if locale == "en" else "label"
    return tuple((_as_text(c["value"]), str(c.get(key) or c.get("label") or c["value"])) for c in items)


def _field(name: str, spec: dict[str, Any], value: Any, errors: tuple[str, ...], required: bool,
           locale: str, case_data: dict[str, Any] | None = None) -> Field:
    kind = _kind(spec)
    if kind == "checklist":
        options = _case_choices(spec, case_data or {}, locale)
    else:
        options = _options(spec.get("items") or {}, locale) if kind == "multiselect" else _options(spec, locale)
    required = required and kind != "checkbox"  # a checkbox always answers (yes or no): never marked required
    return Field(name, str(_label(spec, locale) or name), kind, required, _help(spec, locale), options, value, errors,
                 spec.get("maxLength"), spec.get("minimum"), spec.get("maximum"), spec.get("pattern"),
                 (spec.get("x-ui") or {}).get("accept"))


def _group(name: str, spec: dict[str, Any], value: Any, errors: dict[str, list[str]], required: bool, locale: str,
           blank: int, skip_files: bool) -> Field:
    item = spec["items"]
    item_required = set(item.get("required") or [])
    rows_data = [r if isinstance(r, dict) else {} for r in (value if isinstance(value, list) else [])]
    rows_data += [{} for _ in range(max(blank, 0))]
    used: set[str] = set()
    rows = []
    for i, row in enumerate(rows_data):
        cells = []
        for sub, sub_spec in (item.get("properties") or {}).items():
            if not _visible(sub_spec, skip_files) or is_group(sub_spec):
                continue
            path = f"{name}.{i}.{sub}"
            used.add(path)
            cell = _field(f"{name}-{i}-{sub}", sub_spec, row.get(sub), _errors_under(errors, path, set()),
                          sub in item_required, locale)
            cells.append(cell if cell.kind != "file" else replace(cell, uploads=False))
        rows.append(tuple(cells))
    english = locale == "en"
    row_label = str(_label(item, locale) or (_label(spec, locale) or name))
    base = _field(name, spec, rows_data, _errors_under(errors, name, used), required, locale)
    return replace(base, rows=tuple(rows), row_label=row_label, add_label="Add a row" if english else "添加一行")


def fields(schema: dict[str, Any], values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
           locale: str = "zh_CN", *, skip_files: bool = False, blank_rows: dict[str, int] | None = None,
           case_data: dict[str, Any] | None = None) -> list[Field]:
    """The schema's properties as fields, in schema order, with values and error messages.

    Repeatable groups show their rows plus `blank_rows.get(name, 1)` empty rows; a checklist's options come from
    `case_data`."""
    values, errors, blank_rows = values or {}, errors or {}, blank_rows or {}
    required = set(schema.get("required") or [])
    out = []
    for name, spec in (schema.get("properties") or {}).items():
        if not _visible(spec, skip_files):
            continue
        if is_group(spec):
            out.append(_group(name, spec, values.get(name), errors, name in required, locale,
                              blank_rows.get(name, 1), skip_files))
        else:
            out.append(_field(name, spec, values.get(name), _errors_under(errors, name, set()), name in required,
                              locale, case_data))
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
        listed = item.get("enum") or is_file_field(spec) or (spec.get("x-ui") or {}).get("choices")
        raw = form.getlist(name) if listed else (form.get(name) or "").splitlines()
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


def _row_indexes(form: MultiDict[str, str], name: str) -> list[int]:
    pattern = re.compile(rf"{re.escape(name)}-(\d{{1,4}})-")
    found = {int(m.group(1)) for key in form.keys() if (m := pattern.match(key))}
    return sorted(found)[:MAX_ROWS]


def _rows(form: MultiDict[str, str], name: str, spec: dict[str, Any], out: Coerced, locale: str,
          skip_files: bool) -> None:
    """A repeatable group: non-blank rows as typed objects, renumbered; a cell's unreadable text stays as text."""
    item = spec.get("items") or {}
    indexes = _row_indexes(form, name)
    rows: list[dict[str, Any]] = []
    blank = 0
    for i in indexes:
        cell = Coerced()
        for sub, sub_spec in (item.get("properties") or {}).items():
            if _visible(sub_spec, skip_files) and not is_group(sub_spec):
                _one(form, f"{name}-{i}-{sub}", sub_spec, cell, locale)
        if not cell.errors and all(v is False for v in cell.data.values()):
            blank += 1
            continue
        row = {k[len(f"{name}-{i}-"):]: v for k, v in cell.data.items()}
        for key, messages in cell.errors.items():
            sub = key[len(f"{name}-{i}-"):]
            row[sub] = (form.get(key) or "").strip()
            out.errors[f"{name}.{len(rows)}.{sub}"] = messages
        rows.append(row)
    if indexes:  # the group was on the form: all rows blank means "none"
        out.data[name] = rows
        out.blank_rows[name] = blank


def coerce(schema: dict[str, Any], form: MultiDict[str, str], locale: str = "zh_CN", *,
           skip_files: bool = False) -> Coerced:
    """Typed data for the schema's properties from posted strings (blank fields are left out)."""
    out = Coerced()
    for name, spec in (schema.get("properties") or {}).items():
        if not _visible(spec, skip_files) or spec.get("readOnly"):
            continue
        if is_group(spec):
            _rows(form, name, spec, out, locale, skip_files)
        else:
            _one(form, name, spec, out, locale)
    return out


def error_map(details: Any, locale: str) -> dict[str, list[str]]:
    """`FormInvalid.details` ([{field, message_zh, message_en}]) by field: the top-level name, or for a cell of
    a repeatable group the row path (`hazards.0.description`; deeper paths such as `hazards.0.photos.1` are cut
    to the cell)."""
    out: dict[str, list[str]] = {}
    for item in details if isinstance(details, list) else []:
        if not isinstance(item, dict):
            continue
        parts = str(item.get("field") or "").split(".")
        name = ".".join(parts[:3]) if len(parts) >= 3 and parts[1].isdigit() else parts[0]
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


def missing_required(schema: dict[str, Any], data: dict[str, Any], message: str) -> dict[str, list[str]]:
    """`message` for every required top-level field left empty (not checkboxes) — for pages that must show these
    alongside another error before the engine sees the data (the public report's captcha)."""
    props = schema.get("properties") or {}
    return {name: [message] for name in schema.get("required") or []
            if isinstance(props.get(name), dict) and _kind(props[name]) != "checkbox"
            and data.get(name) in (None, "", [])}
