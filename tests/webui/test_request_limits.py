"""413 and 414 answered by the app, on SQLite and PostgreSQL: JSON under /api/ (any path, known or not, before
authentication), the error page on pages, JSON with the page's language to the editor's scripts."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webui.pages_support import CSRF, log_in_as
from webui import create_app

LIMIT = 64 * 1024
TASK = "/api/v1/tasks/3f2b6c1e-1111-4222-8333-944455556666"
LONG_QUERY = "?q=" + "a" * 100_000


@pytest.fixture
def small_app(database: str, tmp_path: Path) -> Flask:
    """The app with a 64 KiB body limit (the same code path as the 25 MB default, with less to send)."""
    return create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": str(tmp_path / "web"),
                       "SECRET_KEY": "test-secret-key", "MAX_CONTENT_LENGTH": LIMIT})


def _json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status and response.mimetype == "application/json", response.get_data()[:200]
    body = response.get_json()
    assert set(body) == {"error", "message", "details"} and body["error"] == code, body
    return body


def _multipart(size: int) -> dict:
    return {"data": '{"measures": "已更换"}', "photos": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * size), "big.png")}


@pytest.mark.parametrize("method,path", [
    ("POST", f"{TASK}/complete"), ("PUT", f"{TASK}/draft"), ("POST", "/api/v1/processes"), ("POST", "/api/v1/no-such"),
])
def test_a_multipart_upload_over_the_limit_is_a_json_413_on_any_api_path(small_app, people, method, path):
    with small_app.test_client().open(path, method=method, data=_multipart(LIMIT), content_type="multipart/form-data",
                                      headers={"Accept-Language": "en"}) as response:
        body = _json_error(response, 413, "too_large")
    assert body["details"] == {"limit": LIMIT} and "too large" in body["message"]


def test_a_chunked_body_over_the_limit_is_a_json_413_when_it_is_read(small_app, people):
    """No Content-Length to refuse early: werkzeug stops reading at the limit."""
    payload = b"--x\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n" + b"a" * (2 * LIMIT) + b"\r\n--x--\r\n"
    with small_app.test_client().post(f"{TASK}/complete", input_stream=io.BytesIO(payload),
                                      headers={"Content-Type": "multipart/form-data; boundary=x",
                                               "Transfer-Encoding": "chunked"},
                                      environ_overrides={"wsgi.input_terminated": True}) as response:  # as servers set
        _json_error(response, 413, "too_large")


def test_a_json_body_over_the_limit_is_a_json_413(small_app, people):
    with small_app.test_client().post(f"{TASK}/complete", data=b'{"data": "' + b"x" * LIMIT + b'"}',
                                      content_type="application/json") as response:
        _json_error(response, 413, "too_large")


def test_a_page_form_over_the_limit_gets_the_error_page(small_app, people):
    client = small_app.test_client()
    log_in_as(client, "officer_a")
    with client.post("/tasks/3f2b6c1e-1111-4222-8333-944455556666", data={"csrf_token": CSRF, **_multipart(LIMIT)},
                     content_type="multipart/form-data") as response:
        assert response.status_code == 413 and response.mimetype == "text/html"
        assert "上传的内容过大（整个请求上限 64 KB），未保存任何内容" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/tasks", "/api/v1/no-such"])
def test_a_100k_url_under_api_is_a_json_414(client: FlaskClient, people, path):
    with client.get(path + LONG_QUERY) as response:
        body = _json_error(response, 414, "uri_too_long")
    assert body["details"] == {"limit": 8000} and "请求地址过长" in body["message"]
    with client.get(path + LONG_QUERY, headers={"Accept-Language": "en"}) as response:
        assert "too long" in _json_error(response, 414, "uri_too_long")["message"]


@pytest.mark.parametrize("path", ["/inbox", "/login", "/no-such-page"])
def test_a_100k_url_on_a_page_gets_the_error_page(client: FlaskClient, people, path):
    with client.get(path + LONG_QUERY) as response:
        assert response.status_code == 414 and response.mimetype == "text/html"
        assert "请求地址过长（上限 8,000 字节）" in response.get_data(as_text=True)


def test_the_url_limit_is_configurable(database, people, tmp_path):
    app = create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": str(tmp_path / "web"),
                      "SECRET_KEY": "test-secret-key", "MAX_URL_BYTES": 200})
    client = app.test_client()
    assert client.get("/api/v1/tasks?text=" + "a" * 150).status_code == 401  # under the limit: on to authentication
    assert client.get("/api/v1/tasks?text=" + "a" * 250).status_code == 414
