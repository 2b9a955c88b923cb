"""Cadre study records (干部理论学习 / 党组会议题, plan item 21): a notice of kind `study` goes to bureau staff, not
enterprises, and every person confirms studying it.

`notice_distribution` v2 publishes study material by calling `bureau_readers(roles)` (registered here with
`scripting.register_function`, like `issue_document_no`) and starting one `study_receipt` case per person, its
confirm task assigned to that person (`assignee: reader`). `engine.campaign.notices.coverage` reads the receipts per person.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..runtime import scripting
from ..runtime.models import Role, User, UserRole

STUDY_PROCESS = "study_receipt"
STUDY_STEP = "confirm_study"
MAX_READERS = 2000


def readers(s: Any, roles: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """Active bureau-side users (no enterprise) holding one of `roles`, by username; at most MAX_READERS.

    Raises:
        ValueError: no role given, or one that is not a bureau role.
    """
    wanted = sorted({str(r) for r in roles or []})
    if not wanted:
        raise ValueError("bureau_readers: name at least one bureau role")
    bureau = set(s.scalars(select(Role.key).where(Role.side == "bureau")))
    unknown = [r for r in wanted if r not in bureau]
    if unknown:
        raise ValueError(f"bureau_readers: not bureau roles: {unknown}")
    found = s.execute(select(User.username, User.display_name).where(
        User.active.is_(True), User.enterprise_id.is_(None),
        User.id.in_(select(UserRole.user_id).where(UserRole.role_key.in_(wanted))))
        .order_by(User.username).limit(MAX_READERS))
    return [{"username": name, "display_name": shown or name} for name, shown in found]


def _bureau_readers(roles: list[str] | None = None) -> list[dict[str, Any]]:
    """Sandbox function: the bureau staff of these roles, read in the running step's session."""
    session = scripting.step_session()
    if session is None:
        raise ValueError("bureau_readers: the readers are looked up only while a case's step runs")
    return readers(session, list(roles or []))


scripting.register_function("bureau_readers", _bureau_readers)
