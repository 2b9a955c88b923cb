"""Roles as data, and how a lane name or candidate group resolves to a role key."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Role

ENTERPRISE_SIDE = "enterprise"
LEADERS = frozenset({"section_chief", "deputy_director", "director"})
SEE_ALL = LEADERS | {"admin", "auditor"}
CONFIDENTIAL_READERS = frozenset({"whistleblower_handler", "director"})


@dataclass(frozen=True)
class RoleBook:
    """Every role by key, with lookups by Chinese and English display name."""

    by_key: dict[str, Role]

    @classmethod
    def load(cls, session: Session) -> "RoleBook":
        return cls({r.key: r for r in session.scalars(select(Role))})

    def _lookup(self, name: str) -> str | None:
        text = name.strip()
        if text in self.by_key:
            return text
        for role in self.by_key.values():
            if text in (role.name_zh, role.name_en) or text.lower() == role.name_en.lower():
                return role.key
        return None

    def resolve(self, lane: str | None, candidate_groups: str | None) -> str | None:
        """The role for a step: its lane name first, else its first known candidate group."""
        if lane and (key := self._lookup(lane)):
            return key
        for group in (candidate_groups or "").split(","):
            if group.strip() and (key := self._lookup(group)):
                return key
        return None

    def is_enterprise_side(self, key: str | None) -> bool:
        role = self.by_key.get(key or "")
        return role is not None and role.side == ENTERPRISE_SIDE

    def escalates_to(self, key: str | None) -> str | None:
        role = self.by_key.get(key or "")
        return role.escalates_to if role else None
