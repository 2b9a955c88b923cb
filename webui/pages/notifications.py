"""Notifications (提醒): reminders, overdue notices, escalations and leaders' daily digests, with the unread count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from engine.runtime import Notification, notifications_list_for, notifications_mark_read, unread_count
from webui import session_auth
from webui.i18n import current_locale
from webui.pages import common
from webui.session_auth import login_required

bp = Blueprint("notifications", __name__)


@dataclass(frozen=True)
class DigestLine:
    """One overdue task in a leader's daily digest."""

    href: str
    case: str
    step: str
    assignee: str
    days_overdue: int
    level: int


@dataclass(frozen=True)
class Item:
    id: int
    kind: str
    title: str
    created_at: datetime
    read: bool
    href: str | None
    lines: tuple[DigestLine, ...] = ()


def _item(note: Notification) -> Item:
    href = (url_for("task.show", task_id=note.task_id) if note.task_id
            else url_for("cases.show", instance_id=note.instance_id) if note.instance_id else None)
    title = note.title_en if current_locale() == "en" else note.title_zh
    lines = tuple(_line(d) for d in note.details or ())
    return Item(note.id, note.kind, title, note.created_at, note.read_at is not None, href, lines)


def _line(item: dict[str, Any]) -> DigestLine:
    return DigestLine(url_for("cases.show", instance_id=item["instance_id"]), f"#{item['instance_id']} {item['case']}",
                      str(item["step"]), item.get("assignee") or common.role_name(item.get("role")),
                      int(item.get("days_overdue", 0)), int(item.get("level", 0)))


def unread() -> int:
    """The logged-in user's unread notifications (once per request; 0 when logged out)."""
    actor = session_auth.current_actor()
    if actor is None:
        return 0
    if "sl_unread" not in g:
        g.sl_unread = unread_count(actor)
    return g.sl_unread  # type: ignore[no-any-return]


@bp.app_context_processor
def _context() -> dict[str, object]:
    return {"unread_notifications": unread}


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    actor = session_auth.require_actor()
    only_unread = request.args.get("unread") == "1"
    items = [_item(n) for n in notifications_list_for(actor, unread_only=only_unread, limit=100)]
    return render_template("pages/notifications.html", items=items, only_unread=only_unread)


@bp.post("/notifications/read")
@login_required
def read_all() -> ResponseReturnValue:
    notifications_mark_read(session_auth.require_actor())
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int) -> ResponseReturnValue:
    """Mark one read, then go to its task or case."""
    notifications_mark_read(session_auth.require_actor(), notification_id)
    target = session_auth.safe_next(request.form.get("next"))
    return redirect(target or url_for("notifications.index"))
