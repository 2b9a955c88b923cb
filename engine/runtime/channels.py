"""Delivery channels for notifications: e-mail over SMTP and a JSON webhook, configured by environment.

SAFELOOP_SMTP_HOST / SAFELOOP_SMTP_PORT (25) / SAFELOOP_SMTP_FROM / SAFELOOP_SMTP_USER / SAFELOOP_SMTP_PASSWORD /
SAFELOOP_SMTP_STARTTLS=1, and SAFELOOP_WEBHOOK_URL.

`payload["delivery_id"]` (engine/runtime/deliveries.py) is sent as an idempotency key: the webhook's `X-Safeloop-Delivery`
header and the e-mail's `Message-ID`, the same on a repeat, so that a receiver can drop a message sent twice.
"""
from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

DELIVERY_HEADER = "X-Safeloop-Delivery"


class Channel(Protocol):
    name: str

    def send(self, target: str, subject: str, body: str, payload: dict) -> None: ...


@dataclass
class EmailChannel:
    """Plain-text e-mail through an SMTP server."""

    host: str
    port: int = 25
    sender: str = "safeloop@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    name: str = "email"

    def send(self, target: str, subject: str, body: str, payload: dict) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, target, subject
        if payload.get("delivery_id") is not None:  # the same id on a repeat: a receiver can drop it
            domain = parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"
            msg["Message-ID"] = f"<safeloop-delivery-{payload['delivery_id']}@{domain}>"
        msg.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)


@dataclass
class WebhookChannel:
    """POST the notification as JSON to a URL (e.g. a bureau messaging gateway)."""

    url: str
    name: str = "webhook"

    def send(self, target: str, subject: str, body: str, payload: dict) -> None:
        data = json.dumps({"to": target, "subject": subject, "body": body, **payload}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if payload.get("delivery_id") is not None:  # an idempotency key: a repeat carries the same id
            headers[DELIVERY_HEADER] = str(payload["delivery_id"])
        request = urllib.request.Request(self.url, data=data, method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - operator-configured URL
            if response.status >= 300:
                raise OSError(f"webhook answered {response.status}")


def configured() -> dict[str, Channel]:
    """The channels the environment turns on."""
    env = os.environ
    channels: dict[str, Channel] = {}
    if env.get("SAFELOOP_SMTP_HOST"):
        channels["email"] = EmailChannel(env["SAFELOOP_SMTP_HOST"], int(env.get("SAFELOOP_SMTP_PORT", "25")),
                                         env.get("SAFELOOP_SMTP_FROM", "safeloop@localhost"), env.get("SAFELOOP_SMTP_USER"),
                                         env.get("SAFELOOP_SMTP_PASSWORD"), env.get("SAFELOOP_SMTP_STARTTLS") == "1")
    if env.get("SAFELOOP_WEBHOOK_URL"):
        channels["webhook"] = WebhookChannel(env["SAFELOOP_WEBHOOK_URL"])
    return channels
