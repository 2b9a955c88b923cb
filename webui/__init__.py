"""The Safeloop web UI: the Flask app factory.

`create_app()` builds the app: configuration from the environment (overridable by the
`config` argument), Flask-Babel, security headers on every response, `/healthz`, a 503 page with
`Retry-After` when the database is unreachable (the API answers the same as JSON), and every
blueprint found in `webui.pages` and `webui.api` (see `register_blueprints`).
This module never imports SpiffWorkflow; views reach the engine through `engine` only.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import secrets
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template
from sqlalchemy.exc import InterfaceError, OperationalError

import engine
from engine.operations import logs_configure
from engine.runtime import RETRY_AFTER_SECONDS, DatabaseUnavailable, is_unavailable
from webui import i18n, input_guard, request_limits, session_auth

log = logging.getLogger("safeloop.web")

# Packages whose modules may define a module-level `bp: Blueprint`; each one found is
# registered, in module-name order. Add a page by adding a module: no list to edit.
BLUEPRINT_PACKAGES = ("webui.pages", "webui.api")

# Scripts only from our own origin: every script is a static file (no inline code, no eval).
# Styles allow inline: bpmn-js and its properties panel write style attributes (icons, panel
# layout); our own templates and CSS use none. Injected markup cannot run script either way.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the Safeloop web app; `config` overrides the environment-derived settings."""
    app = Flask(__name__)
    app.config.from_mapping(_config_from_environment())
    app.config.update(config or {})
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _persistent_secret_key(Path(app.config["DATA_DIR"]))
    if not app.config.get("ENGINE_CONFIGURED"):
        engine.configure(database_url=app.config.get("DATABASE_URL"), data_dir=app.config["DATA_DIR"])
    if os.environ.get("SAFELOOP_LOG_FORMAT"):  # unset: leave logging to the host (gunicorn, pytest)
        logs_configure()
    i18n.init_app(app)
    session_auth.init_app(app)
    request_limits.init_app(app)  # before input_guard: a 100 KB query string is refused before it is read
    input_guard.init_app(app)
    app.after_request(_add_security_headers)
    app.after_request(_add_retry_after)
    app.register_error_handler(DatabaseUnavailable, _database_unavailable)
    for raw in (OperationalError, InterfaceError):
        app.register_error_handler(raw, _database_unavailable)
    register_blueprints(app)
    _register_core_routes(app)
    return app


def _config_from_environment() -> dict[str, Any]:
    env = os.environ
    return {
        "DATA_DIR": env.get("SAFELOOP_DATA_DIR", str(Path.cwd() / "var")),
        "SECRET_KEY": env.get("SAFELOOP_SECRET_KEY"),
        "BABEL_DEFAULT_TIMEZONE": env.get("SAFELOOP_TIMEZONE", "Asia/Shanghai"),
        "MAX_CONTENT_LENGTH": int(env.get("SAFELOOP_MAX_UPLOAD_MB", "25")) * 1024 * 1024,
        "MAX_URL_BYTES": int(env.get("SAFELOOP_MAX_URL_BYTES", str(request_limits.DEFAULT_MAX_URL_BYTES))),
        "SESSION_COOKIE_NAME": "safeloop_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SAFELOOP_SECURE_COOKIES", "0") == "1",
        "CONTENT_SECURITY_POLICY": CONTENT_SECURITY_POLICY,
    }


def _persistent_secret_key(data_dir: Path) -> str:
    # Without SAFELOOP_SECRET_KEY, keep one key per data dir so sessions survive restarts
    # and every worker sharing the data dir signs cookies alike. Written aside and linked
    # into place, so a worker starting at the same moment never reads a half-written key.
    path = data_dir / "secret_key"
    if not path.exists():
        draft = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker won the race; use its key
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def _add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _add_retry_after(response: Response) -> Response:
    # Every 503 (database down, migrations pending) is temporary: tell clients when to come back.
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response


def _database_unavailable(err: Exception) -> tuple[str, int] | Response:
    """The error page, 503, when the database refused or dropped the connection (the API answers JSON itself)."""
    if not is_unavailable(err):
        raise err  # a bug (bad SQL, missing table), not an outage: the usual 500
    unavailable = err if isinstance(err, DatabaseUnavailable) else DatabaseUnavailable(err)
    log.warning("database unavailable: %s", getattr(unavailable.cause, "orig", unavailable.cause))
    message = unavailable.message_en if i18n.current_locale() == "en" else unavailable.message_zh
    g.actor = None  # render without the user's menu: it would ask the database again
    try:
        return render_template("pages/error.html", status=503, message=message), 503
    except Exception:  # noqa: BLE001 - the page itself needed the database; plain text still tells the user
        return Response(f"{unavailable.message_zh}\n{unavailable.message_en}\n", 503, mimetype="text/plain")


def register_blueprints(app: Flask) -> list[str]:
    """Register the `bp` of every module in `BLUEPRINT_PACKAGES`; return their names.

    A package that does not exist yet is skipped. A module without a `bp` attribute
    (helpers, or children that a parent blueprint registers itself) is imported and left alone.
    """
    registered = []
    for package_name in BLUEPRINT_PACKAGES:
        for module in _package_modules(package_name):
            blueprint = getattr(module, "bp", None)
            if isinstance(blueprint, Blueprint):
                app.register_blueprint(blueprint)
                registered.append(blueprint.name)
    return registered


def _package_modules(package_name: str) -> list[ModuleType]:
    try:
        package = importlib.import_module(package_name)
    except ModuleNotFoundError as error:
        if error.name != package_name:
            raise  # the package exists but something it imports does not
        return []
    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
    return [importlib.import_module(f"{package_name}.{name}") for name in names]


def _register_core_routes(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", _healthz)
    # A placeholder home until a pages blueprint claims "/" (registered before this runs).
    if not any(rule.rule == "/" for rule in app.url_map.iter_rules()):
        app.add_url_rule("/", "welcome", _welcome)


def _healthz() -> Response:
    return jsonify(status="ok")


def _welcome() -> str:
    return render_template("base.html")
