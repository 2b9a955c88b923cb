"""Shared helpers for the page tests (tests/webui/test_pages_*.py): an app, a logged-in client,
CSRF-carrying posts, and a small `hazard_closure` stand-in (the `review` test diagram renamed)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

import engine
from engine.campaign import bootstrap
from webui import create_app

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]
ENT_A = "91220881MA00000000"
ENT_B = "91220881MA10000006"
SECRET = "test-secret-key"
CSRF_RAW = "test-csrf-token"  # what Flask-WTF keeps in the session
CSRF = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token").dumps(CSRF_RAW)  # what a form sends


def make_app(tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": str(tmp_path / "web"),
                       "SECRET_KEY": SECRET})


def log_in_as(client: FlaskClient, username: str) -> None:
    """Put `username` in the session directly (only admin and officer_a have passwords)."""
    with client.session_transaction() as session:
        session["user"] = username
        session["csrf_token"] = CSRF_RAW


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a page form with the session's CSRF token; returns the closed response."""
    with client.post(path, data={"csrf_token": CSRF, **(data or {})}, **kwargs) as response:
        return response


def get(client: FlaskClient, path: str, **kwargs: Any) -> Any:
    with client.get(path, **kwargs) as response:
        return response


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def deploy_hazard_stand_in() -> engine.ProcessVersion:
    """The `review` test diagram deployed as `hazard_closure` (same forms), for register and dashboard tests."""
    xml = (DATA / "review.bpmn").read_text(encoding="utf-8").replace('id="review"', 'id="hazard_closure"')
    forms = bootstrap.read_forms(DATA / "forms")
    return engine.deploy(xml.encode("utf-8"), actor="owner", forms_given=forms).process


def start_review(actor: engine.Actor, key: str = "review", **data: Any) -> engine.InstanceView:
    payload = {"case_title": "后厨燃气报警器失效", "hazard_level": "general", "deadline": "2025-03-10", "spawn": False,
               **data}
    return engine.start_instance(actor, key, payload)
