"""Helpers shared by the API views: bodies, query parameters, paging, serialization, auth.

Bodies are JSON objects of at most `MAX_JSON_BYTES`, nested at most `MAX_JSON_DEPTH` deep,
with no unknown top-level fields. Query parameters are checked too: unknown ones are a 400,
so a typo in a filter never silently returns everything.
"""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from typing import Any, TypeVar

from flask import Response, g, request

import engine
from webui import auth_tokens
from webui.api.errors import ApiError, bad_request, json_dump

MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_INT_DIGITS = 4300  # Python's own limit for turning text into an int
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000
PAGING_PARAMS = ("limit", "offset")
_INTEGER = re.compile(r"^-?[0-9]{1,12}$")

F = TypeVar("F", bound=Callable[..., Any])


# --- documentation metadata (read by webui.api.openapi) ---------------------------------------

def doc(*, summary: str | None = None, body: dict[str, Any] | None = None, body_type: str = "application/json",
        query: Sequence[tuple[str, str, str]] = (), responses: dict[int, str] | None = None, paged: bool = False,
        public: bool = False, tag: str | None = None, multipart: dict[str, Any] | None = None) -> Callable[[F], F]:
    """Attach OpenAPI facts to a view: `query` is (name, type, description) triples; `multipart` the schema of a
    `multipart/form-data` body accepted besides the JSON one."""
    def wrap(view: F) -> F:
        view._api_doc = {  # type: ignore[attr-defined]
            "summary": summary, "body": body, "body_type": body_type, "query": list(query),
            "responses": responses or {}, "paged": paged, "public": public, "tag": tag, "multipart": multipart,
        }
        return view
    return wrap


# --- serialization --------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """Dataclasses, datetimes, sets and tuples as JSON-ready values (datetimes ISO 8601, UTC)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = json_dump(plain(value), status)
    response.headers["Cache-Control"] = "no-store"
    for name, header in (headers or {}).items():
        response.headers[name] = header
    return response


def page_response(page: engine.Page) -> Response:
    return json_response({"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset,
                          "next_offset": page.next_offset})


def list_response(items: Sequence[Any], limit: int, offset: int) -> Response:
    """Page a list the engine returns whole."""
    return page_response(engine.Page(tuple(items[offset:offset + limit]), len(items), limit, offset))


# --- JSON bodies -----------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _OutOfRange(ValueError):
    """A number JSON can write but no database column or JSON reader can hold (1e400, a 5,000-digit integer)."""


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _OutOfRange(text[:40])
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _OutOfRange(text[:40] + "…")
    return int(text)


def _storable(text: str) -> bool:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogates (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _inspect(value: Any) -> tuple[int, bool]:
    """(nesting depth, every string and key storable) of a parsed JSON value."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            for key, inner in item.items():
                if not _storable(key):
                    return deepest, False
                stack.append((inner, level + 1))
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item)
        elif isinstance(item, str) and not _storable(item):
            return deepest, False
    return deepest, True


def _is_json_type() -> bool:
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def json_body(fields: Iterable[str] | None = None, *, optional: bool = False) -> Any:
    """The request's JSON body; with `fields`, a JSON object with only those top-level keys.

    Raises ApiError: 415 (not JSON), 413 (over MAX_JSON_BYTES), 400 (malformed, too deep,
    not an object, unknown fields), 422 (NUL or a lone surrogate in text, a number out of range).
    """
    if optional and not has_body():
        return {}
    if not _is_json_type():
        raise ApiError(415, "unsupported_media_type", "请求体必须是 application/json",
                       "The request body must be application/json", {"content_type": request.mimetype or None})
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise ApiError(413, "too_large", "JSON 请求体过大", "JSON body too large", {"limit": MAX_JSON_BYTES})
    raw = request.stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "too_large", "JSON 请求体过大", "JSON body too large", {"limit": MAX_JSON_BYTES})
    value = parse_json(raw)
    if fields is None:
        return value
    return only_fields(value, fields)


def parse_json(raw: bytes) -> Any:
    """JSON text as a value: 400 when malformed or too deep, 422 for NUL, lone surrogates, out-of-range numbers."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float,
                           parse_int=_bounded_int)
    except _OutOfRange as err:
        raise ApiError(422, "out_of_range", "数字超出可保存的范围", "A number is out of the range that can be stored",
                       {"number": str(err)}) from err
    except RecursionError as err:
        raise bad_request("JSON 嵌套过深", "JSON nested too deeply", {"max_depth": MAX_JSON_DEPTH}) from err
    except (UnicodeDecodeError, ValueError) as err:
        raise ApiError(400, "malformed_json", "请求体不是有效的 JSON", "The request body is not valid JSON",
                       {"reason": str(err)[:200]}) from err
    depth, storable = _inspect(value)
    if depth > MAX_JSON_DEPTH:
        raise bad_request("JSON 嵌套过深", "JSON nested too deeply", {"max_depth": MAX_JSON_DEPTH})
    if not storable:
        raise ApiError(422, "invalid_text", "文本含有 NUL 字符或无效的 Unicode", "Text contains NUL characters or invalid Unicode")
    return value


def only_fields(value: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The body as a JSON object with only the given top-level keys (400 otherwise)."""
    if not isinstance(value, dict):
        raise bad_request("请求体必须是 JSON 对象", "The request body must be a JSON object")
    allowed = set(fields)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ApiError(400, "unknown_fields", f"未知字段：{', '.join(unknown)}", f"Unknown field(s): {', '.join(unknown)}",
                       {"unknown": unknown, "allowed": sorted(allowed)})
    return value


def object_field(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{name} 必须是 JSON 对象", f"{name} must be a JSON object", {"field": name})
    return value


def string_field(body: dict[str, Any], name: str, *, required: bool = False, max_length: int = 10_000) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"缺少字段：{name}", f"Missing field: {name}", {"field": name})
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise bad_request(f"{name} 必须是不超过 {max_length} 字的字符串", f"{name} must be a string of at most {max_length} characters",
                          {"field": name})
    return value


def int_field(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31:
        raise bad_request(f"{name} 必须是非负整数", f"{name} must be a non-negative integer", {"field": name})
    return value


# --- query parameters ------------------------------------------------------------------------

def check_query(allowed: Iterable[str]) -> None:
    """400 for query parameters the endpoint does not know, or given twice."""
    check_names(request.args, allowed, "unknown_parameters", ("参数", "Parameter"))


def check_names(given: Any, allowed: Iterable[str], code: str, what: tuple[str, str]) -> None:
    """400 for names in the multidict `given` (query or form parts) that are not `allowed`, or given twice;
    `what` names them (Chinese, English) in the message and `code` is the error for unknown names."""
    names = set(allowed)
    unknown = sorted("" if k is None else str(k) for k in set(given) - names)  # a multipart part may have no name
    if unknown:
        raise ApiError(400, code, f"未知{what[0]}：{', '.join(unknown)}", f"Unknown {what[1].lower()}(s): {', '.join(unknown)}",
                       {"unknown": unknown, "allowed": sorted(names)})
    repeated = sorted(str(k) for k in given if len(given.getlist(k)) > 1)
    if repeated:
        raise bad_request(f"{what[0]}重复：{', '.join(repeated)}", f"{what[1]} given more than once: {', '.join(repeated)}",
                          {"repeated": repeated})


def query_str(name: str, *, max_length: int = 200) -> str | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_length or not _storable(value):
        raise bad_request(f"参数 {name} 无效", f"Invalid parameter {name}", {"parameter": name})
    return value


def query_int(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = 2**31) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = int(raw) if _INTEGER.match(raw) else None
    if value is None or not minimum <= value <= maximum:
        raise bad_request(f"参数 {name} 必须是 {minimum}–{maximum} 的整数", f"Parameter {name} must be an integer {minimum}–{maximum}",
                          {"parameter": name})
    return value


def query_bool(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise bad_request(f"参数 {name} 必须是 true 或 false", f"Parameter {name} must be true or false", {"parameter": name})


def query_datetime(name: str) -> datetime | None:
    raw = query_str(name, max_length=64)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as err:
        raise bad_request(f"参数 {name} 必须是 ISO 8601 时间", f"Parameter {name} must be an ISO 8601 date-time",
                          {"parameter": name}) from err
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def query_choice(name: str, choices: Sequence[str], default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise bad_request(f"参数 {name} 只能是：{', '.join(choices)}", f"Parameter {name} must be one of: {', '.join(choices)}",
                          {"parameter": name, "allowed": list(choices)})
    return raw


def paging() -> tuple[int, int]:
    limit = query_int("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    offset = query_int("offset", 0, minimum=0, maximum=MAX_OFFSET)
    assert limit is not None and offset is not None
    return limit, offset


# --- authentication --------------------------------------------------------------------------

def _unauthenticated(zh: str, en: str, reason: str) -> ApiError:
    return ApiError(401, "unauthenticated", zh, en, {"reason": reason}, {"WWW-Authenticate": 'Bearer realm="safeloop"'})


def authenticate_request() -> engine.Actor:
    """The actor of the request's bearer token (401 ApiError otherwise); sets g.actor."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("需要 Authorization: Bearer 令牌", "An Authorization: Bearer token is required", "missing")
    if len(token) > 4096:
        raise _unauthenticated("令牌无效", "Invalid token", "invalid")
    try:
        claims, actor = auth_tokens.tokens().verify_actor(token)  # revocation and actor: one unit of work
    except auth_tokens.TokenInvalid as err:
        zh = {"expired": "令牌已过期", "revoked": "令牌已被吊销"}.get(err.reason, "令牌无效")
        en = {"expired": "The token has expired", "revoked": "The token has been revoked"}.get(err.reason, "Invalid token")
        raise _unauthenticated(zh, en, err.reason) from err
    if actor is None:
        raise _unauthenticated("用户不存在或已停用", "Unknown or disabled user", "user_inactive")
    g.actor, g.token_claims = actor, claims
    return actor


def actor() -> engine.Actor:
    return g.actor  # type: ignore[no-any-return]


def require_role(*roles: str) -> engine.Actor:
    """The actor, if they hold one of the roles; 403 otherwise."""
    current = actor()
    if not current.has(*roles):
        raise ApiError(403, "forbidden", f"需要角色：{' / '.join(roles)}", f"Requires role: {' / '.join(roles)}",
                       {"required_roles": list(roles)})
    return current
