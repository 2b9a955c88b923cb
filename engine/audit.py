"""The append-only, hash-chained audit trail.

Each case has its own chain (``case:<id>``); everything else goes to ``system``. Every event
hashes the previous event of its chain; the chain's head hash and count are written in the same
transaction, so a changed, removed, inserted or reordered row is detected by ``verify``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import clock
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)) if value is not None else None


def _digest(chain: str, seq: int, at: datetime, actor: str | None, action: str, instance_id: int | None,
            task_id: str | None, before: Any, after: Any, prev_hash: str) -> str:
    body = json.dumps([chain, seq, at.isoformat(timespec="microseconds"), actor, action, instance_id, task_id,
                       before, after, prev_hash], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _head(session: Session, chain: str) -> AuditHead:
    stmt = select(AuditHead).where(AuditHead.chain == chain)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    head = session.scalars(stmt).first()
    if head is None:
        head = AuditHead(chain=chain, head_hash=GENESIS, count=0)
        session.add(head)
    return head


def record(session: Session, action: str, *, actor: str | None, instance_id: int | None = None,
           task_id: str | None = None, before: Any = None, after: Any = None) -> AuditEvent:
    """Append one event to its chain (the case's, or 'system')."""
    chain = f"case:{instance_id}" if instance_id is not None else "system"
    head = _head(session, chain)
    at = clock.now()
    before, after = _canonical(before), _canonical(after)
    seq = head.count + 1
    digest = _digest(chain, seq, at, actor, action, instance_id, task_id, before, after, head.head_hash)
    event = AuditEvent(chain=chain, seq=seq, at=at, actor=actor, action=action, instance_id=instance_id,
                       task_id=task_id, before=before, after=after, prev_hash=head.head_hash, hash=digest)
    session.add(event)
    head.head_hash, head.count = digest, seq
    return event


@dataclass(frozen=True)
class Verification:
    """The result of checking every chain."""

    ok: bool
    chains: int
    events: int
    first_bad_id: int | None = None
    chain: str | None = None
    reason: str | None = None


def _verify_chain(chain: str, events: list[AuditEvent], head: AuditHead | None) -> tuple[int | None, str | None]:
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            return ev.id, f"sequence gap: expected {expected_seq}, found {ev.seq} (a row was removed)"
        if ev.prev_hash != prev:
            return ev.id, "previous-hash link broken (a row was removed or reordered)"
        if _digest(chain, ev.seq, ev.at, ev.actor, ev.action, ev.instance_id, ev.task_id, ev.before, ev.after,
                   ev.prev_hash) != ev.hash:
            return ev.id, "content does not match its hash (the row was changed)"
        prev = ev.hash
    if head is None or head.count != len(events) or head.head_hash != prev:
        last = events[-1].id if events else None
        return last, "chain head does not match the last row (rows were removed from the end)"
    return None, None


def verify(session: Session) -> Verification:
    """Recompute every chain; name the first bad row."""
    heads = {h.chain: h for h in session.scalars(select(AuditHead))}
    chains = sorted(set(heads) | set(session.scalars(select(AuditEvent.chain).distinct())))
    total = 0
    for chain in chains:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)))
        total += len(events)
        bad_id, reason = _verify_chain(chain, events, heads.get(chain))
        if reason:
            return Verification(False, len(chains), total, bad_id, chain, reason)
    return Verification(True, len(chains), total)
