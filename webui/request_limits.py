"""Requests too large or too long: 413 and 414, answered by the app in the caller's format.

- A body over `MAX_CONTENT_LENGTH` (`SAFELOOP_MAX_UPLOAD_MB`, 25 MB) is 413: refused before any view when its
  `Content-Length` says so, and by werkzeug when a chunked one is read past the limit.
- A URL (path and query string as sent) over `MAX_URL_BYTES` (`SAFELOOP_MAX_URL_BYTES`, default 8,000) is refused
  before any view: 414. The default sits under gunicorn's largest request line (8,190 bytes with
  `--limit-request-line 8190`), so that the app, not the server, answers; `safeloop serve` hands even the lines
  http.server cannot read (over 64 KiB) to the app (`webui.serving`), which marks them with `URI_TOO_LONG`.

Under `/api/` both are JSON in the API's error format (`webui.api.errors` answers every HTTP error there); on
pages a script that asks for JSON (the process editor's `fetch`) gets `{error, message, details}` in the page's
language, a browser the error page.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, RequestURITooLarge

from . import i18n

DEFAULT_MAX_URL_BYTES = 8000
URI_TOO_LONG = "safeloop.uri_too_long"  # environ key set by webui.serving (no HTTP header can produce a dotted key)
MESSAGES = {
    413: ("上传的内容过大（整个请求上限 {amount}），未保存任何内容；请选择较小的文件后重试",
          "The upload is too large (at most {amount} per request); nothing was saved. Choose smaller files and try again"),
    414: ("请求地址过长（上限 {amount} 字节）；请缩短查询条件后重试",
          "The address is too long (at most {amount} bytes); shorten the query and try again"),
}
CODES = {413: "too_large", 414: "uri_too_long"}


def _url_length() -> int:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    return len(raw) if raw is not None else len(request.full_path)


def refuse_oversized() -> None:
    """before_request, the first: 414 for a URL over the limit, 413 for a body declared over it (refused on any
    path, known or not, before authentication or a view reads anything)."""
    if request.environ.get(URI_TOO_LONG) or _url_length() > current_app.config["MAX_URL_BYTES"]:
        raise RequestURITooLarge()
    cap = current_app.config.get("MAX_CONTENT_LENGTH")
    if cap is not None and (request.content_length or 0) > cap:
        raise RequestEntityTooLarge()


def limit(status: int) -> int | None:
    """The limit a 413 or 414 went over, in bytes."""
    key = {413: "MAX_CONTENT_LENGTH", 414: "MAX_URL_BYTES"}.get(status)
    return current_app.config.get(key) if key else None


def message(status: int, english: bool) -> str:
    """The 413 / 414 message with its limit, in one language."""
    size = limit(status) or 0
    if status == 414:
        amount = f"{size:,}"
    else:
        amount = f"{size // 2**20} MB" if size >= 2**20 else f"{size // 2**10} KB"
    return MESSAGES[status][1 if english else 0].format(amount=amount)


def _page_error(err: HTTPException) -> ResponseReturnValue:
    status = err.code or 413
    english = i18n.current_locale() == "en"
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(error=CODES[status], message=message(status, english), details={"limit": limit(status)}), status
    return render_template("pages/error.html", status=status, message=message(status, english)), status


def init_app(app: Flask) -> None:
    """Register the URL check (call before any other before_request that reads the query) and the page answers."""
    app.config.setdefault("MAX_URL_BYTES", DEFAULT_MAX_URL_BYTES)
    app.before_request(refuse_oversized)
    for status in MESSAGES:
        app.register_error_handler(status, _page_error)
