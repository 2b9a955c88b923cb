"""Token revocation is shared: two app instances (two web processes) on one database, SQLite and PostgreSQL.

A token that app B has just accepted is refused by B at its next request once it was revoked on A:
by logging out, by an admin, by disabling the user (even after enabling them again) or resetting the
password. With the database down, verifying a token answers 503, never "valid".
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import engine
from engine.runtime import token_revocations
from tests.webui.pages_support import log_in_as, make_app, post
from webui import auth_tokens

API = "/api/v1"
NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"


@pytest.fixture
def apps(database: str, tmp_path: Path) -> tuple[Flask, Flask]:
    """Two apps with the same config and secret: what two gunicorn workers are."""
    return make_app(tmp_path / "a"), make_app(tmp_path / "b")


def call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    with client.open(API + path, method=method, **kwargs) as response:
        return response.status_code, response.get_json(silent=True)


def login(client: FlaskClient, username: str) -> dict[str, str]:
    status, body = call(client, "POST", "/auth/token", json={"username": username, "password": "password-123"})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['token']}"}


def refused_as(client: FlaskClient, headers: dict[str, str]) -> str | None:
    """The 401 reason for the token on GET /me, or None when it is accepted."""
    status, body = call(client, "GET", "/me", headers=headers)
    assert status in (200, 401), body
    return None if status == 200 else body["details"]["reason"]


def test_a_token_logged_out_on_one_process_is_refused_by_the_other_at_once(apps, people):
    a, b = (app.test_client() for app in apps)
    officer = login(a, "officer_a")
    assert refused_as(b, officer) is None
    assert call(a, "DELETE", "/auth/token", headers=officer)[0] == 204
    assert refused_as(b, officer) == "revoked"
    assert refused_as(a, officer) == "revoked"


def test_an_admin_revocation_on_one_process_is_refused_by_the_other(apps, people):
    a, b = (app.test_client() for app in apps)
    officer, admin = login(a, "officer_a"), login(b, "admin")
    assert refused_as(b, officer) is None
    status, body = call(a, "POST", "/auth/revoke", json={"username": "officer_a"}, headers=admin)
    assert status == 200, body
    assert refused_as(b, officer) == "revoked"
    assert refused_as(b, admin) is None


def test_disabling_a_user_on_one_process_revokes_their_tokens_on_the_other_even_once_enabled(apps, people):
    a, b = (app.test_client() for app in apps)
    officer = login(b, "officer_a")
    assert refused_as(b, officer) is None
    log_in_as(a, "admin")
    assert post(a, "/admin/users/officer_a/disable").status_code == 302
    assert refused_as(b, officer) == "revoked"
    assert post(a, "/admin/users/officer_a/enable").status_code == 302
    assert refused_as(b, officer) == "revoked"


def test_a_password_reset_on_one_process_revokes_the_old_tokens_on_the_other(apps, people):
    a, b = (app.test_client() for app in apps)
    officer = login(b, "officer_a")
    log_in_as(a, "admin")
    assert post(a, "/admin/users/officer_a/password").status_code == 200
    assert refused_as(b, officer) == "revoked"


def test_other_tokens_of_the_same_user_stay_valid_after_one_logout(apps, people):
    a, b = (app.test_client() for app in apps)
    first, second = login(a, "officer_a"), login(b, "officer_a")
    assert call(a, "DELETE", "/auth/token", headers=first)[0] == 204
    assert refused_as(b, first) == "revoked"
    assert refused_as(b, second) is None


def test_verifying_a_token_with_the_database_down_raises_rather_than_accepting(apps, people, tmp_path):
    service = auth_tokens.init_app(apps[1])
    token = service.issue("officer_a").token
    service.verify(token)
    engine.configure(database_url=NOWHERE, data_dir=tmp_path)
    with pytest.raises(engine.DatabaseUnavailable):
        service.verify(token)
    status, body = call(apps[1].test_client(), "GET", "/me", headers={"Authorization": f"Bearer {token}"})
    assert status == 503 and body["error"] == "database_unavailable"


def test_revoking_an_over_long_token_id_is_refused_and_stores_nothing(apps, people):
    a = apps[0].test_client()
    admin = login(a, "admin")
    status, body = call(a, "POST", "/auth/revoke", json={"token_id": "x" * 65}, headers=admin)
    assert status == 400 and body["details"] == {"field": "token_id"}
    assert not token_revocations.is_revoked("x" * 65, "officer_a", datetime.now(timezone.utc))
    assert refused_as(a, admin) is None
