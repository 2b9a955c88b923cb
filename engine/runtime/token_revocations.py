"""Revoked API tokens, shared by every web process through the database.

A token is revoked by its id (`token_revocation`, kept until the token would have expired anyway,
then purged) or with every other token of its user issued up to a cut-off (`token_cutoff`, one row
per user: disabled, password changed). `is_revoked` answers from both tables in one round trip of
primary-key lookups. Token times follow the wall clock, not the injected case clock: the web layer
stamps tokens with the wall clock (itsdangerous), so cut-offs and purges must use the same one, or a
simulated clock running ahead would purge revocations of tokens that are still valid.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import audit
from .db import unit_of_work
from .errors import BadRequest
from .models import TokenCutoff, TokenRevocation

MAX_TOKEN_ID = 64
# Kept this long past expiry: web processes on other hosts may read their clocks a little behind ours.
PURGE_GRACE = timedelta(minutes=5)


def wall_now() -> datetime:
    """The wall clock (UTC), which token timestamps follow."""
    return datetime.now(timezone.utc)


def _insert(session: Session, model: type[TokenRevocation] | type[TokenCutoff]) -> postgresql.Insert | sqlite.Insert:
    # Both dialects have INSERT … ON CONFLICT: two processes revoking at once never collide.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _check_token_id(token_id: str) -> None:
    if not token_id or len(token_id) > MAX_TOKEN_ID:
        raise BadRequest(f"令牌编号应为 1–{MAX_TOKEN_ID} 个字符", f"A token id has 1–{MAX_TOKEN_ID} characters",
                         {"field": "token_id"})


def _check_username(username: str) -> None:
    if not 0 < len(username) <= 80:
        raise BadRequest("用户名应为 1–80 个字符", "A username has 1–80 characters", {"field": "username"})


def revoke(token_id: str, username: str | None, expires_at: datetime, *, actor: str | None = None,
           now: datetime | None = None) -> None:
    """Revoke one token until `expires_at` (when it would expire anyway); audited; purges expired rows.

    Raises:
        BadRequest: an empty or over-long token id or username.
    """
    _check_token_id(token_id)
    if username is not None:
        _check_username(username)
    now = now or wall_now()
    with unit_of_work() as s:
        s.execute(_insert(s, TokenRevocation)
                  .values(token_id=token_id, username=username, revoked_at=now, expires_at=expires_at)
                  .on_conflict_do_nothing(index_elements=["token_id"]))
        audit.record(s, "token.revoke", actor=actor,
                     after={"token_id": token_id, "username": username, "expires_at": expires_at.isoformat()})
        purge_in(s, now)


def cut_off(session: Session, username: str, at: datetime | None = None) -> datetime:
    """Within the caller's unit of work: revoke every token of `username` issued at or before `at` (now)."""
    at = at or wall_now()
    session.execute(_insert(session, TokenCutoff).values(username=username, not_before=at)
                    .on_conflict_do_update(index_elements=["username"], set_={"not_before": at}))
    return at


def revoke_user(username: str, *, actor: str | None = None, at: datetime | None = None) -> datetime:
    """Revoke every token of a user issued up to now (or `at`); audited. Returns the cut-off."""
    _check_username(username)
    with unit_of_work() as s:
        at = cut_off(s, username, at)
        audit.record(s, "token.revoke_user", actor=actor, after={"username": username, "not_before": at.isoformat()})
        return at


def is_revoked(token_id: str, username: str, issued_at: datetime) -> bool:
    """True when the token was revoked by id, or issued at or before its user's cut-off.

    Raises:
        DatabaseUnavailable: the database cannot answer (never read as "not revoked").
    """
    by_id = exists().where(TokenRevocation.token_id == token_id)
    cutoff = select(TokenCutoff.not_before).where(TokenCutoff.username == username).scalar_subquery()
    with unit_of_work(write=False) as s:
        revoked, not_before = s.execute(select(by_id, cutoff)).one()
    return revoked_by(revoked, not_before, issued_at)


def revoked_by(by_id: Any, not_before: datetime | None, issued_at: datetime) -> bool:
    """Revoked: by its id, or issued before its user's cut-off."""
    return bool(by_id) or (not_before is not None and issued_at <= not_before)


def purge_in(session: Session, now: datetime) -> int:
    """Within the caller's unit of work: delete revocations of tokens expired by `now` (less the grace)."""
    stale = delete(TokenRevocation).where(TokenRevocation.expires_at < now - PURGE_GRACE)
    return session.execute(stale).rowcount or 0


def purge(now: datetime | None = None) -> int:
    """Delete revocations of tokens that expired (over `PURGE_GRACE` ago) anyway; the number removed."""
    with unit_of_work() as s:
        return purge_in(s, now or wall_now())
