"""Deliveries are leased like jobs, carry their id as an idempotency key, and end as an incident when every try fails."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

import engine
from engine.runtime import audit_search, channels, deliveries, incidents, notifications
from engine.runtime.db import unit_of_work
from engine.runtime.models import Delivery, User


class _Recorder:
    """A channel that keeps what it was asked to send."""

    name = "webhook"

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, target: str, subject: str, body: str, payload: dict) -> None:
        self.sent.append(payload["delivery_id"])


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    channel = _Recorder()
    monkeypatch.setattr(channels, "configured", lambda: {"webhook": channel})
    return channel


def _queue(n: int) -> list[int]:
    with unit_of_work() as s:
        for i in range(n):
            notifications.notify(s, ["officer_a"], "reminder", f"提醒{i}", f"Reminder {i}")
    with unit_of_work(write=False) as s:
        return list(s.scalars(select(Delivery.id).order_by(Delivery.id)))


def _rows() -> list[Delivery]:
    with unit_of_work(write=False) as s:
        return list(s.scalars(select(Delivery).order_by(Delivery.id)))


def test_two_claims_never_lease_the_same_delivery(people, recorder):
    ids = _queue(5)
    first = deliveries.claim(3, "w1")
    second = deliveries.claim(3, "w2")
    assert [m.delivery_id for m in first] + [m.delivery_id for m in second] == ids
    assert deliveries.claim(3, "w3") == []


def test_a_leased_delivery_waits_for_its_lease_then_another_worker_sends_it_once(people, clock, recorder):
    ids = _queue(2)
    [held] = deliveries.claim(1, "killed")  # leased, then the worker died before sending
    assert deliveries.deliver_pending(worker="w2") == 1  # only the one nobody holds
    clock.advance(seconds=deliveries.LEASE.total_seconds() + 1)
    assert deliveries.deliver_pending(worker="w2") == 1
    assert sorted(recorder.sent) == ids
    assert {(r.status, r.attempts, r.locked_by) for r in _rows()} == {("sent", 1, None)}
    # the killed worker, had it come back, no longer holds its lease: it sends nothing
    assert deliveries._deliver(held, channels.configured(), "killed") is False
    assert sorted(recorder.sent) == ids


def test_a_sent_delivery_is_never_claimed_again(people, clock, recorder):
    _queue(3)
    assert deliveries.deliver_pending(worker="w1") == 3
    clock.advance(days=1)
    assert deliveries.deliver_pending(worker="w2") == 0 and len(recorder.sent) == 3


def test_webhook_post_carries_the_delivery_id_as_an_idempotency_key(people, monkeypatch):
    headers: list[str | None] = []
    bodies: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's API
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            headers.append(self.headers.get("X-Safeloop-Delivery"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("SAFELOOP_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
        ids = _queue(2)
        assert deliveries.deliver_pending() == 2
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(headers) == [str(i) for i in ids]
    assert sorted(b["delivery_id"] for b in bodies) == ids


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 - aiosmtpd's handler API
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    inbox = _Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SAFELOOP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SAFELOOP_SMTP_PORT", str(port))
    monkeypatch.setenv("SAFELOOP_SMTP_FROM", "安全闭环 <notify@safeloop.example>")
    yield inbox
    controller.stop()


def test_an_email_carries_the_delivery_id_as_its_message_id(people, smtp):
    with unit_of_work() as s:
        s.scalar(select(User).where(User.username == "officer_a")).email = "officer_a@example.test"
    [delivery_id] = _queue(1)
    assert deliveries.deliver_pending() == 1
    [message] = smtp.messages
    assert f"Message-ID: <safeloop-delivery-{delivery_id}@safeloop.example>" in message


def test_a_delivery_that_fails_every_try_is_an_incident_an_admin_can_retry(people, clock, monkeypatch, recorder):
    [delivery_id] = _queue(1)
    monkeypatch.setattr(channels, "configured", lambda: {})  # the webhook was switched off after queueing
    for _ in range(deliveries.MAX_ATTEMPTS):
        deliveries.deliver_pending()
        clock.advance(hours=2)
    [row] = _rows()
    assert (row.status, row.attempts, row.locked_by) == ("failed", deliveries.MAX_ATTEMPTS, None)
    [failed] = incidents.list_incidents(people["auditor"]).deliveries
    assert (failed.id, failed.channel, failed.target) == (delivery_id, "webhook", "officer_a")
    assert "not configured" in (failed.last_error or "")
    assert audit_search.list_audit(people["auditor"], action="delivery.failed").total == 1
    with pytest.raises(engine.Forbidden):
        incidents.retry_delivery(people["auditor"], delivery_id)

    incidents.retry_delivery(people["admin"], delivery_id)
    monkeypatch.setattr(channels, "configured", lambda: {"webhook": recorder})
    assert deliveries.deliver_pending() == 1 and recorder.sent == [delivery_id]
    assert incidents.list_incidents(people["admin"]).deliveries == ()
    with pytest.raises(engine.Conflict):
        incidents.retry_delivery(people["admin"], delivery_id)
