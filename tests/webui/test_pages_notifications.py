"""Notifications: the list, the unread count in the menu, opening one marks it read."""
from __future__ import annotations

from engine import db, notifications
from tests.webui.pages_support import get, log_in_as, post, start_review


def test_unread_notifications_are_counted_listed_and_opened(client, people, review):
    task = start_review(people["officer_a"]).open_tasks[0]
    with db.unit_of_work() as s:
        notifications.notify(s, ["officer_a"], "reminder", "即将到期：整改", "Due soon: rectify",
                             instance_id=task.instance_id, task_id=task.id)
        notifications.notify(s, ["officer_a", "officer_b"], "escalation", "逾期督办：整改", "Escalated: rectify")
    log_in_as(client, "officer_a")
    html = get(client, "/notifications").get_data(as_text=True)
    assert '提醒 <span class="count">2</span>' in html
    assert "即将到期：整改" in html and "逾期督办：整改" in html and "到期提醒" in html
    [note] = [n for n in notifications.list_for(people["officer_a"]) if n.task_id]
    response = post(client, f"/notifications/{note.id}/open", {"next": f"/tasks/{task.id}"})
    assert response.headers["Location"] == f"/tasks/{task.id}"
    assert notifications.unread_count(people["officer_a"]) == 1
    post(client, "/notifications/read")
    assert notifications.unread_count(people["officer_a"]) == 0
    assert notifications.unread_count(people["officer_b"]) == 1
    assert "暂无提醒" in get(client, "/notifications?unread=1").get_data(as_text=True)
