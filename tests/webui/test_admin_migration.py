"""The migration page: check one case, move it, or move a whole version."""
from __future__ import annotations

import engine
from tests.webui.admin_support import app, client, renamed_review  # noqa: F401
from tests.webui.pages_support import get, log_in_as, post, start_review


def test_check_then_move_one_case(client, people, review):
    case = start_review(people["officer_a"])
    engine.deploy(renamed_review(), actor="owner")
    log_in_as(client, "owner")
    html = get(client, f"/processes/review/migrate?case={case.id}&to=2").get_data(as_text=True)
    assert 'data-ok="true"' in html and "v1 → v2" in html
    html = post(client, "/processes/review/migrate", {"case": case.id, "to": 2}, follow_redirects=True).get_data(as_text=True)
    assert f"事项 #{case.id} 已迁移到第 2 版" in html
    assert engine.get_instance(people["admin"], case.id).process_version == 2


def test_a_refused_case_shows_the_reason(client, people, review):
    case = start_review(people["officer_a"])
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    engine.deploy(renamed_review(), actor="owner")  # renames the step the case is in
    log_in_as(client, "admin")
    html = get(client, f"/processes/review/migrate?case={case.id}").get_data(as_text=True)
    assert 'data-ok="false"' in html and "<code>accept</code>" in html and "进行中的步骤“验收”" in html


def test_batch_moves_a_version(client, people, review):
    start_review(people["officer_a"])
    start_review(people["officer_a"])
    engine.deploy(renamed_review(), actor="owner")
    log_in_as(client, "owner")
    html = post(client, "/processes/review/migrate", {"from": 1, "to": 2}).get_data(as_text=True)
    assert "已迁移 2 个事项；0 个不能迁移" in html
    assert engine.get_process("review", 2).running_cases == 2


def test_auditors_cannot_migrate(client, people, review):
    log_in_as(client, "auditor")
    assert get(client, "/processes/review/migrate").status_code == 403
    assert post(client, "/processes/review/migrate", {"from": 1}).status_code == 403
