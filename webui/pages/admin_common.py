"""Helpers shared by the process-owner and admin pages: role guards, form parsing, engine errors as JSON.

No `bp` here: `register_blueprints` imports this module and leaves it alone.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from functools import wraps
from typing import Any, TypeVar, cast

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.runtime import CHINA_TZ
from webui import session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

F = TypeVar("F", bound=Callable[..., Any])

MODELERS = ("process_owner", "admin")          # edit and deploy diagrams, migrate cases
PROCESS_READERS = ("process_owner", "admin", "auditor")
ADMIN_READERS = ("admin", "auditor")             # auditors read everything and change nothing


def roles_required(*roles: str) -> Callable[[F], F]:
    """Log in first; then 403 unless the actor holds one of `roles`."""
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not session_auth.require_actor().has(*roles):
                return error_page(403, _("Your role does not allow this page."))
            return view(*args, **kwargs)
        return cast(F, login_required(cast(F, wrapped)))
    return decorate


def actor() -> engine.Actor:
    return session_auth.require_actor()


def json_error(err: engine.EngineError) -> ResponseReturnValue:
    """An engine error as the JSON the editor scripts read: {error, message, details}."""
    return jsonify(error=err.code, message=common.error_text(err), details=err.details), err.status


def arg_date(name: str, end: bool = False) -> datetime | None:
    """A `yyyy-mm-dd` query argument as the start (or the end) of that day in China, or None."""
    text = request.args.get(name, "").strip()
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=CHINA_TZ)
    return moment


def arg_int(name: str) -> int | None:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return None


def offset() -> int:
    return max(0, arg_int("offset") or 0)


def query_args() -> dict[str, str]:
    """The current filters without the pager's offset (for the next/previous links)."""
    return {k: v for k, v in request.args.items() if k != "offset" and v}
