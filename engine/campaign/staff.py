"""The enterprise staff register (人员台账): the people training is counted against (seed items 5, 7, 13).

Each enterprise lists its principal (主要负责人), its safety managers (安全管理人员, often more than one), its
deputies in charge (分管负责人) and its key-post staff (重点岗位人员), with name and phone. Administrators keep every
enterprise's register; an enterprise's own principal and safety officer keep theirs. Bureau staff read the
registers of the enterprises they cover. Another enterprise's register answers 404, as its cases do.
A person who leaves is marked inactive, never deleted: their training history stays countable. Every change is audited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..runtime import access, audit, clock
from ..runtime.db import unit_of_work
from ..runtime.errors import Forbidden, NotFound, ValidationFailed
from ..runtime.models import Enterprise, EnterprisePerson
from ..runtime.views import Actor
from .enterprise_import import ImportResult, RowError, read_table

POSTS = ("principal", "safety_manager", "deputy", "key_post")
POST_NAMES = {"principal": ("主要负责人", "Principal"), "safety_manager": ("安全管理人员", "Safety manager"),
              "deputy": ("分管负责人", "Deputy in charge"), "key_post": ("重点岗位人员", "Key-post staff")}
_POST_BY_NAME = {zh: key for key, (zh, _) in POST_NAMES.items()} | {"安全员": "safety_manager"}
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
EDITORS = frozenset({"enterprise_principal", "enterprise_safety_officer"})
HEADERS = {"统一社会信用代码": "code", "信用代码": "code", "企业": "code", "姓名": "name", "岗位": "post", "职务": "post",
           "电话": "phone", "手机": "phone", "联系电话": "phone"}
MAX_IMPORT_ROWS = 5000

__all__ = ["POSTS", "POST_NAMES", "Person", "list_people", "add_person", "update_person", "import_people",
           "roster", "may_edit"]


@dataclass(frozen=True)
class Person:
    """One person of an enterprise's register."""

    id: int
    enterprise_code: str
    name: str
    post: str
    phone: str | None
    active: bool


def _view(p: EnterprisePerson, code: str) -> Person:
    return Person(p.id, code, p.name, p.post, p.phone, p.active)


def _readable(s: Session, actor: Actor, code: str | None) -> Enterprise:
    """The enterprise whose register the actor may read (404 otherwise, never revealing that it exists)."""
    if access.is_enterprise_user(actor):
        ent = s.get(Enterprise, actor.enterprise_id)
        if ent is not None and code in (None, "", ent.code):
            return ent
    elif code:
        ent = s.scalar(select(Enterprise).where(Enterprise.code == code.strip().upper()))
        hidden = actor.industries and not access.sees_everything(actor)
        if ent is not None and not (hidden and ent.industry_key not in actor.industries):
            return ent
    raise NotFound("没有这家企业或无权查看", "No such enterprise, or not yours to see", {"enterprise_code": code})


def may_edit(actor: Actor) -> bool:
    """Administrators, and an enterprise's own principal and safety officer (for their enterprise)."""
    return actor.has("admin") or (access.is_enterprise_user(actor) and actor.has(*EDITORS))


def _editable(s: Session, actor: Actor, code: str | None) -> Enterprise:
    ent = _readable(s, actor, code)
    if not may_edit(actor):
        raise Forbidden("只有管理员和本企业主要负责人、安全管理人员可以修改人员台账",
                        "Only administrators and the enterprise's principal or safety officer may change its staff")
    return ent


def _checked(name: Any, post: Any, phone: Any) -> tuple[str, str, str | None]:
    """The person's fields, cleaned; ValidationFailed names each bad one."""
    name = str(name or "").strip()
    post = _POST_BY_NAME.get(str(post or "").strip(), str(post or "").strip())
    phone = str(phone or "").strip() or None
    problems = []
    if not 1 <= len(name) <= 50:
        problems.append({"field": "name", "message_zh": "姓名不能为空，最多 50 字", "message_en": "the name is empty or "
                                                                                          "over 50 characters"})
    if post not in POSTS:
        problems.append({"field": "post", "message_zh": f"岗位无效：{post}（应为主要负责人、安全管理人员、分管负责人或重点岗位人员）",
                         "message_en": f"unknown post: {post}"})
    if phone is not None and not PHONE.match(phone):
        problems.append({"field": "phone", "message_zh": "电话应为手机号或固定电话", "message_en": "not a mobile or landline number"})
    if problems:
        raise ValidationFailed("人员信息有误：" + "；".join(p["message_zh"] for p in problems),
                               "The person's details are wrong: " + "; ".join(p["message_en"] for p in problems),
                               problems)
    return name, post, phone


def list_people(actor: Actor, enterprise_code: str | None = None, *, include_inactive: bool = False) -> tuple[Person, ...]:
    """The enterprise's register, principal first then by post and name (an enterprise user: its own)."""
    with unit_of_work(write=False) as s:
        ent = _readable(s, actor, enterprise_code)
        stmt = select(EnterprisePerson).where(EnterprisePerson.enterprise_id == ent.id)
        if not include_inactive:
            stmt = stmt.where(EnterprisePerson.active.is_(True))
        people = sorted(s.scalars(stmt), key=lambda p: (not p.active, POSTS.index(p.post) if p.post in POSTS else 9,
                                                        p.name, p.id))
        return tuple(_view(p, ent.code) for p in people)


def add_person(actor: Actor, enterprise_code: str | None, name: str, post: str, phone: str | None = None) -> Person:
    """Add a person to the enterprise's register (audited as `staff.add`)."""
    with unit_of_work() as s:
        ent = _editable(s, actor, enterprise_code)
        clean = _checked(name, post, phone)
        person = _insert(s, ent, *clean)
        audit.record(s, "staff.add", actor=actor.username, after=_audit_view(person, ent.code))
        return _view(person, ent.code)


def _insert(s: Session, ent: Enterprise, name: str, post: str, phone: str | None) -> EnterprisePerson:
    now = clock.now()
    person = EnterprisePerson(enterprise_id=ent.id, name=name, post=post, phone=phone, active=True,
                              created_at=now, updated_at=now)
    s.add(person)
    s.flush()
    return person


def _audit_view(p: EnterprisePerson, code: str) -> dict[str, Any]:
    return {"person_id": p.id, "enterprise_code": code, "name": p.name, "post": p.post, "phone": p.phone,
            "active": p.active}


def update_person(actor: Actor, person_id: int, *, name: str, post: str, phone: str | None = None,
                  active: bool = True) -> Person:
    """Change a person's details, or mark them as gone (`active=False`); audited as `staff.update`.

    Raises:
        NotFound: no such person in an enterprise the actor may see.
    """
    with unit_of_work() as s:
        person = s.get(EnterprisePerson, person_id)
        ent = s.get(Enterprise, person.enterprise_id) if person is not None else None
        if person is None or ent is None:
            raise NotFound("没有这个人员", "No such person", {"person_id": person_id})
        try:
            _editable(s, actor, ent.code)
        except NotFound:
            raise NotFound("没有这个人员", "No such person", {"person_id": person_id}) from None
        before = _audit_view(person, ent.code)
        person.name, person.post, person.phone = _checked(name, post, phone)
        person.active, person.updated_at = bool(active), clock.now()
        audit.record(s, "staff.update", actor=actor.username, before=before, after=_audit_view(person, ent.code))
        return _view(person, ent.code)


def import_people(actor: Actor, filename: str, data: bytes, enterprise_code: str | None = None) -> ImportResult:
    """Import people from CSV/xlsx (columns 统一社会信用代码, 姓名, 岗位, 电话): every row checked first, then all or none.

    An enterprise user imports into its own register (the code column may be left out); an administrator names
    the enterprise per row, or for the whole file with `enterprise_code`. Row 2 is the first person."""
    rows = read_table(filename, data, HEADERS)
    with unit_of_work() as s:
        errors: list[RowError] = []
        found: list[tuple[Enterprise, tuple[str, str, str | None]]] = []
        for index, row in enumerate(rows[:MAX_IMPORT_ROWS], start=2):
            ent = _row_enterprise(s, actor, row.get("code") or enterprise_code, index, errors)
            try:
                clean = _checked(row.get("name"), row.get("post"), row.get("phone"))
            except ValidationFailed as err:
                errors += [RowError(index, d["field"], d["message_zh"], d["message_en"]) for d in err.details]
                continue
            if ent is not None:
                found.append((ent, clean))
        if len(rows) > MAX_IMPORT_ROWS:
            errors.append(RowError(MAX_IMPORT_ROWS + 2, "file", f"一次最多导入 {MAX_IMPORT_ROWS} 人",
                                   f"at most {MAX_IMPORT_ROWS} people per file"))
        if errors or not rows:
            return ImportResult(0, tuple(errors) or (RowError(1, "file", "文件中没有数据行", "the file has no data rows"),))
        for ent, clean in found:
            _insert(s, ent, *clean)
        audit.record(s, "staff.import", actor=actor.username,
                     after={"file": filename, "count": len(found), "enterprises": sorted({e.code for e, _ in found})})
        return ImportResult(len(found), ())


def _row_enterprise(s: Session, actor: Actor, code: str | None, index: int, errors: list[RowError]) -> Enterprise | None:
    try:
        return _editable(s, actor, code or None)
    except NotFound:
        errors.append(RowError(index, "code", f"企业不存在或无权修改：{code or '（未填写）'}",
                               f"no such enterprise, or not yours: {code or '(empty)'}"))
    return None


def roster(s: Session, enterprise_code: str) -> list[dict[str, Any]]:
    """The enterprise's active people as plain data, for a running step (`staff()` in scripts)."""
    stmt = (select(EnterprisePerson).join(Enterprise, Enterprise.id == EnterprisePerson.enterprise_id)
            .where(Enterprise.code == str(enterprise_code or "").strip().upper(), EnterprisePerson.active.is_(True)))
    people = sorted(s.scalars(stmt), key=lambda p: (POSTS.index(p.post) if p.post in POSTS else 9, p.name, p.id))
    return [{"id": p.id, "name": p.name, "post": p.post, "post_name": POST_NAMES.get(p.post, (p.post, p.post))[0],
             "post_name_en": POST_NAMES.get(p.post, (p.post, p.post))[1], "phone": p.phone} for p in people]
