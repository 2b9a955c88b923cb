"""Reminders and escalations become in-app notifications and e-mails / webhooks that retry on failure."""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

import engine
from engine.runtime import notifications, timers
from engine.runtime.db import unit_of_work
from engine.runtime.models import Delivery, User


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 - aiosmtpd's handler API
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SAFELOOP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SAFELOOP_SMTP_PORT", str(port))
    yield inbox
    controller.stop()


def _set_email(username: str, email: str) -> None:
    with unit_of_work() as s:
        s.scalar(select(User).where(User.username == username)).email = email


def test_reminder_reaches_the_inbox_and_an_email(review, people, clock, smtp):
    _set_email("officer_a", "officer_a@example.test")
    _set_email("officer_a2", "officer_a2@example.test")
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "提醒", "spawn": False})
    clock.advance(days=2, minutes=1)
    fired, sent = timers.sweep()
    assert (fired, sent) == (1, 2)  # unassigned: both officers of enterprise A are candidates
    assert notifications.unread_count(people["officer_a"]) == 1
    assert notifications.unread_count(people["officer_b"]) == 0
    [note] = notifications.list_for(people["officer_a"])
    assert note.kind == "reminder" and note.instance_id == case.id
    assert sorted(m[1][0] for m in smtp.messages) == ["officer_a2@example.test", "officer_a@example.test"]
    assert notifications.mark_read(people["officer_a"]) == 1
    assert notifications.unread_count(people["officer_a"]) == 0


def test_escalation_notifies_the_next_role_in_the_chain(review, people, clock):
    engine.start_instance(people["officer_a"], "review", {"case_title": "逾期", "spawn": False})
    clock.advance(days=3, minutes=1)
    timers.fire_due()
    # enterprise officer → bureau_inspector of the case's industry (catering), not the oil inspector
    assert notifications.unread_count(people["inspector_catering"]) >= 1
    assert notifications.unread_count(people["inspector_oil"]) == 0
    clock.advance(days=1)
    timers.sweep()
    # level 2: the section chief, a leader, hears through the day's digest rather than a note per task
    [digest] = notifications.list_for(people["chief"])
    assert digest.kind == "digest" and digest.details[0]["level"] == 2


def test_failing_channel_is_retried_and_never_blocks_the_engine(review, people, clock, monkeypatch):
    monkeypatch.setenv("SAFELOOP_WEBHOOK_URL", f"http://127.0.0.1:{_free_port()}/nobody-listens")
    engine.start_instance(people["officer_a"], "review", {"case_title": "重试", "spawn": False})
    clock.advance(days=2, minutes=1)
    fired, sent = timers.sweep()
    assert (fired, sent) == (1, 0)
    with unit_of_work(write=False) as s:
        rows = list(s.scalars(select(Delivery)))
    assert rows and all(r.status == "pending" and r.attempts == 1 and r.last_error for r in rows)
    for _ in range(notifications.MAX_DELIVERY_ATTEMPTS):
        clock.advance(hours=2)
        notifications.deliver_pending()
    with unit_of_work(write=False) as s:
        assert {r.status for r in s.scalars(select(Delivery))} == {"failed"}
    assert notifications.unread_count(people["officer_a"]) == 1


def test_timer_never_fires_early_by_the_system_clock(review, people, clock):
    engine.start_instance(people["officer_a"], "review", {"case_title": "时钟", "spawn": False})
    clock.advance(days=1)
    assert timers.fire_due() == 0
    assert clock.now() - timedelta(days=1) < clock.now()


def test_webhook_receives_the_notification_as_json(review, people, clock, monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("SAFELOOP_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
        case = engine.start_instance(people["officer_a"], "review", {"case_title": "钩子", "spawn": False})
        clock.advance(days=2, minutes=1)
        fired, sent = timers.sweep()
        assert (fired, sent) == (1, 2)
        assert {r["to"] for r in received} == {"officer_a", "officer_a2"}
        assert all(r["kind"] == "reminder" and r["instance_id"] == case.id for r in received)
    finally:
        server.shutdown()
        server.server_close()
