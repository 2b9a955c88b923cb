"""The audit chain detects changed, removed and reordered rows."""
from __future__ import annotations

from sqlalchemy import delete, select, update

import engine
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent


def _walk(people):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "审计", "spawn": False})
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    return case


def test_untouched_chain_verifies(review, people):
    _walk(people)
    result = engine.verify_audit()
    assert result.ok and result.events >= 5


def test_changed_row_is_named(review, people):
    case = _walk(people)
    with unit_of_work() as s:
        target = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id, AuditEvent.action == "task.complete")).one()
        s.execute(update(AuditEvent).where(AuditEvent.id == target.id).values(actor="mallory"))
    result = engine.verify_audit()
    assert not result.ok and result.first_bad_id == target.id and "changed" in result.reason


def test_removed_middle_row_is_detected(review, people):
    case = _walk(people)
    with unit_of_work() as s:
        first = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id).order_by(AuditEvent.seq)).first()
        s.execute(delete(AuditEvent).where(AuditEvent.id == first.id))
    assert not engine.verify_audit().ok


def test_removed_last_row_is_detected_by_the_head(review, people):
    case = _walk(people)
    with unit_of_work() as s:
        last = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id).order_by(AuditEvent.seq.desc())).first()
        s.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
    result = engine.verify_audit()
    assert not result.ok and "head" in result.reason


def test_reordered_rows_are_detected(review, people):
    case = _walk(people)
    with unit_of_work() as s:
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id).order_by(AuditEvent.seq)))
        (a_id, a_seq), (b_id, b_seq) = (rows[0].id, rows[0].seq), (rows[1].id, rows[1].seq)
        s.execute(update(AuditEvent).where(AuditEvent.id == a_id).values(seq=-1))
        s.execute(update(AuditEvent).where(AuditEvent.id == b_id).values(seq=a_seq))
        s.execute(update(AuditEvent).where(AuditEvent.id == a_id).values(seq=b_seq))
    assert not engine.verify_audit().ok
