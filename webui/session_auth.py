"""Login sessions and CSRF protection for the web pages (the JSON API uses bearer tokens instead).

The signed session cookie carries only the username; the actor (roles, enterprise, industries)
is read from the engine on every request, so a disabled user or a changed role takes effect at
once. Every state-changing page request (POST/PUT/PATCH/DELETE outside `/api/`) must carry the
session's CSRF token, as the hidden form field `csrf_token` or the `X-CSRFToken` header (htmx). The tokens are
Flask-WTF's (`CSRFProtect`: a random value in the session, sent signed with the app's secret key); they last as
long as the session (a form left open over lunch still posts) and a login starts a new one.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

import engine

USER_KEY = "user"
CSRF_FIELD = "csrf_token"  # the form field, and Flask-WTF's session key
CSRF_HEADER = "X-CSRFToken"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Probes answer for the process, never for a user: they must not read the user (the database) even when a
# logged-in browser sends its cookie, or an outage would turn their JSON into the HTML 503 page.
PROBE_PATHS = ("/healthz", "/readyz", "/metrics")
# Paths that neither load the session's user nor check CSRF (the API uses bearer tokens).
EXEMPT_PREFIXES = ("/api/", "/static/", *PROBE_PATHS)

F = TypeVar("F", bound=Callable[..., Any])


csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Flask-WTF's CSRF protection, checked by `csrf_valid` from the pages' own before-request hook (so `/api/`,
    static files and probes stay exempt by prefix, and a refusal is our error page, not Flask-WTF's)."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # as long as the session
    app.config.setdefault("WTF_CSRF_FIELD_NAME", CSRF_FIELD)
    app.config.setdefault("WTF_CSRF_HEADERS", [CSRF_HEADER, "X-CSRF-Token"])
    csrf.init_app(app)


def csrf_token() -> str:
    """The CSRF token for this session's forms (created on first use)."""
    return cast(str, generate_csrf())


def csrf_valid() -> bool:
    """True when the request carries a valid CSRF token for this session."""
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def needs_csrf() -> bool:
    """A state-changing page request (the JSON API, static files and probes are exempt)."""
    return request.method in UNSAFE_METHODS and not request.path.startswith(EXEMPT_PREFIXES)


def load_actor() -> None:
    """Put the logged-in user's actor on `g.actor` (None when nobody is logged in)."""
    g.actor = None
    username = session.get(USER_KEY)
    if not username or request.path.startswith(EXEMPT_PREFIXES):
        return
    try:
        g.actor = engine.get_actor(username)
    except engine.NotAuthenticated:
        session.pop(USER_KEY, None)  # the user was disabled or removed: the session ends


def log_in(actor: engine.Actor) -> None:
    """Start a fresh session for `actor` (a new CSRF token; the language choice is kept)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[USER_KEY] = actor.username
    g.pop(CSRF_FIELD, None)  # the next form gets a token of the new session
    g.actor = actor


def log_out() -> None:
    """End the session (the language choice is kept)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.actor = None


def current_actor() -> engine.Actor | None:
    """The logged-in actor of this request, if any."""
    return cast("engine.Actor | None", g.get("actor"))


def require_actor() -> engine.Actor:
    """The logged-in actor; views decorated with `login_required` may rely on it."""
    actor = current_actor()
    if actor is None:
        abort(401)
    return actor


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after login, or None (never another host)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page, then back here."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_actor() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return cast(F, wrapped)
