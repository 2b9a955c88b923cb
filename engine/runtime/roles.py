"""Roles as data, and how a lane name or candidate group resolves to a role key."""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Role

ENTERPRISE_SIDE = "enterprise"
LEADERS = frozenset({"section_chief", "deputy_director", "director"})
SEE_ALL = LEADERS | {"admin", "auditor"}
CONFIDENTIAL_READERS = frozenset({"whistleblower_handler", "director"})


CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class _RoleRow:
    key: str
    name_zh: str
    name_en: str
    side: str
    escalates_to: str | None


_CACHE: dict[str, tuple[float, "RoleBook"]] = {}


def forget_cached_roles() -> None:
    """Drop the role cache (after roles were edited)."""
    _CACHE.clear()


def forget_url(url: str) -> None:
    """Drop the cached roles of one database (a scratch database that is gone)."""
    _CACHE.pop(url, None)


@dataclass(frozen=True)
class RoleBook:
    """Every role by key, with lookups by Chinese and English display name."""

    by_key: dict[str, _RoleRow]

    @classmethod
    def load(cls, session: Session) -> "RoleBook":
        """All roles, cached for a few seconds (roles change rarely; every engine step needs them)."""
        url = str(session.get_bind().url)
        cached = _CACHE.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        book = cls({r.key: _RoleRow(r.key, r.name_zh, r.name_en, r.side, r.escalates_to)
                    for r in session.scalars(select(Role))})
        _CACHE[url] = (time.monotonic() + CACHE_SECONDS, book)
        return book

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
        found = self.resolve_all(lane, candidate_groups)
        return found[0] if found else None

    def resolve_all(self, lane: str | None, candidate_groups: str | None) -> list[str]:
        """Every known role a step names, in order: the lane's, then the candidate groups', without repeats."""
        names = [lane or ""] + (candidate_groups or "").split(",")
        keys = [key for name in names if name.strip() and (key := self._lookup(name))]
        return list(dict.fromkeys(keys))

    def alternate(self, lane: str | None, candidate_groups: str | None) -> str | None:
        """The second role that may take a step: the next one named, on the same side as the first."""
        found = self.resolve_all(lane, candidate_groups)
        if len(found) < 2:
            return None
        return found[1] if self.is_enterprise_side(found[0]) == self.is_enterprise_side(found[1]) else None

    def is_enterprise_side(self, key: str | None) -> bool:
        role = self.by_key.get(key or "")
        return role is not None and role.side == ENTERPRISE_SIDE

    def escalates_to(self, key: str | None) -> str | None:
        role = self.by_key.get(key or "")
        return role.escalates_to if role else None
