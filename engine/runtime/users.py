"""Enterprises, users, roles and industries; passwords hashed with argon2."""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, exists, func, literal, select, union_all
from sqlalchemy.orm import Session

from . import audit, clock, token_revocations
from .db import unit_of_work
from .errors import BadRequest, Conflict, NotAuthenticated, ValidationFailed, not_found
from .models import Enterprise, Industry, Role, TokenCutoff, TokenRevocation, User, UserIndustry, UserRole
from .views import Actor, Page, UserView

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def _user_view(s: Session, u: User, enterprise_code: str | None = None) -> UserView:
    """A user's roles, industries and enterprise code: one query (two when the code is not given)."""
    scope = union_all(select(literal("role"), UserRole.role_key).where(UserRole.user_id == u.id),
                      select(literal("industry"), UserIndustry.industry_key).where(UserIndustry.user_id == u.id))
    rows = list(s.execute(scope))
    roles = tuple(sorted(key for kind, key in rows if kind == "role"))
    inds = tuple(sorted(key for kind, key in rows if kind == "industry"))
    if enterprise_code is None and u.enterprise_id:
        enterprise_code = s.scalar(select(Enterprise.code).where(Enterprise.id == u.enterprise_id))
    return UserView(u.id, u.username, u.display_name, roles, enterprise_code, inds, u.active)


def add_user(username: str, *, roles: list[str], display_name: str | None = None, enterprise: str | None = None,
             industries: list[str] | None = None, password: str | None = None, actor: str = "system",
             email: str | None = None) -> UserView:
    """Create a user with roles and scope; the password is hashed with argon2."""
    username = username.strip()
    if not username or len(username) > 80:
        raise BadRequest("用户名不能为空且不超过 80 字", "Username must be 1–80 characters")
    if password is not None and len(password) < 8:
        raise ValidationFailed("密码至少 8 位", "Password must have at least 8 characters", [{"field": "password"}])
    with unit_of_work() as s:
        if s.scalar(select(User).where(User.username == username)):
            raise Conflict(f"用户已存在：{username}", f"User already exists: {username}")
        unknown = [r for r in roles if s.get(Role, r) is None]
        if unknown or not roles:
            raise ValidationFailed(f"角色不存在：{', '.join(unknown) or '（未指定）'}",
                                   f"Unknown role(s): {', '.join(unknown) or '(none given)'}", [{"field": "role"}])
        ent_id = None
        if enterprise:
            ent = s.scalar(select(Enterprise).where(Enterprise.code == enterprise.strip().upper()))
            if ent is None:
                raise not_found("企业", "enterprise", enterprise)
            ent_id = ent.id
        for ind in industries or []:
            if s.get(Industry, ind) is None:
                raise ValidationFailed(f"行业不存在：{ind}", f"No such industry: {ind}", [{"field": "industry"}])
        user = User(username=username, display_name=display_name or username, enterprise_id=ent_id, active=True,
                    password_hash=_hasher.hash(password) if password else None, created_at=clock.now(), email=email)
        s.add(user)
        s.flush()
        s.add_all([UserRole(user_id=user.id, role_key=r) for r in sorted(set(roles))])
        s.add_all([UserIndustry(user_id=user.id, industry_key=i) for i in sorted(set(industries or []))])
        s.flush()
        audit.record(s, "user.add", actor=actor, after={"username": username, "roles": sorted(roles),
                                                        "enterprise": enterprise, "industries": industries or []})
        return _user_view(s, user)


def set_password(username: str, password: str, *, actor: str = "system") -> None:
    """Replace a user's password."""
    if len(password) < 8:
        raise ValidationFailed("密码至少 8 位", "Password must have at least 8 characters", [{"field": "password"}])
    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise not_found("用户", "user", username)
        user.password_hash = _hasher.hash(password)
        token_revocations.cut_off(s, username)  # API tokens got with the old password stop working
        audit.record(s, "user.password", actor=actor, after={"username": username})


def active_actor(s: Session, username: str) -> Actor | None:
    """The acting identity of an active user (None for an unknown or disabled one): one statement, the same one an
    API request's token check reads it with (`actor_unless_revoked`)."""
    found = s.execute(_actor_statement(), {"username": username}).first()
    return None if found is None else _actor(found)


def get_actor(username: str) -> Actor:
    """The acting identity of an active user."""
    with unit_of_work(write=False) as s:
        actor = active_actor(s, username)
    if actor is None:
        raise NotAuthenticated("用户不存在或已停用", "Unknown or disabled user")
    return actor


def display_names(usernames: set[str] | frozenset[str]) -> dict[str, str]:
    """username → display name for those of `usernames` that exist (for showing who did what)."""
    wanted = sorted(u for u in usernames if u)[:1000]
    if not wanted:
        return {}
    with unit_of_work(write=False) as s:
        rows = s.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
        return {name: shown or name for name, shown in rows}


def authenticate(username: str, password: str) -> Actor:
    """Check a password (in constant-ish time for unknown users) and return the actor."""
    with unit_of_work(write=False) as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        try:
            _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            user = None
        actor = None if user is None else active_actor(s, user.username)
        if actor is None:
            raise NotAuthenticated("用户名或密码错误", "Wrong username or password")
        return actor


def list_users(*, limit: int = 100, offset: int = 0) -> Page:
    """All users (admin use)."""
    with unit_of_work(write=False) as s:
        total = s.scalar(select(func.count(User.id))) or 0
        users = s.scalars(select(User).order_by(User.username).limit(limit).offset(offset))
        return Page(tuple(_user_view(s, u) for u in users), total, limit, offset)


def actor_unless_revoked(token_id: str, username: str, issued_at: datetime) -> tuple[bool, Actor | None]:
    """What an API request needs of its token, in one statement: (revoked?, the user's actor or None when the user
    is unknown or disabled) — the active user with its enterprise code, roles and industries, and the token's
    revocation and cut-off (the statement is built once; `is_revoked` and `get_actor` took two units of work and
    three statements).

    Raises:
        DatabaseUnavailable: the database cannot answer (never read as "not revoked").
    """
    params = {"token_id": token_id, "username": username}
    with unit_of_work(write=False) as s:
        found = s.execute(_token_actor_statement(), params).first()
        if found is None:  # no active user: still say "revoked" first, as verifying the token alone would
            revoked, not_before = s.execute(_token_statement(), params).one()
            return token_revocations.revoked_by(revoked, not_before, issued_at), None
    revoked, not_before = found[-2:]
    if token_revocations.revoked_by(revoked, not_before, issued_at):
        return True, None
    return False, _actor(found)


def _actor(row: Any) -> Actor:
    """An Actor from a row of `_actor_statement`'s columns (and any after them)."""
    user_id, name, display_name, enterprise_id, code, roles, industries = row[:7]
    return Actor(username=name, display_name=display_name, roles=_keys(roles), enterprise_id=enterprise_id,
                 enterprise_code=code, industries=_keys(industries), user_id=user_id)


_SEPARATOR = "\x1f"  # between the keys of one aggregated list (keys are identifiers: never in one)


def _keys(joined: str | None) -> frozenset[str]:
    return frozenset(joined.split(_SEPARATOR)) if joined else frozenset()


def _revocation_columns() -> tuple[Any, Any]:
    by_id = exists().where(TokenRevocation.token_id == bindparam("token_id"))
    cutoff = select(TokenCutoff.not_before).where(TokenCutoff.username == bindparam("username")).scalar_subquery()
    return by_id, cutoff


@functools.cache
def _token_statement() -> Select[Any]:
    """The token's revocation by id and its user's cut-off (parameters `token_id`, `username`)."""
    return select(*_revocation_columns())


@functools.cache
def _actor_statement() -> Select[Any]:
    """The active user (parameter `username`) with its enterprise code, roles and industries."""
    roles = (select(func.aggregate_strings(UserRole.role_key, _SEPARATOR)).where(UserRole.user_id == User.id)
             .scalar_subquery())
    industries = (select(func.aggregate_strings(UserIndustry.industry_key, _SEPARATOR))
                  .where(UserIndustry.user_id == User.id).scalar_subquery())
    return (select(User.id, User.username, User.display_name, User.enterprise_id, Enterprise.code, roles, industries)
            .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
            .where(User.username == bindparam("username"), User.active.is_(True)))


@functools.cache
def _token_actor_statement() -> Select[Any]:
    """`_actor_statement`'s columns, then `_token_statement`'s (parameters `username`, `token_id`)."""
    return _actor_statement().add_columns(*_revocation_columns())
