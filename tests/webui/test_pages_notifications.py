"""Notifications: the list, the unread count in the menu, opening one marks it read."""
from __future__ import annotations

from engine.runtime import db, notifications
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


def test_a_leaders_daily_digest_lists_each_overdue_item_with_a_link_to_its_case(client, people, review):
    case = start_review(people["officer_a"])
    item = {"instance_id": case.id, "task_id": case.open_tasks[0].id, "case": "后厨燃气软管老化", "step": "整改",
            "assignee": None, "role": "enterprise_safety_officer", "level": 2, "days_overdue": 3}
    with db.unit_of_work() as s:
        notifications.notify(s, ["chief"], "digest", "督办日报（2025-03-07）：1 项逾期待办",
                             "Daily overdue digest (2025-03-07): 1 items", details=[item])
    log_in_as(client, "chief")
    html = get(client, "/notifications").get_data(as_text=True)
    assert "督办日报" in html and "督办日报（2025-03-07）：1 项逾期待办" in html
    assert f'<a href="/cases/{case.id}">#{case.id} 后厨燃气软管老化</a>' in html
    assert "企业安全管理人员" in html and "逾期天数" in html and "<td>3</td>" in html
