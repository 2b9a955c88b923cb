"""Two completions of one task over two real connections: exactly one wins."""
from __future__ import annotations

import threading

import engine


def test_two_concurrent_completions_one_wins_one_conflicts(review, people):
    results: list[str] = []
    for _ in range(3):
        case = engine.start_instance(people["officer_a"], "review", {"case_title": "并发", "spawn": False})
        task_id = case.open_tasks[0].id
        barrier = threading.Barrier(2)
        outcome: list[str] = []

        def work(who: str) -> None:
            actor = people[who]
            barrier.wait()
            try:
                engine.complete_task(actor, task_id, {"measures": f"由 {who} 完成"})
                outcome.append("ok")
            except engine.Conflict:
                outcome.append("conflict")
            except engine.Forbidden:
                outcome.append("conflict")  # the other one claimed it implicitly first

        threads = [threading.Thread(target=work, args=(w,)) for w in ("officer_a", "officer_a2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(outcome) == ["conflict", "ok"]
        after = engine.get_instance(people["admin"], case.id)
        assert [t.element_id for t in after.open_tasks] == ["accept"]
        history = [h.action for h in engine.instance_history(people["admin"], case.id)]
        assert history.count("task.complete") == 1
        results.extend(outcome)
    assert engine.verify_audit().ok
    assert results.count("ok") == 3
