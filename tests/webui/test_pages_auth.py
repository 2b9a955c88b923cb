"""Login, logout, the header, CSRF on page forms, and safe redirects (Flask test client, both databases)."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import engine
from tests.webui.pages_support import CSRF, csrf_from, get, log_in_as, make_app
from webui.pages import auth


@pytest.fixture
def app(database: str, tmp_path: Path) -> Flask:
    auth.login_failures.reset()
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login_form(client: FlaskClient, username: str, password: str, **extra: str) -> object:
    token = csrf_from(get(client, "/login").get_data(as_text=True))
    with client.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra}) as r:
        return r


def test_anonymous_visitors_are_sent_to_the_login_page_and_back(client, people):
    response = get(client, "/inbox?tab=done")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/inbox?tab%3Ddone"


def test_a_wrong_password_says_so_in_chinese_and_in_english(client, people):
    response = login_form(client, "officer_a", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误，请检查后重试。" in response.get_data(as_text=True)
    get(client, "/login?lang=en")
    response = login_form(client, "nobody", "whatever-123")
    assert response.status_code == 401
    assert "Wrong username or password. Check both and try again." in response.get_data(as_text=True)


def test_login_shows_name_roles_and_enterprise_in_the_header(client, people):
    response = login_form(client, "officer_a", "password-123", next="/register")
    assert response.status_code == 302 and response.headers["Location"] == "/register"
    html = get(client, "/inbox").get_data(as_text=True)
    assert "officer_a" in html and "企业安全管理人员" in html and "洮南市甲餐饮有限公司" in html


def test_login_never_redirects_to_another_site(client, people):
    response = login_form(client, "officer_a", "password-123", next="//evil.example/x")
    assert response.headers["Location"] == "/inbox"


def test_the_home_page_sends_a_logged_in_user_to_the_inbox(client, people):
    log_in_as(client, "chief")
    response = get(client, "/")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_page_posts_without_the_session_csrf_token_are_refused(client, people, review, token):
    log_in_as(client, "officer_a")
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "t", "spawn": False})
    data = {} if token is None else {"csrf_token": token}
    with client.post(f"/tasks/{case.open_tasks[0].id}/claim", data=data) as response:
        assert response.status_code == 400
        assert "表单已过期或并非来自本站" in response.get_data(as_text=True)
    assert engine.get_task(people["officer_a"], case.open_tasks[0].id).assignee is None


def test_the_csrf_header_is_accepted_for_htmx_requests(client, people, review):
    log_in_as(client, "officer_a")
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "t", "spawn": False})
    with client.post(f"/tasks/{case.open_tasks[0].id}/claim", headers={"X-CSRFToken": CSRF}) as response:
        assert response.status_code == 302
    assert engine.get_task(people["officer_a"], case.open_tasks[0].id).assignee == "officer_a"


def test_the_json_api_is_not_subject_to_page_csrf(client, people):
    with client.post("/api/v1/auth/token", json={"username": "officer_a", "password": "password-123"}) as response:
        assert response.status_code == 200 and response.is_json


def test_logout_is_a_post_and_ends_the_session(client, people):
    login_form(client, "officer_a", "password-123")
    assert get(client, "/logout").status_code == 405
    html = get(client, "/inbox").get_data(as_text=True)
    with client.post("/logout", data={"csrf_token": csrf_from(html)}) as response:
        assert response.status_code == 302
    assert get(client, "/inbox").status_code == 302


def test_a_disabled_or_deleted_user_session_ends(client, people):
    log_in_as(client, "ghost")
    response = get(client, "/inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_repeated_failed_logins_from_one_address_are_throttled(client, people):
    auth.login_failures.limit = 3
    try:
        for _ in range(3):
            assert login_form(client, "officer_a", "wrong-password").status_code == 401
        response = login_form(client, "officer_a", "password-123")
        assert response.status_code == 429
        assert "登录失败次数过多" in response.get_data(as_text=True)
    finally:
        auth.login_failures.limit = 10


def test_login_starts_a_fresh_http_only_same_site_session(client, people):
    """A session cookie scripts cannot read, not sent on cross-site posts, and new at login (no fixation)."""
    before = csrf_from(get(client, "/login").get_data(as_text=True))
    response = login_form(client, "officer_a", "password-123")
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("safeloop_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert csrf_from(get(client, "/inbox").get_data(as_text=True)) != before


def test_the_session_cookie_is_secure_when_configured(people, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFELOOP_SECURE_COOKIES", "1")
    client = make_app(tmp_path).test_client()
    response = login_form(client, "officer_a", "password-123")
    assert any(k == "Set-Cookie" and "; Secure" in v for k, v in response.headers.items())


def test_pages_send_a_script_tight_content_security_policy_and_no_framing(client, people):
    headers = get(client, "/login").headers
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"]) == ("nosniff", "DENY")
    assert headers["Referrer-Policy"] == "same-origin"
