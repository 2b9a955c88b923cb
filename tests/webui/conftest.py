"""Fixtures shared by the page tests: the app on a fresh database and its test client."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webui.pages_support import make_app


@pytest.fixture
def app(database: str, tmp_path: Path) -> Flask:
    """The web app on the `database` fixture (SQLite or PostgreSQL)."""
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
