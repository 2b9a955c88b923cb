"""Revoked API tokens in the database, on SQLite and PostgreSQL: by id, per user, purged after expiry, audited."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

import engine
from engine.runtime import token_revocations, user_admin
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, TokenRevocation

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def _audit(action: str) -> list[dict]:
    with unit_of_work(write=False) as s:
        return [e.after | {"actor": e.actor} for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action))]


def _stored_ids() -> list[str]:
    with unit_of_work(write=False) as s:
        return sorted(s.scalars(select(TokenRevocation.token_id)))


def test_a_revoked_token_is_revoked_and_other_tokens_are_not(database):
    token_revocations.revoke("tok-1", "officer_a", NOW + 8 * HOUR, actor="officer_a", now=NOW)
    assert token_revocations.is_revoked("tok-1", "officer_a", NOW - HOUR)
    assert not token_revocations.is_revoked("tok-2", "officer_a", NOW - HOUR)
    assert not token_revocations.is_revoked("tok-3", "admin", NOW - HOUR)


def test_revoking_twice_keeps_one_row_and_audits_each_request(database):
    token_revocations.revoke("tok-1", "officer_a", NOW + 8 * HOUR, actor="admin", now=NOW)
    token_revocations.revoke("tok-1", "officer_a", NOW + 8 * HOUR, actor="admin", now=NOW)
    assert _stored_ids() == ["tok-1"]
    rows = _audit("token.revoke")
    assert len(rows) == 2 and rows[0]["token_id"] == "tok-1" and rows[0]["username"] == "officer_a"
    assert rows[0]["actor"] == "admin"


def test_revoke_user_cuts_off_tokens_issued_before_not_after(database):
    cutoff = token_revocations.revoke_user("officer_a", actor="admin", at=NOW)
    assert cutoff == NOW
    assert token_revocations.is_revoked("old", "officer_a", NOW - timedelta(seconds=1))
    assert token_revocations.is_revoked("same-second", "officer_a", NOW)
    assert not token_revocations.is_revoked("new", "officer_a", NOW + timedelta(seconds=1))
    assert not token_revocations.is_revoked("other", "officer_b", NOW - HOUR)
    assert _audit("token.revoke_user") == [{"username": "officer_a", "not_before": NOW.isoformat(), "actor": "admin"}]


def test_a_later_cut_off_replaces_the_earlier_one(database):
    token_revocations.revoke_user("officer_a", at=NOW)
    token_revocations.revoke_user("officer_a", at=NOW + HOUR)
    assert token_revocations.is_revoked("t", "officer_a", NOW + 30 * timedelta(minutes=1))


def test_purge_removes_only_rows_past_expiry_and_grace(database):
    grace = token_revocations.PURGE_GRACE
    token_revocations.revoke("expired", None, NOW - grace - timedelta(seconds=1), now=NOW - 8 * HOUR)
    token_revocations.revoke("in-grace", None, NOW - timedelta(seconds=1), now=NOW - 8 * HOUR)
    token_revocations.revoke("live", None, NOW + HOUR, now=NOW - 8 * HOUR)
    assert token_revocations.purge(NOW) == 1
    assert _stored_ids() == ["in-grace", "live"]
    assert token_revocations.is_revoked("live", "x", NOW - HOUR)


def test_revoking_purges_expired_rows_on_the_way(database):
    token_revocations.revoke("expired", "a", NOW - HOUR, now=NOW - 9 * HOUR)
    token_revocations.revoke("fresh", "a", NOW + 8 * HOUR, now=NOW)
    assert _stored_ids() == ["fresh"]


@pytest.mark.parametrize("token_id", ["", "x" * 65])
def test_a_bad_token_id_is_refused_and_changes_nothing(database, token_id):
    with pytest.raises(engine.BadRequest):
        token_revocations.revoke(token_id, "officer_a", NOW + HOUR, now=NOW)
    assert _stored_ids() == [] and _audit("token.revoke") == []


def test_disabling_a_user_or_resetting_the_password_cuts_off_their_tokens(people):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    user_admin.set_user_active(people["admin"], "officer_a", False)
    user_admin.set_user_active(people["admin"], "officer_a", True)
    assert token_revocations.is_revoked("t", "officer_a", before)
    assert not token_revocations.is_revoked("t", "officer_b", before)
    user_admin.reset_password(people["admin"], "officer_b")
    assert token_revocations.is_revoked("t", "officer_b", before)
    engine.set_password("chief", "a-new-password")
    assert token_revocations.is_revoked("t", "chief", before)
    assert not token_revocations.is_revoked("t", "inspector_oil", before)


def test_an_unreachable_database_raises_rather_than_answering_not_revoked(database, tmp_path):
    engine.configure(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2", data_dir=tmp_path)
    with pytest.raises(engine.DatabaseUnavailable):
        token_revocations.is_revoked("tok-1", "officer_a", NOW)
