"""The keyed audit trail against someone with write access to the database but not to the key (docs/security.md).

Eight kinds of tampering, each on a walked case: a changed field, a removed middle row, a removed last row (head
rolled back to match), reordered rows, a moved timestamp, a removed chain (rows and head), a recomputed chain (plain
SHA-256, as an attacker without the key would), and a removed head. Plus checkpoints and key rotation."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

import engine
from engine.runtime import audit, audit_keys
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, AuditHead


def _walk(people):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "审计", "spawn": False})
    accept = engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"}).open_tasks[0]
    engine.complete_task(people["inspector_catering"], accept.id, {"result": "fail"})
    return case


def _rows(s, chain):
    return list(s.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)))


def _changed_field(s, chain):
    row = _rows(s, chain)[1]
    s.execute(update(AuditEvent).where(AuditEvent.id == row.id).values(actor="mallory"))


def _removed_middle(s, chain):
    s.execute(delete(AuditEvent).where(AuditEvent.id == _rows(s, chain)[1].id))


def _removed_last_with_head_rolled_back(s, chain):
    rows = _rows(s, chain)
    s.execute(delete(AuditEvent).where(AuditEvent.id == rows[-1].id))
    s.execute(update(AuditHead).where(AuditHead.chain == chain).values(count=len(rows) - 1, head_hash=rows[-2].hash))


def _reordered(s, chain):
    rows = _rows(s, chain)
    (a_id, a_seq), (b_id, b_seq) = (rows[1].id, rows[1].seq), (rows[2].id, rows[2].seq)
    s.execute(update(AuditEvent).where(AuditEvent.id == a_id).values(seq=-1))
    s.execute(update(AuditEvent).where(AuditEvent.id == b_id).values(seq=a_seq))
    s.execute(update(AuditEvent).where(AuditEvent.id == a_id).values(seq=b_seq))


def _moved_time(s, chain):
    row = _rows(s, chain)[1]
    s.execute(update(AuditEvent).where(AuditEvent.id == row.id).values(at=row.at - timedelta(days=3)))


def _removed_chain(s, chain):
    s.execute(delete(AuditEvent).where(AuditEvent.chain == chain))
    s.execute(delete(AuditHead).where(AuditHead.chain == chain))


def _recomputed(s, chain):
    """Change a field and recompute every hash and the head as plain SHA-256 (no key: what an attacker can do)."""
    prev = audit.GENESIS
    for row in _rows(s, chain):
        actor = "mallory" if row.seq == 2 else row.actor
        body = audit._body(chain, row.seq, row.at, actor, row.action, row.instance_id, row.task_id, row.before,
                           row.after, prev)
        digest = hashlib.sha256(body.encode()).hexdigest()
        s.execute(update(AuditEvent).where(AuditEvent.id == row.id)
                  .values(actor=actor, prev_hash=prev, hash=digest, key_id=None))
        prev = digest
    s.execute(update(AuditHead).where(AuditHead.chain == chain).values(head_hash=prev, key_id=None, mac=None))


def _removed_head(s, chain):
    s.execute(delete(AuditHead).where(AuditHead.chain == chain))


TAMPERS = {"changed field": _changed_field, "removed middle row": _removed_middle,
           "removed last row": _removed_last_with_head_rolled_back, "reordered rows": _reordered,
           "moved timestamp": _moved_time, "removed chain": _removed_chain, "recomputed chain": _recomputed,
           "removed head": _removed_head}


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_every_kind_of_tampering_is_detected(review, people, kind):
    case = _walk(people)
    _walk(people)  # an untouched neighbour
    assert engine.verify_audit().ok
    with unit_of_work() as s:
        TAMPERS[kind](s, f"case:{case.id}")
    result = engine.verify_audit()
    assert not result.ok, kind
    assert result.chain == f"case:{case.id}" and result.reason


def test_a_checkpoint_finds_a_chain_rolled_back_to_an_older_signed_state(review, people, tmp_path):
    """An attacker who kept an old copy of a head (with its valid signature) and restores it after removing the rows
    written since: only a checkpoint taken in between can tell."""
    case = _walk(people)
    chain = f"case:{case.id}"
    with unit_of_work() as s:
        old_head = s.get(AuditHead, chain)
        saved = (old_head.count, old_head.head_hash, old_head.key_id, old_head.mac)
    engine.complete_task(people["officer_a"], engine.get_instance(people["admin"], case.id).open_tasks[0].id,
                         {"measures": "再次整改"})
    checkpoint = engine.audit_checkpoint()
    assert engine.verify_audit(checkpoint).ok
    with unit_of_work() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq > saved[0]))
        s.execute(update(AuditHead).where(AuditHead.chain == chain)
                  .values(count=saved[0], head_hash=saved[1], key_id=saved[2], mac=saved[3]))
    assert engine.verify_audit().ok  # consistent in itself: the rows since the copy are gone without a trace
    result = engine.verify_audit(checkpoint)
    assert not result.ok and result.chain == chain and "shorter" in result.reason
    forged = json.loads(json.dumps(checkpoint))
    forged["heads"][chain][0] = saved[0]
    assert "signature" in engine.verify_audit(forged).reason


def test_rows_signed_before_a_key_rotation_still_verify(review, people):
    _walk(people)
    first = audit_keys.current()
    second = engine.rotate_audit_key()
    assert second != first
    _walk(people)
    with unit_of_work(write=False) as s:
        keys = set(s.scalars(select(AuditEvent.key_id).distinct()))
    assert {first, second} <= keys
    assert engine.verify_audit().ok
    audit_keys.forget_cache()
    assert engine.verify_audit().ok  # read back from the file


def test_legacy_rows_are_sealed_and_accepted_only_up_to_the_seal(review, people):
    """A database from before the key: its rows are plain SHA-256; init seals their chains."""
    case = _walk(people)
    chain = f"case:{case.id}"
    with unit_of_work() as s:  # make the chain look like it was written before this version
        _recomputed_plain(s, chain)
        s.execute(delete(AuditEvent).where(AuditEvent.chain == audit.REGISTRY))
        s.execute(delete(AuditHead).where(AuditHead.chain == audit.REGISTRY))
        for other in s.scalars(select(AuditHead.chain)).all():
            if other != chain:
                _recomputed_plain(s, other)
    assert not engine.verify_audit().ok  # not yet sealed
    with unit_of_work() as s:
        assert audit.seal(s) >= 2
    assert engine.verify_audit().ok
    engine.complete_task(people["officer_a"], engine.get_instance(people["admin"], case.id).open_tasks[0].id,
                         {"measures": "再次整改"})
    assert engine.verify_audit().ok  # new rows keyed on top of sealed legacy rows
    with unit_of_work() as s:  # a legacy-looking row beyond the seal is refused
        _recomputed_plain(s, chain)
    assert not engine.verify_audit().ok


def _recomputed_plain(s, chain):
    prev = audit.GENESIS
    for row in _rows(s, chain):
        body = audit._body(chain, row.seq, row.at, row.actor, row.action, row.instance_id, row.task_id, row.before,
                           row.after, prev)
        digest = hashlib.sha256(body.encode()).hexdigest()
        s.execute(update(AuditEvent).where(AuditEvent.id == row.id).values(prev_hash=prev, hash=digest, key_id=None))
        prev = digest
    s.execute(update(AuditHead).where(AuditHead.chain == chain).values(head_hash=prev, key_id=None, mac=None))
