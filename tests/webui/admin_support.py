"""Shared fixtures for the process-owner and admin page tests (tests/webui/test_admin_*.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webui.pages_support import DATA, make_app


@pytest.fixture
def app(database: str, tmp_path: Path) -> Flask:
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def review_xml(**replace: str) -> bytes:
    """The `review` test diagram, with text replacements (old=new)."""
    xml = (DATA / "review.bpmn").read_text(encoding="utf-8")
    for old, new in replace.items():
        xml = xml.replace(old, new)
    return xml.encode("utf-8")


def renamed_review() -> bytes:
    return (DATA / "review.bpmn").read_text(encoding="utf-8").replace('name="验收"', 'name="现场验收"').encode("utf-8")


def unknown_lane_review() -> bytes:
    return (DATA / "review.bpmn").read_text(encoding="utf-8").replace('name="bureau_inspector"', 'name="无人泳道"').encode("utf-8")
