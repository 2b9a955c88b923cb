"""One rule for text in query strings and posted forms, pages and API alike: no NUL character.

PostgreSQL text cannot hold NUL (the insert fails: a 500), SQLite stores it and other tools cut the text
there; so it is refused with 422 before any view runs, on both databases. (JSON bodies are checked, with
lone surrogates and out-of-range numbers, in `webui.api.common.json_body`.)
"""
from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue

from . import i18n
from .api.errors import API_PREFIX, error_response

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MESSAGE = ("输入含有 NUL 字符（\\0），无法保存，请删除后重试",
           "The input contains a NUL character (\\0), which cannot be stored; remove it and try again")


def _first_nul_field() -> str | None:
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORM_TYPES:
        sources.append(request.form)
    for source in sources:
        for key, values in source.lists():  # a multipart part without a name has the key None
            name = key if isinstance(key, str) else ""
            if "\x00" in name or any(isinstance(value, str) and "\x00" in value for value in values):
                return name.replace("\x00", "\\0")[:100]
    return None


def refuse_nul() -> ResponseReturnValue | None:
    """before_request: 422 when a query or form field holds NUL (JSON for /api, the error page otherwise)."""
    field = _first_nul_field()
    if field is None:
        return None
    if request.path.startswith(API_PREFIX):
        return error_response(422, "invalid_text", *MESSAGE, {"field": field})
    message = MESSAGE[1] if i18n.current_locale() == "en" else MESSAGE[0]
    return render_template("pages/error.html", status=422, message=message), 422


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)
