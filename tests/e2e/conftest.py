"""Browser-test fixtures: the app on a real loopback server, Debian's chromium via Playwright.

Browser tests are skipped when Playwright or chromium is missing, unless
SAFELOOP_REQUIRE_BROWSER=1 (CI), in which case they fail. A browser is never downloaded:
Playwright drives /usr/bin/chromium (override with SAFELOOP_CHROMIUM).

Fixtures:
    live_server     base URL of the app, served by werkzeug in a thread (session-wide)
    browser         a headless chromium (session-wide)
    page            a fresh page (zh-CN, 1280×800) in its own context; console errors recorded
    console_errors  the list of console errors and uncaught exceptions `page` has seen
    screenshot      screenshot(page, name) -> paths of `<name>-desktop.png`, `<name>-phone.png`
    walker          a walk_support.Walker (one logged-in context per user) over the module's `server` fixture
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from webui import create_app

CHROMIUM = Path(os.environ.get("SAFELOOP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VENDOR_STAMP = ROOT / "webui" / "static" / "vendor" / ".stamp"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright; never `playwright install`)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SAFELOOP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser is required (SAFELOOP_REQUIRE_BROWSER=1): {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_app_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Config for the served app: a temp data dir. Override to seed a database or demo data."""
    return {"TESTING": True, "DATA_DIR": str(tmp_path_factory.mktemp("safeloop-e2e-data"))}


def _closed_at_once(app: Any) -> Any:
    """Each response read whole and closed before it is sent. werkzeug's development server closes a response only
    after draining the socket, and a browser that drops the connection then (a cached favicon's 304) makes that read
    raise first: the static file stays open, and its ResourceWarning, raised whenever it is collected, failed
    whichever test ran at that moment. Every response here is finite (the CSV exports too)."""
    def serve(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
    return serve


@pytest.fixture(scope="session")
def live_server(live_app_config: dict[str, Any]) -> Iterator[str]:
    """Serve the app on a free loopback port in a background thread; yield its base URL."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh` (make test does)", pytrace=False)
    app = create_app(live_app_config)
    server = make_server("127.0.0.1", 0, _closed_at_once(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Debian chromium driven by Playwright."""
    reason = _browser_missing()
    if reason:
        _skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors and uncaught page exceptions seen by `page` (CSP violations included)."""
    return []


@pytest.fixture
def page(browser: Any, console_errors: list[str]) -> Iterator[Any]:
    """A fresh page in its own context (zh-CN, desktop size) that records console errors."""
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["desktop"])
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    new_page.on("console", lambda message: _record_console(message, console_errors))
    new_page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    yield new_page
    context.close()


def _record_console(message: Any, errors: list[str]) -> None:
    if message.type == "error":
        location = message.location or {}
        errors.append(f"{message.text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})")


@pytest.fixture
def screenshot() -> Callable[[Any, str], list[Path]]:
    """Return screenshot(page, name): full-page PNGs at desktop and phone width."""
    return save_screenshots


def save_screenshots(page: Any, name: str) -> list[Path]:
    """Save `<name>-desktop.png` and `<name>-phone.png` under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    paths = []
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    if original:
        page.set_viewport_size(original)
    return paths


@pytest.fixture
def walker(browser: Any, server: str) -> Iterator[Any]:
    """A Walker over the test module's own `server` fixture (the base URL of its app)."""
    from tests.e2e.walk_support import Walker
    w = Walker(browser, server, [])
    yield w
    w.close()
