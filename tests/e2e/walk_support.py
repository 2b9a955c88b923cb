"""Helpers the browser walks share: the app served on a loopback port, one logged-in browser context per user,
form filling, taking and completing tasks, and small evidence images. Users log in with `PASSWORD`."""
from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

import engine
from engine.campaign import bootstrap
from engine.runtime import schema
from tests.e2e.conftest import VIEWPORTS

PASSWORD = "walk-password-1"


def png(rgb: tuple[int, int, int], size: int = 48) -> bytes:
    """A small solid-colour PNG (an evidence photo stand-in)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def attach(page: Any, field: str, *names: str) -> None:
    """Choose evidence photos for a file field."""
    files = [{"name": n, "mimeType": "image/png", "buffer": png((30 + 60 * i, 120, 90))} for i, n in enumerate(names)]
    page.set_input_files(f"input[name='{field}__upload']", files)


class Walker:
    """One browser context per user; records console errors."""

    def __init__(self, browser: Any, base: str, errors: list[str]) -> None:
        self.browser, self.base, self.errors = browser, base, errors
        self.contexts: list[Any] = []

    def as_user(self, username: str) -> Any:
        context = self.browser.new_context(locale="zh-CN", viewport=VIEWPORTS["desktop"])
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.goto(f"{self.base}/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_url("**/inbox")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def chinese_shots(page: Any, stem: str, settle_ms: int = 0) -> None:
    """Fail unless the page reads in Chinese only (the zh-CN crawl's rule), then save full-page screenshots
    `<stem>-1366.png` and `<stem>-390.png`; the page is left at desktop width."""
    from tests.e2e.conftest import SCREENSHOTS
    from tests.e2e.test_zh_crawl import SIZES, VISIBLE_TEXT, latin_words
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert latin_words(page.evaluate(VISIBLE_TEXT)) == set(), page.url
    for size in ("desktop", "phone"):
        page.set_viewport_size(SIZES[size])
        if settle_ms:
            page.wait_for_timeout(settle_ms)
        page.screenshot(path=str(SCREENSHOTS / f"{stem}-{SIZES[size]['width']}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def fill(page: Any, values: dict[str, Any]) -> None:
    """Fill form fields by name: selects, checkboxes, and text/date/number inputs."""
    for name, value in values.items():
        field = page.locator(f"[name='{name}']").first
        tag = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.startswith("select"):
            field.select_option(str(value))
        elif tag == "input:checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(str(value))


def take(page: Any, base: str, task_name: str) -> None:
    """Claim the named task from the 可认领 tab and open it."""
    page.goto(f"{base}/inbox?tab=candidate")
    card = page.locator(".task-card", has_text=task_name).first
    card.get_by_role("button", name="认领").click()
    page.wait_for_url("**/inbox?tab=candidate*")
    page.goto(f"{base}/inbox")
    page.locator(".task-card", has_text=task_name).first.get_by_role("link", name=task_name).click()
    page.wait_for_selector("form.task-form")


def complete(page: Any, values: dict[str, Any]) -> None:
    fill(page, values)
    page.get_by_role("button", name="完成办理").click()
    page.wait_for_url("**/cases/*")


@contextmanager
def serving_walk(data_dir: Path, secret: str = "walk") -> Iterator[str]:
    """Serve the app over the engine already configured on `data_dir` (see `fresh_database`); yields its base URL and
    lets go of the database afterwards."""
    from engine.runtime import db
    from webui import create_app
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir / "web"), "SECRET_KEY": secret, "ENGINE_CONFIGURED": True})
    with serving(app) as base:
        yield base
    db.dispose()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve a WSGI app on a loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def fresh_database(data_dir: Path, enterprises: dict[str, tuple[str, str]], users: dict[str, dict[str, Any]]) -> None:
    """A new SQLite database in `data_dir`: schema, roles and industries, the bundled processes, the enterprises
    (code → (name, industry)) and the users (all with `PASSWORD`)."""
    engine.configure(database_url=f"sqlite:///{data_dir / 'safeloop.db'}", data_dir=data_dir)
    schema.upgrade()
    bootstrap.load_reference_data()
    bootstrap.deploy_bundled()
    for code, (name, industry) in enterprises.items():
        engine.add_enterprise(code, name, industry)
    for name, spec in users.items():
        engine.add_user(name, password=PASSWORD, **spec)
