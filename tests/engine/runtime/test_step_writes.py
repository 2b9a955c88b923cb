"""The step's own writes (engine.runtime.step_writes): checked updates refuse a case row changed behind the step,
on both databases, and nothing of the step is written; the data check's error paths and its size bound."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

import engine
from engine.runtime import case_data, instances
from engine.runtime.errors import SandboxViolation


def test_a_case_row_changed_behind_the_step_is_a_conflict_and_nothing_of_the_step_is_written(review, people,
                                                                                               monkeypatch):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "版本", "spawn": False})
    task = case.open_tasks[0]
    before = [h.action for h in engine.instance_history(people["admin"], case.id)]
    real_save = instances.save

    def save_after_someone_else(s, loaded):  # another writer moved the case on after our lock (never in practice)
        s.execute(text("UPDATE process_instance SET version = version + 1 WHERE id = :id"), {"id": loaded.inst.id})
        real_save(s, loaded)

    monkeypatch.setattr(instances, "save", save_after_someone_else)
    with pytest.raises(engine.Conflict) as info:
        engine.complete_task(people["officer_a"], task.id, {"measures": "更换"})
    assert info.value.status == 409
    monkeypatch.undo()
    assert engine.get_task(people["officer_a"], task.id).status == "open"
    assert [h.action for h in engine.instance_history(people["admin"], case.id)] == before
    assert [t.element_id for t in engine.get_instance(people["admin"], case.id).open_tasks] == ["rectify"]
    assert engine.verify_audit().ok
    done = engine.complete_task(people["officer_a"], task.id, {"measures": "更换"})  # and the step still works
    assert [t.element_id for t in done.open_tasks] == ["accept"]


@pytest.mark.parametrize("data, where", [
    ({"a": {"b": [1, float("nan")]}}, "a.b[1]"),
    ({"x": [{"y": "a\x00b"}]}, "x[0].y"),
    ({"k": {1: 2}}, "k[1]"),
    ({"list": [[[], [set()]]]}, "list[0][1][0]"),
])
def test_the_data_check_names_where_the_value_is_not_json(data, where):
    with pytest.raises(SandboxViolation) as info:
        case_data.check(data)
    assert info.value.details["path"] == where
    assert where in info.value.message_en


def test_the_data_check_over_the_cap_names_where_it_ran_out():
    with pytest.raises(SandboxViolation, match=r"at big\.t\[\d+\]"):
        case_data.check({"big": {"t": ["a" * 100] * 100}}, 5000)


@pytest.mark.parametrize("value", ["plain ascii", 'quote " and back\\slash', "tab\tnew\nline\x01", "中文与 emoji 🚒",
                                   "\x7f del", "", "a" * 3000])
def test_the_data_check_counts_at_least_what_compact_json_writes(value):
    data = {"v": value, "nested": [value, {"w": value}]}
    assert case_data.check(data) >= len(json.dumps(data, separators=(",", ":")))
