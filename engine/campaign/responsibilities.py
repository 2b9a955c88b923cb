"""The responsibility list (权责清单, plan item 2): bureau sections (科室) → the duties each is responsible for
(the campaign's registers and procedures) → the leader in charge (分管领导) and the people responsible (责任人).

Reference data in `reference_data/responsibilities.json`, edited in that file: `safeloop init` checks it
(`check`: every register kind named by exactly one duty, known roles, no duty twice) and it is read again
whenever the file changes. Usernames that have no account are shown as written.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..runtime import access, users
from ..runtime.errors import Forbidden
from ..runtime.views import Actor
from .register_kinds import KINDS

FILE = Path(__file__).parent.parent / "reference_data" / "responsibilities.json"
MAX_SECTIONS = 50
MAX_DUTIES = 200
MAX_PEOPLE = 50
_cache: dict[str, tuple[float, ResponsibilityList]] = {}


@dataclass(frozen=True)
class Duty:
    """One duty: a register (its `register` kind) and/or procedures, the plan items it serves, who carries it."""

    key: str
    name_zh: str
    name_en: str
    register: str | None
    processes: tuple[str, ...]
    items: tuple[int, ...]
    people: tuple[str, ...]
    roles: tuple[str, ...]
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Section:
    """A bureau section (科室) with its leader in charge, its chief and its duties."""

    key: str
    name_zh: str
    name_en: str
    leader: str | None
    chief: str | None
    duties: tuple[Duty, ...]


@dataclass(frozen=True)
class ResponsibilityList:
    sections: tuple[Section, ...]

    def for_register(self, kind: str) -> tuple[Section, Duty] | None:
        """The section and duty responsible for a register kind (None when the list names none)."""
        for section in self.sections:
            for duty in section.duties:
                if duty.register == kind:
                    return section, duty
        return None

    def usernames(self) -> set[str]:
        return {u for s in self.sections for u in (s.leader, s.chief, *(p for d in s.duties for p in d.people)) if u}


def _text(raw: dict[str, Any], name: str, where: str, problems: list[str], limit: int = 200) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        problems.append(f"{where}: {name} 应为不超过 {limit} 字的文字")
        return ""
    return value.strip()


def _names(raw: Any, where: str, name: str, problems: list[str], limit: int = MAX_PEOPLE) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > limit or not all(isinstance(v, str) and 0 < len(v) <= 80 for v in raw):
        problems.append(f"{where}: {name} 应为至多 {limit} 个名称的列表")
        return ()
    return tuple(raw)


def check(data: Any, role_keys: set[str] | None = None) -> ResponsibilityList:
    """The list from the file's JSON.

    Raises:
        ValueError: every problem found, one per line (section keys, duty keys, register kinds, roles).
    """
    problems: list[str] = []
    raw_sections = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(raw_sections, list) or not 0 < len(raw_sections) <= MAX_SECTIONS:
        raise ValueError(f"权责清单应有 1–{MAX_SECTIONS} 个科室（sections）")
    kinds = {k.key: k for k in KINDS}
    sections, seen_sections, seen_duties, registers_named = [], set(), set(), []
    for i, raw in enumerate(raw_sections, start=1):
        if not isinstance(raw, dict):
            problems.append(f"第 {i} 个科室应为对象")
            continue
        key = _text(raw, "key", f"第 {i} 个科室", problems, 40)
        where = f"科室 {key or i}"
        if key in seen_sections:
            problems.append(f"{where}: 科室标识重复")
        seen_sections.add(key)
        duties = []
        raw_duties = raw.get("duties")
        if not isinstance(raw_duties, list) or len(raw_duties) > MAX_DUTIES:
            problems.append(f"{where}: duties 应为职责列表")
            raw_duties = []
        for j, d in enumerate(raw_duties, start=1):
            if not isinstance(d, dict):
                problems.append(f"{where} 第 {j} 项职责应为对象")
                continue
            duty_key = _text(d, "key", f"{where} 第 {j} 项职责", problems, 40)
            there = f"{where} · 职责 {duty_key or j}"
            if duty_key in seen_duties:
                problems.append(f"{there}: 职责标识重复")
            seen_duties.add(duty_key)
            register = d.get("register")
            if register is not None and register not in kinds:
                problems.append(f"{there}: 没有台账 {register}")
            if register is not None:
                registers_named.append(register)
            kind = kinds.get(register) if isinstance(register, str) else None
            roles = _names(d.get("roles"), there, "roles", problems)
            if role_keys is not None:
                problems += [f"{there}: 没有角色 {r}" for r in roles if r not in role_keys]
            items = d.get("items") or []
            if not isinstance(items, list) or not all(isinstance(n, int) and 1 <= n <= 23 for n in items):
                problems.append(f"{there}: items 应为方案条目编号 1–23")
                items = []
            name_zh = kind.name_zh if kind and not d.get("name_zh") else _text(d, "name_zh", there, problems)
            name_en = kind.name_en if kind and not d.get("name_en") else _text(d, "name_en", there, problems)
            duties.append(Duty(duty_key, name_zh, name_en, register if kind else None,
                               _names(d.get("processes"), there, "processes", problems), tuple(items),
                               _names(d.get("people"), there, "people", problems), roles,
                               str(d.get("note_zh") or "")[:500], str(d.get("note_en") or "")[:500]))
        leader, chief = raw.get("leader"), raw.get("chief")
        for name, value in (("leader", leader), ("chief", chief)):
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 80):
                problems.append(f"{where}: {name} 应为用户名")
        names = (_text(raw, "name_zh", where, problems, 100), _text(raw, "name_en", where, problems, 100))
        sections.append(Section(key, *names, leader if isinstance(leader, str) else None,
                                chief if isinstance(chief, str) else None, tuple(duties)))
    twice = sorted({r for r in registers_named if registers_named.count(r) > 1})
    missing = sorted(set(kinds) - set(registers_named))
    if twice:
        problems.append(f"这些台账被多个职责认领：{', '.join(twice)}")
    if missing:
        problems.append(f"这些台账没有责任科室：{', '.join(missing)}")
    if problems:
        raise ValueError("\n".join(problems))
    return ResponsibilityList(tuple(sections))


def load(path: Path | None = None, role_keys: set[str] | None = None) -> ResponsibilityList:
    """The list in the file, read again when the file changes (`check` raises ValueError on a bad one)."""
    path = path or FILE
    stamp = path.stat().st_mtime
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == stamp and role_keys is None:
        return cached[1]
    found = check(json.loads(path.read_text(encoding="utf-8")), role_keys)
    _cache[str(path)] = (stamp, found)
    return found


def _person(username: str, names: dict[str, str]) -> dict[str, Any]:
    return {"username": username, "display_name": names.get(username, username), "has_account": username in names}


def _duty_json(section: Section, duty: Duty, names: dict[str, str]) -> dict[str, Any]:
    return {"section": {"key": section.key, "name_zh": section.name_zh, "name_en": section.name_en},
            "leader": _person(section.leader, names) if section.leader else None,
            "chief": _person(section.chief, names) if section.chief else None,
            "duty": {"key": duty.key, "name_zh": duty.name_zh, "name_en": duty.name_en, "register": duty.register,
                     "processes": list(duty.processes), "items": list(duty.items), "note_zh": duty.note_zh,
                     "note_en": duty.note_en},
            "people": [_person(p, names) for p in duty.people], "roles": list(duty.roles)}


def for_register(kind: str) -> dict[str, Any] | None:
    """Who answers for a register (责任科室 / 分管领导 / 责任人) as JSON-ready data, names resolved; None when the
    list names no duty for it."""
    found = load().for_register(kind)
    if found is None:
        return None
    section, duty = found
    names = users.display_names({u for u in (section.leader, section.chief, *duty.people) if u})
    return _duty_json(section, duty, names)


def listing(actor: Actor) -> list[dict[str, Any]]:
    """The whole list, section by section (bureau staff only).

    Raises:
        Forbidden: an enterprise user.
    """
    if access.is_enterprise_user(actor):
        raise Forbidden("权责清单仅供局内人员查看", "The responsibility list is for bureau staff")
    found = load()
    names = users.display_names(found.usernames())
    return [{"key": s.key, "name_zh": s.name_zh, "name_en": s.name_en,
             "leader": _person(s.leader, names) if s.leader else None,
             "chief": _person(s.chief, names) if s.chief else None,
             "duties": [{k: v for k, v in _duty_json(s, d, names).items() if k not in ("section", "leader", "chief")}
                        for d in s.duties]} for s in found.sections]
