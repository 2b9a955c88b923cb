"""NUL characters in page forms and query strings: 422 before any view runs, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import pytest

import engine
from tests.webui.pages_support import get, log_in_as, post, start_review


@pytest.fixture
def accept_task(people, review) -> engine.TaskView:
    case = start_review(people["officer_a"])
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换报警器"})
    task = engine.get_instance(people["chief"], case.id).open_tasks[0]
    return engine.claim(people["inspector_catering"], task.id)


@pytest.mark.parametrize("action", ["save", "complete"])
def test_a_nul_in_a_page_form_field_is_refused_and_nothing_is_stored(client, people, accept_task, action):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}", {"action": action, "result": "pass", "opinion": "a\x00b",
                                                         "version": str(accept_task.version)})
    assert response.status_code == 422 and "NUL" in response.get_data(as_text=True)
    task = engine.get_task(people["inspector_catering"], accept_task.id)
    assert task.status == "open" and not (task.draft or {}).get("opinion")


def test_a_nul_in_a_page_query_string_is_refused(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    assert get(client, "/inbox?q=a%00b").status_code == 422


def test_a_nul_in_an_api_query_string_answers_json(client, people):
    response = client.get("/api/v1/instances?text=a%00b")
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_text"
