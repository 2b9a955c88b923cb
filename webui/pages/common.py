"""Helpers shared by the page blueprints: names and labels, engine errors as messages, dates.

No `bp` here: `register_blueprints` imports this module and leaves it alone.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask, Response, flash, g
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l

import engine
from engine.campaign import NamedKey, list_industries, list_roles, register_enterprise_name
from engine.runtime import CHINA_TZ
from webui.i18n import current_locale

DUE_SOON = timedelta(days=1)

STATUS_LABELS = {
    "running": _l("Open"), "completed": _l("Closed"), "terminated": _l("Terminated"),
    "suspended": _l("Suspended"), "error": _l("Error"), "open": _l("Open"), "cancelled": _l("Cancelled"),
}
LEVEL_LABELS = {"general": _l("General hazard"), "major": _l("Major hazard")}
SOURCE_LABELS = {
    "self_check": _l("Enterprise self-check"), "inspection": _l("Bureau inspection"),
    "joint_inspection": _l("Joint or unannounced inspection"), "grid_report": _l("Grid worker report"),
    "whistleblower": _l("Whistleblower report"),
}
FIELD_LABELS = {
    "enterprise_code": _l("Enterprise"), "case_title": _l("Title"), "source": _l("Source"), "location": _l("Location"),
    "description": _l("Description"), "category": _l("Category"), "hazard_level": _l("Level"),
    "deadline": _l("Deadline"), "responsible_person": _l("Responsible person"), "measures": _l("Measures"),
    "funds": _l("Funds (yuan)"), "contingency_plan": _l("Contingency plan"), "found_by": _l("Found by"),
    "found_at": _l("Found on"), "result": _l("Result"), "note": _l("Note"), "evidence": _l("Evidence"),
    "roster": _l("Staff on the register"), "attendance_roster": _l("People still to pass"),
    "enrolled_ids": _l("People enrolled (register numbers)"), "attended_ids": _l("People trained (register numbers)"),
    "passed_ids": _l("People passed (register numbers)"), "people_enrolled": _l("People enrolled"),
    "people_passed": _l("People passed"), "all_passed": _l("Everyone passed"),
    "skipped_small_venues": _l("Small venues already covered (not enrolled again)"),
    "serious": _l("Major or especially major accident"),
}

# Names for the codes the engine stores, by kind: audit actions, job kinds and states, notification kinds, channels.
CODE_NAMES: dict[str, dict[str, Any]] = {
    "action": {
        "case.start": _l("Case started"), "task.complete": _l("Step completed"), "task.claim": _l("Claimed"),
        "task.unclaim": _l("Released"), "task.reassign": _l("Reassigned"), "task.delegate": _l("Delegated"),
        "task.resolve": _l("Returned by the delegate"), "task.send_back": _l("Sent back"),
        "task.remind": _l("Reminder sent"), "task.escalate": _l("Escalated"), "timer.fire": _l("Timer fired"),
        "attachment.add": _l("File uploaded"), "incident": _l("Error in a step"), "case.suspend": _l("Case suspended"),
        "case.resume": _l("Case resumed"), "case.terminate": _l("Case terminated"), "case.retry": _l("Step retried"),
        "case.migrate": _l("Case moved to a new version"), "job.incident": _l("Background task failed"),
        "job.retry": _l("Background task retried"), "delivery.failed": _l("Message not delivered"),
        "delivery.retry": _l("Message sent again"), "enterprise.add": _l("Enterprise added"),
        "enterprise.import": _l("Enterprises imported"), "form.save": _l("Form saved"),
        "process.deploy": _l("Process deployed"), "schedule.cancel": _l("Scheduled start cancelled"),
        "schedule.fire": _l("Scheduled start ran"), "schedule.pause": _l("Schedule paused"),
        "schedule.queue": _l("Scheduled start queued"), "schedule.requeue": _l("Scheduled start queued again"),
        "schedule.resume": _l("Schedule resumed"), "notice_schedule.add": _l("Campaign date added"),
        "notice_schedule.update": _l("Campaign date changed"), "notice_schedule.delete": _l("Campaign date deleted"),
        "notice_schedule.seed": _l("Campaign dates loaded"), "system.init": _l("System set up"),
        "chain.open": _l("Audit chain opened"), "token.revoke": _l("API token revoked"),
        "token.revoke_user": _l("All API tokens of a user revoked"), "user.add": _l("User added"),
        "user.enable": _l("User enabled"), "user.disable": _l("User disabled"), "user.password": _l("Password changed"),
        "user.password_reset": _l("Password reset"), "user.roles": _l("Roles changed"),
        "staff.add": _l("Person added to the staff register"), "staff.update": _l("Staff register entry changed"),
        "staff.import": _l("Staff register imported"),
        "enterprise.profile": _l("Enterprise scale and standardisation changed"),
    },
    "job_kind": {"timer": _l("Timer"), "reminder": _l("Reminder"), "escalation": _l("Escalation"),
                 "start": _l("Scheduled start"), "digest": _l("Daily digest")},
    "job_status": {"pending": _l("Waiting"), "running": _l("Running"), "incident": _l("Failed"), "done": _l("Done"),
                   "cancelled": _l("Cancelled"), "paused": _l("Paused")},
    "notification": {"reminder": _l("Reminder"), "overdue": _l("Overdue"), "escalation": _l("Escalation"),
                     "assignment": _l("Assigned to you"), "digest": _l("Daily digest"), "cc": _l("For your information")},
    "post": {"principal": _l("Principal"), "safety_manager": _l("Safety manager"), "deputy": _l("Deputy in charge"),
             "key_post": _l("Key-post staff")},
    "scale": {"above_scale": _l("Above designated size"), "below_scale": _l("Below designated size"),
              "small_venue": _l("Small venue")},
    "standard_grade": {"level_1": _l("Grade 1"), "level_2": _l("Grade 2"), "level_3": _l("Grade 3"),
                       "none": _l("Not up to standard")},
    "risk_grade": {"red": _l("Red (major risk)"), "orange": _l("Orange (high risk)"), "yellow": _l("Yellow (moderate risk)"),
                   "blue": _l("Blue (low risk)")},
}


def code_name(kind: str, key: str | None) -> str:
    """The name people read for an engine code of `kind` (the code itself when unknown, so nothing is hidden)."""
    return str(CODE_NAMES.get(kind, {}).get(key or "", key or ""))


def _display_names() -> dict[str, str]:
    if "sl_display_names" not in g:
        g.sl_display_names = {}
    return g.sl_display_names  # type: ignore[no-any-return]


def person(username: str | None) -> str:
    """Who did something, as people read it: the user's display name; 系统 for the engine itself."""
    if not username or username in ("system", "cli", "worker", "scheduler"):
        return str(_l("System"))
    names = _display_names()
    if username not in names:
        names.update(engine.display_names({username}))
        names.setdefault(username, username)
    return names[username]


# What a case's `deadline` means differs per process: a hazard's is the rectification deadline; elsewhere a due date.
DEADLINE_LABELS = {"hazard_closure": _l("Rectification deadline")}


def deadline_label(process_key: str | None) -> str:
    """The label of a case's `deadline` for its process (整改期限 for hazards, 截止日期 otherwise)."""
    return str(DEADLINE_LABELS.get(process_key or "", FIELD_LABELS["deadline"]))


def _names() -> dict[str, dict[str, NamedKey]]:
    if "sl_names" not in g:
        g.sl_names = {"roles": {r.key: r for r in list_roles()},
                      "industries": {i.key: i for i in list_industries()}}
    return g.sl_names  # type: ignore[no-any-return]


def _name(kind: str, key: str | None) -> str:
    if not key:
        return ""
    item = _names()[kind].get(key)
    if item is None:
        return key
    return item.name_en if current_locale() == "en" else item.name_zh


def role_name(key: str | None) -> str:
    """A role's display name in the page's language."""
    return _name("roles", key)


def task_roles(task: Any) -> str:
    """Who may take a task: its role, and its alternate role when it has one ("企业安全管理人员 / 企业主要负责人")."""
    return " / ".join(role_name(key) for key in (task.role, task.alt_role) if key)


def industry_name(key: str | None) -> str:
    """An industry's display name in the page's language."""
    return _name("industries", key)


def industries() -> list[tuple[str, str]]:
    """(key, display name) of every industry."""
    return [(key, industry_name(key)) for key in _names()["industries"]]


def enterprise_name(code: str | None) -> str:
    """An enterprise's name (the code when unknown)."""
    if not code:
        return ""
    cache = g.setdefault("sl_enterprise_names", {})
    if code not in cache:
        cache[code] = register_enterprise_name(code) or code
    return cache[code]  # type: ignore[no-any-return]


def _form_titles() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], tuple[str, str]]]:
    # From every form, once per request: field → (zh, en) title, and (field, value) → (zh, en) enum title.
    if "sl_form_titles" not in g:
        fields: dict[str, tuple[str, str]] = {}
        enums: dict[tuple[str, str], tuple[str, str]] = {}
        for form in engine.list_forms():
            for name, spec in _properties(form.schema):
                if spec.get("title"):
                    fields.setdefault(name, (str(spec["title"]), str(spec.get("x-title-en") or spec["title"])))
                items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
                for source in (spec, items):
                    zh, en = source.get("x-enum-titles") or [], source.get("x-enum-titles-en") or []
                    for i, value in enumerate(source.get("enum") or []):
                        if i < len(zh):
                            enums.setdefault((name, str(value)), (str(zh[i]), str(en[i]) if i < len(en) else str(zh[i])))
        g.sl_form_titles = (fields, enums)
    return g.sl_form_titles  # type: ignore[no-any-return]


def _properties(schema: dict[str, Any], depth: int = 0) -> Iterable[tuple[str, dict[str, Any]]]:
    """(name, spec) of a schema's fields, including the fields of repeating groups (bounded depth)."""
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        yield name, spec
        items = spec.get("items")
        if depth < 3 and isinstance(items, dict) and items.get("properties"):
            yield from _properties(items, depth + 1)


def _enum_titles() -> dict[tuple[str, str], tuple[str, str]]:
    return _form_titles()[1]


# Keys of audit and history records that are not case-data fields.
RECORD_LABELS = {
    "graded_on_site": _l("Graded on site"),
    "self_fix": _l("Fixed by the enterprise itself"),
    "self_closed": _l("Closed by the enterprise"),
    "closed_by": _l("Closed by"),
    "closures": _l("Times closed"),
    "spot_check_selected": _l("Drawn for a sample check"),
    "spot_check_failures": _l("Sample checks failed"),
    "supervision_closed_on": _l("Listing supervision ended on"),
    "hazard_source": _l("Hazard source"),
    "letter_no": _l("Letter number"),
    "letter_issued_on": _l("Letter issued on"),
    "inquiry_no": _l("Inquiry letter number"),
    "inquiry_issued_on": _l("Inquiry issued on"),
    "receipt_chases": _l("Receipt chases"),
    "receipt_due": _l("Receipt due"),
    "urge_count": _l("Urges"),
    "next_urge_on": _l("Next urge on"),
    "urges": _l("Urge records"),
    "readers": _l("Readers"),
    "studied_at": _l("Studied at"),
    "business_key": _l("Business key"), "data": _l("Data"), "parent_id": _l("Parent item"), "process": _l("Process"),
    "version": _l("Version"), "chain": _l("Audit chain"), "sealed_count": _l("Rows sealed"), "code": _l("Code"),
    "industry": _l("Industry"), "industries": _l("Industries"), "name": _l("Name"), "checksum": _l("Checksum"),
    "key": _l("Key"), "file": _l("File"), "due_at": _l("Due"), "roles": _l("Roles"), "comment": _l("Comment"),
    "task": _l("Task"), "enterprise": _l("Enterprise"), "username": _l("Username"), "status": _l("Status"),
    "reason": _l("Reason"), "element": _l("Element"), "message": _l("Message"), "assignee": _l("Assignee"),
    "level": _l("Escalation level"), "target": _l("Handed to"), "display_name": _l("Name"), "active": _l("Active"),
    "published_on": _l("Published on"), "person_id": _l("Register number"), "post": _l("Post"), "phone": _l("Phone"),
    "scale": _l("Scale"), "standard_grade": _l("Standardisation grade"), "benchmark": _l("Benchmark enterprise"),
    "enterprises": _l("Enterprises"), "count": _l("Count"),
}
# Record keys whose values are codes with names of their own (CODE_NAMES): a post, a scale, a grade.
NAMED_CODE_FIELDS = frozenset({"post", "scale", "standard_grade"})
# Record keys whose values are identifiers (process and step ids, hashes, user names): shown as they are, as codes.
CODE_FIELDS = frozenset({"process", "task", "key", "checksum", "business_key", "code", "username", "chain", "element",
                         "assignee", "target", "file", "process_key", "parent_id"})


def field_label(name: str) -> str:
    """A case-data field's label as people read it: the form's title (or ours for the common fields)."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    if name in RECORD_LABELS:
        return str(RECORD_LABELS[name])
    titles = _form_titles()[0].get(name)
    if titles is None:
        return name
    return titles[1] if current_locale() == "en" else titles[0]


def value_label(name: str, value: Any) -> Any:
    """A case-data value as people read it: the form's title for an enum value, 是/否 for booleans."""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list):
        return "、".join(str(value_label(name, v)) for v in value)
    if name in NAMED_CODE_FIELDS and isinstance(value, str):
        return code_name(name, value)
    titles = _enum_titles().get((name, str(value)))
    if titles is None:
        return value
    return titles[1] if current_locale() == "en" else titles[0]


def label(table: dict[str, Any], key: str | None) -> str:
    """A translated label for an enum value (the value itself when unknown)."""
    return str(table.get(key or "", key or ""))


def error_text(err: engine.EngineError) -> str:
    """The engine error's message in the page's language."""
    return err.message_en if current_locale() == "en" else err.message_zh


def flash_error(err: engine.EngineError) -> None:
    flash(error_text(err), "error")


def now() -> datetime:
    return engine.get_clock().now()


def today() -> date:
    """Today in China (deadlines are China dates)."""
    return now().astimezone(CHINA_TZ).date()


def due_state(due_at: datetime | None, overdue: bool = False) -> str | None:
    """'overdue', 'soon' (within a day) or None for an open item's due time."""
    if due_at is None:
        return "overdue" if overdue else None
    current = now()
    if overdue or due_at < current:
        return "overdue"
    return "soon" if due_at < current + DUE_SOON else None


def fmt_dt(value: datetime | None) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def fmt_date(value: date | datetime | None) -> str:
    return format_date(value, "yyyy-MM-dd") if value else ""


def init_templates(app: Flask) -> None:
    """Filters and globals the page templates use."""
    app.add_template_filter(fmt_dt, "dt")
    app.add_template_filter(fmt_date, "d")
    app.add_template_global(role_name)
    app.add_template_global(task_roles)
    app.add_template_global(industry_name)
    app.add_template_global(due_state)
    app.add_template_global(enterprise_name)
    app.add_template_global(value_label)
    app.add_template_global(deadline_label)
    app.add_template_global(code_name)
    app.add_template_global(person)
    app.add_template_global(FIELD_LABELS, "field_labels")
    app.add_template_global(field_label)
    app.add_template_global(CODE_FIELDS, "code_fields")
    app.add_template_global(lambda key: label(STATUS_LABELS, key), "status_label")
    app.add_template_global(lambda key: label(LEVEL_LABELS, key), "level_label")
    app.add_template_global(lambda key: label(SOURCE_LABELS, key), "source_label")


def safe_cell(value: Any) -> Any:
    """A spreadsheet cell that cannot run: a text starting with = + - @ (or a tab, a return) gets a leading '."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    """A CSV download, UTF-8 with a BOM (Excel on Chinese Windows reads the Chinese only so), cells made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
