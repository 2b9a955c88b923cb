"""Session loading skips the probes: a logged-in browser's cookie never makes /healthz or /readyz read the user."""
from __future__ import annotations

from pathlib import Path

import engine
from tests.webui.pages_support import get, log_in_as

NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"


def test_probes_answer_json_during_an_outage_even_with_a_session_cookie(client, people, tmp_path: Path):
    log_in_as(client, "admin")
    assert get(client, "/inbox").status_code == 200
    engine.configure(database_url=NOWHERE, data_dir=tmp_path)
    health = get(client, "/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    ready = get(client, "/readyz")
    assert ready.status_code == 503 and ready.is_json and ready.get_json()["status"] != "ready"
    page = get(client, "/inbox")
    assert page.status_code == 503 and page.mimetype == "text/html"
