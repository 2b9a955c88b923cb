"""Every error under `/api` is JSON `{"error", "message", "details"}` in the caller's language.

`Accept-Language: en…` gets English; anything else (zh-CN, none) gets Chinese. Engine errors
map by their `.status`; werkzeug's HTTP errors (404, 405, 413, 400, 415…) and any unexpected
exception (500 `internal_error`, logged, never a traceback) get the same shape.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

import engine
from webui import request_limits

log = logging.getLogger("safeloop.api")

API_PREFIX = "/api/"

# Code and bilingual text for the HTTP errors werkzeug raises itself.
HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求无效", "Bad request"),
    401: ("unauthenticated", "需要登录令牌", "Authentication required"),
    403: ("forbidden", "无权执行此操作", "Forbidden"),
    404: ("not_found", "没有这个资源", "No such resource"),
    405: ("method_not_allowed", "该资源不支持此方法", "Method not allowed on this resource"),
    406: ("not_acceptable", "无法提供所请求的格式", "Not acceptable"),
    409: ("conflict", "与当前状态冲突", "Conflict with the current state"),
    411: ("length_required", "需要 Content-Length", "Content-Length required"),
    413: ("too_large", "请求体过大", "Request body too large"),
    414: ("uri_too_long", "请求地址过长", "Request URI too long"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported content type"),
    422: ("validation_failed", "数据未通过校验", "Validation failed"),
    429: ("too_many_requests", "尝试次数过多，请稍后再试", "Too many attempts; try again later"),
    431: ("headers_too_large", "请求头过大", "Request headers too large"),
    500: ("internal_error", "服务器内部错误", "Internal server error"),
    503: ("unavailable", "服务暂不可用", "Service unavailable"),
}


class ApiError(Exception):
    """An error raised by an API view: status, code, bilingual message, details."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message_en)
        self.status, self.code = status, code
        self.message_zh, self.message_en, self.details = message_zh, message_en, details
        self.headers = headers or {}


def bad_request(zh: str, en: str, details: Any = None) -> ApiError:
    return ApiError(400, "bad_request", zh, en, details)


def forbidden(zh: str = "无权执行此操作", en: str = "You may not do this") -> ApiError:
    return ApiError(403, "forbidden", zh, en)


def json_dump(value: Any, status: int = 200) -> Response:
    """A JSON response, UTF-8 as is (Chinese stays readable), fields in their given order."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return current_app.response_class(body + "\n", status=status, mimetype="application/json")


def wants_english() -> bool:
    """The caller's language: the first Accept-Language tag decides; Chinese by default."""
    for tag, _quality in request.accept_languages:
        primary = tag.strip().replace("_", "-").split("-")[0].lower()
        if primary in ("en", "zh"):
            return primary == "en"
    return False


def error_response(status: int, code: str, message_zh: str, message_en: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    response = json_dump({"error": code, "message": message_en if wants_english() else message_zh, "details": details},
                         status)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _engine_error(err: engine.EngineError) -> Response:
    return error_response(err.status, err.code, err.message_zh, err.message_en, err.details)


def _api_error(err: ApiError) -> Response:
    return error_response(err.status, err.code, err.message_zh, err.message_en, err.details, err.headers)


def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    code, zh, en = HTTP_MESSAGES.get(status, (f"http_{status}", "请求失败", err.name or "Error"))
    headers = {}
    if status == 405 and err.response is None:
        allowed = getattr(err, "valid_methods", None)
        if allowed:
            headers["Allow"] = ", ".join(sorted(allowed))
    if status in request_limits.MESSAGES:  # 413, 414: say the limit, so that a client can adapt
        return error_response(status, code, request_limits.message(status, False), request_limits.message(status, True),
                              {"limit": request_limits.limit(status)})
    return error_response(status, code, zh, en, None, headers)


def _unexpected(err: Exception) -> Response:
    if isinstance(err, HTTPException):
        return _http_error(err)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, *HTTP_MESSAGES[500])


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def install(bp: Blueprint) -> None:
    """JSON errors for the blueprint's views, and for unmatched URLs under /api (app level)."""
    bp.register_error_handler(engine.EngineError, _engine_error)
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)
    bp.record_once(lambda state: _install_app_handlers(state.app))


def _install_app_handlers(app: Flask) -> None:
    # Unmatched URLs (404/405) belong to no blueprint: only app-level handlers see them. Each
    # handler here answers JSON for /api paths and defers to whatever was registered before.
    spec = app.error_handler_spec[None]
    previous_class = spec[None].get(HTTPException)
    app.register_error_handler(HTTPException, _deferring(previous_class))
    for code in list(spec):
        if code is None:
            continue
        for exc_class, handler in list(spec[code].items()):
            app.register_error_handler(exc_class, _deferring(handler))


def _deferring(previous: Any) -> Any:
    def handler(err: HTTPException) -> Any:
        if _is_api_request():
            return _http_error(err)
        return previous(err) if previous is not None else err
    return handler
