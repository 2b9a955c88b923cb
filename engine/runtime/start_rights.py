"""Who may start a process, from its diagram: the lanes of its start events and Camunda's
`candidateStarterGroups` / `candidateStarterUsers`. Checked at deploy, kept in the version's meta, enforced by
`start_instance` and used to list the processes an actor may start.

A process that names no starter keeps the general rule: any signed-in user who is not read-only. Administrators
(and the engine's own SYSTEM actor, which holds the admin role) may start any process; starts by a timer or by
`start_case` in another case are system starts and never come through here.
"""
from __future__ import annotations

import re
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from . import bpmn_xml
from .bpmn_xml import problem
from .errors import Forbidden
from .models import ProcessDefinition
from .roles import RoleBook
from .views import Actor

DESCRIPTION_CHARS = 80
_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s")  # a full stop: a clause after ；or ; reads cut off
_DERIVED: dict[str, dict[str, Any]] = {}  # checksum → meta entries derived from the XML of versions stored before


def problems(rights: bpmn_xml.StartRights, roles: RoleBook) -> list[dict[str, Any]]:
    """Every starter that names no known role (start event lanes by element id, groups at the process)."""
    found = []
    for element_id, line, lane in rights.lanes:
        if roles.resolve(lane, None) is None:
            found.append(problem(element_id, line, f"开始事件所在泳道“{lane}”不是已知角色：请以角色命名泳道",
                                 f"The start event's lane '{lane}' is not a known role: name the lane after a role"))
    for group in rights.groups:
        if roles.resolve(group, None) is None:
            found.append(problem(None, rights.process_line, f"candidateStarterGroups 中的角色“{group}”不存在",
                                 f"candidateStarterGroups names an unknown role '{group}'"))
    return found


def as_meta(rights: bpmn_xml.StartRights, roles: RoleBook) -> dict[str, list[str]] | None:
    """{'roles': [...], 'users': [...]} for the version's meta, or None when the diagram names no starter."""
    keys = [roles.resolve(lane, None) for _, _, lane in rights.lanes] + [roles.resolve(g, None) for g in rights.groups]
    found = {"roles": list(dict.fromkeys(k for k in keys if k)), "users": list(dict.fromkeys(rights.users))}
    return found if found["roles"] or found["users"] else None


def _one_line(text: str | None) -> str | None:
    if not text:
        return None
    first = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    return first if len(first) <= DESCRIPTION_CHARS else first[: DESCRIPTION_CHARS - 1] + "…"


def description(process: etree._Element) -> dict[str, str | None]:
    """The first sentence of the process's documentation, per language, for lists such as /start."""
    zh, en = bpmn_xml.documentation(process)
    return {"description_zh": _one_line(zh), "description_en": _one_line(en)}


def _derived(row: ProcessDefinition, roles: RoleBook) -> dict[str, Any]:
    """The meta entries of a version deployed before they were kept (read from its stored XML, cached)."""
    cached = _DERIVED.get(row.checksum)
    if cached is None:
        root = bpmn_xml.parse(row.bpmn_xml.encode("utf-8"), 50 * 1024 * 1024)
        process = next((p for p in bpmn_xml.executable_processes(root) if p.get("id") == row.key), None)
        if process is None:
            cached = {"starters": None, "description_zh": None, "description_en": None}
        else:
            cached = {"starters": as_meta(bpmn_xml.start_rights(process), roles), **description(process)}
        _DERIVED[row.checksum] = cached
    return cached


def meta_of(row: ProcessDefinition, roles: RoleBook) -> dict[str, Any]:
    """Starters and description of a version: from its meta, or derived once from its XML."""
    meta = row.meta or {}
    if "starters" in meta:
        return meta
    return {**meta, **_derived(row, roles)}


def may_start(actor: Actor, row: ProcessDefinition, roles: RoleBook) -> bool:
    """The start rule for one version (see the module's docstring)."""
    if actor.has("admin"):
        return True
    if actor.has("auditor") and not actor.roles - {"auditor"}:
        return False
    starters = meta_of(row, roles).get("starters")
    if not starters:
        return True
    return bool(actor.roles & set(starters.get("roles", ()))) or actor.username in starters.get("users", ())


def check(s: Session, actor: Actor, row: ProcessDefinition) -> None:
    """Raise Forbidden (403) unless the actor may start this version."""
    if may_start(actor, row, RoleBook.load(s)):
        return
    if actor.has("auditor") and not actor.roles - {"auditor"}:
        raise Forbidden("审计员只读，不能发起事项", "Auditors are read-only and cannot start cases")
    raise Forbidden(f"您的角色不能发起“{row.name}”", f"Your roles may not start '{row.name}'", {"process": row.key})
