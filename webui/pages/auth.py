"""Log in and out; the per-request hooks that load the actor and check CSRF on page forms."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from webui import session_auth
from webui.pages import common
from webui.pages.throttle import Throttle

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: common.init_templates(state.app))

# Failed logins per address: 10 in 10 minutes, then wait (argon2 is slow, but guessing is slower still).
login_failures = Throttle(limit=10, window_seconds=600)


@bp.before_app_request
def _before() -> ResponseReturnValue | None:
    session_auth.load_actor()
    if session_auth.needs_csrf() and not session_auth.csrf_valid():
        return error_page(400, _("The form had expired or did not come from this site. Go back, reload the page and try again."))
    if request.path == "/" and session_auth.current_actor() is not None:
        return redirect(url_for("inbox.index"))
    return None


@bp.app_context_processor
def _context() -> dict[str, Any]:
    return {"csrf_token": session_auth.csrf_token, "actor": session_auth.current_actor(),
            "actor_enterprise": _actor_enterprise}


def _actor_enterprise() -> str | None:
    actor = session_auth.current_actor()
    if actor is None or not actor.enterprise_code:
        return None
    if "sl_enterprise" not in g:
        page = engine.list_enterprises(actor, limit=1)
        g.sl_enterprise = page.items[0].name if page.items else actor.enterprise_code
    return g.sl_enterprise  # type: ignore[no-any-return]


def error_page(status: int, message: str) -> tuple[str, int]:
    """A page that says what went wrong, with the status code."""
    return render_template("pages/error.html", status=status, message=message), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_url = session_auth.safe_next(request.values.get("next"))
    if request.method == "GET":
        if session_auth.current_actor() is not None:
            return redirect(next_url or url_for("inbox.index"))
        return render_template("pages/login.html", next_url=next_url, username="", error=None)
    return _attempt_login(next_url)


def _attempt_login(next_url: str | None) -> ResponseReturnValue:
    username = (request.form.get("username") or "").strip()[:80]
    password = request.form.get("password") or ""
    address = request.remote_addr or "unknown"
    if login_failures.blocked(address):
        error = _("Too many failed logins from this address. Wait a few minutes and try again.")
        return render_template("pages/login.html", next_url=next_url, username=username, error=error), 429
    try:
        actor = engine.authenticate(username, password)
    except engine.NotAuthenticated:
        login_failures.hit(address)
        error = _("Wrong username or password. Check both and try again.")
        return render_template("pages/login.html", next_url=next_url, username=username, error=error), 401
    session_auth.log_in(actor)
    flash(_("Welcome, %(name)s.", name=actor.display_name or actor.username), "success")
    return redirect(next_url or url_for("inbox.index"))


@bp.post("/logout")
def logout() -> Response:
    session_auth.log_out()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
