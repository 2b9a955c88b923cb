"""Over-long URLs over real HTTP: the app answers 414 itself — JSON on /api/, the error page on pages — behind
`safeloop serve` (even past http.server's 64 KiB request line) and behind gunicorn (`--limit-request-line 8190`,
docs/operations.md). No database work is involved: SQLite only."""
from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from tests.ops.servers import start_serve, start_web

pytestmark = [pytest.mark.timeout(120), pytest.mark.parametrize("database", ["sqlite"], indirect=True)]


def get(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


def test_safeloop_serve_answers_a_100k_url_with_our_414(database, people, tmp_path: Path):
    server = start_serve(tmp_path, "serve")
    try:
        for query in ("a" * 100_000, "a" * 9_000):  # past http.server's own limit, and between ours and it
            status, kind, body = get(server.port, "/api/v1/tasks?text=" + query)
            assert (status, kind) == (414, "application/json"), body[:200]
            assert json.loads(body) == {"error": "uri_too_long", "message": "请求地址过长（上限 8,000 字节）；请缩短查询条件后重试",
                                        "details": {"limit": 8000}}
            status, kind, body = get(server.port, "/inbox?q=" + query)
            assert status == 414 and kind.startswith("text/html") and "请求地址过长" in body.decode("utf-8")
        assert get(server.port, "/api/v1/tasks?text=short")[0] == 401  # under the limit: on to authentication
    finally:
        server.stop()


def test_gunicorn_lets_the_app_answer_a_url_over_its_limit(database, people, tmp_path: Path):
    server = start_web(tmp_path, "web", threads=1, extra=("--limit-request-line", "8190"))
    try:
        status, kind, body = get(server.port, "/api/v1/tasks?text=" + "a" * 8_100)
        assert (status, kind) == (414, "application/json") and json.loads(body)["error"] == "uri_too_long"
    finally:
        server.stop()
