"""The append-only, hash-chained audit trail, keyed so that database access alone cannot rewrite it.

Each case has its own chain (``case:<id>``); everything else goes to ``system``. Every event is an HMAC-SHA256
(key outside the database, `engine.runtime.audit_keys`, its id on the row) over its content and the previous event's
hash; the chain's head (hash, count) is written in the same transaction and carries its own HMAC. Every chain is
entered once in the ``registry`` chain when it is opened, so a chain removed whole (rows and head) is missed.
``verify`` finds a changed, removed (also the last), inserted or reordered row, a moved timestamp, a recomputed
chain, a removed chain and a removed head; ``checkpoint`` writes a signed summary of all heads and
``verify(checkpoint=…)`` finds a chain rolled back or removed since then. Rows written before the trail was keyed
(plain SHA-256, no key id) are accepted up to the count sealed in the registry by ``seal`` (run at `safeloop init`).
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from . import audit_keys, clock, step_writes
from .db import unit_of_work
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
REGISTRY = "registry"


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)) if value is not None else None


def _body(chain: str, seq: int, at: datetime, actor: str | None, action: str, instance_id: int | None,
          task_id: str | None, before: Any, after: Any, prev_hash: str) -> str:
    return json.dumps([chain, seq, at.isoformat(timespec="microseconds"), actor, action, instance_id, task_id,
                       before, after, prev_hash], sort_keys=True, ensure_ascii=False, default=str)


def _digest(key_id: str | None, *fields: Any) -> str:
    body = _body(*fields)
    if key_id is None:  # a row from before the trail was keyed
        return hashlib.sha256(body.encode("utf-8")).hexdigest()
    return audit_keys.mac(key_id, body)


def _head_mac(key_id: str, chain: str, count: int, head_hash: str) -> str:
    return audit_keys.mac(key_id, json.dumps(["head", chain, count, head_hash]))


@dataclass
class Head:
    """A chain's head as this transaction knows it: read with its row lock (or under SQLite's writer lock), or new
    in it (`stored` False: its row is inserted with the step's writes, with the values it has by then)."""

    chain: str
    head_hash: str = GENESIS
    count: int = 0
    key_id: str | None = None
    mac: str | None = None
    stored: bool = True

    def row(self) -> dict[str, Any]:
        return {"chain": self.chain, "head_hash": self.head_hash, "count": self.count, "key_id": self.key_id,
                "mac": self.mac}


HEAD_COLUMNS = (AuditHead.chain, AuditHead.head_hash, AuditHead.count, AuditHead.key_id, AuditHead.mac)
_HELD = "safeloop_held_audit_heads"


def hold(session: Session, chain: str, head_hash: str, count: int, key_id: str | None, mac: str | None) -> None:
    """Note a chain head the caller read *with a row lock* in this transaction (e.g. together with its case, the
    columns of `HEAD_COLUMNS`): the next append to that chain takes it from here instead of reading it again."""
    session.info.setdefault(_HELD, {})[chain] = Head(chain, head_hash, count, key_id, mac)


@functools.cache
def _head_statement(dialect: str) -> Any:
    stmt = select(*HEAD_COLUMNS).where(AuditHead.chain == bindparam("chain"))
    return stmt.with_for_update() if dialect == "postgresql" else stmt


def _head(session: Session, chain: str, new_chain: bool = False) -> Head:
    held = session.info.setdefault(_HELD, {})
    head = held.get(chain)
    if head is not None:
        return head
    found = None
    if not new_chain:
        conn = session.connection()
        found = conn.execute(_head_statement(conn.dialect.name), {"chain": chain}).first()
    if found is not None:
        head = held[chain] = Head(*found)
        return head
    if chain != REGISTRY:
        _append(session, REGISTRY, "chain.open", actor="system", after={"chain": chain, "sealed_count": 0})
    head = held[chain] = Head(chain, stored=False)  # new in this transaction: its row is ours until commit
    return head


def _append(session: Session, chain: str, action: str, *, actor: str | None, instance_id: int | None = None,
            task_id: str | None = None, before: Any = None, after: Any = None, new_chain: bool = False) -> None:
    """Link one event to its chain and move the head, both queued with the step's other writes (on PostgreSQL one
    statement with the COMMIT, on SQLite plain statements before the next flush). A stored head moves once per
    step, from where the step's first event links to: it is row-locked, so it is still there (if it ever were not,
    the statement fails and nothing of the step is written). The held head takes the new values at once, so the
    next event links to this one."""
    head = _head(session, chain, new_chain)
    at = clock.now()
    before, after = _canonical(before), _canonical(after)
    seq, key_id = head.count + 1, audit_keys.current()
    digest = _digest(key_id, chain, seq, at, actor, action, instance_id, task_id, before, after, head.head_hash)
    pending = session.info.setdefault(_PENDING, set())
    moves = chain not in pending  # the head's row is written with the values it holds when the step's writes go out
    if moves and head.stored:
        step_writes.queue_update(session, AuditHead, lambda: {k: getattr(head, k) for k in _MOVED},
                                 {"chain": chain, "count": head.count, "head_hash": head.head_hash},
                                 expect=1, done=lambda: pending.discard(chain))
    step_writes.queue_insert(session, AuditEvent, {
        "chain": chain, "seq": seq, "at": at, "actor": actor, "action": action, "instance_id": instance_id,
        "task_id": task_id, "before": before, "after": after, "prev_hash": head.head_hash, "hash": digest,
        "key_id": key_id})
    if moves and not head.stored:  # after its first event: a step's events (one INSERT on SQLite) stay together

        def stored() -> None:
            head.stored = True
            pending.discard(chain)
        step_writes.queue_insert(session, AuditHead, head.row, done=stored)
    pending.add(chain)
    head.head_hash, head.count, head.key_id = digest, seq, key_id
    head.mac = _head_mac(key_id, chain, seq, digest)


_PENDING = "safeloop_pending_audit_chains"  # the chains whose head move is queued
_MOVED = ("head_hash", "count", "key_id", "mac")


def record(session: Session, action: str, *, actor: str | None, instance_id: int | None = None,
           task_id: str | None = None, before: Any = None, after: Any = None, new_case: bool = False) -> None:
    """Append one event to its chain (the case's, or 'system').

    `new_case`: the case row was inserted in this transaction, so its chain cannot exist yet: it is opened (and
    registered) without looking for it first (case ids are never reused: cases are not deleted)."""
    chain = f"case:{instance_id}" if instance_id is not None else "system"
    return _append(session, chain, action, actor=actor, instance_id=instance_id, task_id=task_id,
                   before=before, after=after, new_chain=new_case and instance_id is not None)


def seal(session: Session) -> int:
    """Register and sign every chain written before the trail was keyed (their rows stay plain SHA-256, accepted up
    to the sealed count). Returns how many chains were sealed."""
    registered = _registered(session)
    sealed = 0
    heads = session.execute(select(AuditHead.chain, AuditHead.count, AuditHead.head_hash)
                            .where(AuditHead.chain != REGISTRY).order_by(AuditHead.chain)).all()
    for chain, count, head_hash in heads:
        if chain not in registered:
            _append(session, REGISTRY, "chain.open", actor="system", after={"chain": chain, "sealed_count": count})
            key_id = audit_keys.current()
            signed = {"key_id": key_id, "mac": _head_mac(key_id, chain, count, head_hash)}
            step_writes.queue_update(session, AuditHead, signed, {"chain": chain}, expect=1)
            sealed += 1
    return sealed


def _registered(session: Session) -> dict[str, int]:
    """Chain -> the count of legacy (unkeyed) rows sealed when it was registered."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == REGISTRY, AuditEvent.action == "chain.open"))
    return {ev.after["chain"]: int(ev.after.get("sealed_count") or 0) for ev in rows if isinstance(ev.after, dict)}


@dataclass(frozen=True)
class Verification:
    """The result of checking every chain."""

    ok: bool
    chains: int
    events: int
    first_bad_id: int | None = None
    chain: str | None = None
    reason: str | None = None


def _verify_chain(chain: str, events: list[AuditEvent], head: AuditHead | None, sealed: int) -> tuple[int | None, str | None]:
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            return ev.id, f"sequence gap: expected {expected_seq}, found {ev.seq} (a row was removed)"
        if ev.prev_hash != prev:
            return ev.id, "previous-hash link broken (a row was removed or reordered)"
        if ev.key_id is None and ev.seq > sealed:
            return ev.id, "row without a key after the trail was keyed (the chain was recomputed)"
        if _digest(ev.key_id, chain, ev.seq, ev.at, ev.actor, ev.action, ev.instance_id, ev.task_id, ev.before,
                   ev.after, ev.prev_hash) != ev.hash:
            return ev.id, "content does not match its keyed hash (a field or time was changed, or the chain recomputed)"
        prev = ev.hash
    if head is None:
        return (events[-1].id if events else None), "chain head is missing (the head row was removed)"
    if head.count != len(events) or head.head_hash != prev:
        return (events[-1].id if events else None), "chain head does not match the last row (rows were removed from the end)"
    if head.key_id is not None and head.mac != _head_mac(head.key_id, chain, head.count, head.head_hash):
        return (events[-1].id if events else None), "chain head signature does not match (the head was rewritten)"
    if head.key_id is None and head.count > sealed:
        return (events[-1].id if events else None), "chain head is not signed (the head was rewritten)"
    return None, None


def verify(session: Session, checkpoint: dict[str, Any] | None = None) -> Verification:
    """Recompute every chain and the registry of chains; with a checkpoint, also compare against its heads."""
    heads = {h.chain: h for h in session.scalars(select(AuditHead))}
    chains = sorted(set(heads) | set(session.scalars(select(AuditEvent.chain).distinct())))
    registered = _registered(session)
    total = 0
    for chain in sorted(chains, key=lambda c: c != REGISTRY):  # the registry first: the others rely on it
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)))
        total += len(events)
        sealed = 0 if chain == REGISTRY else registered.get(chain, 0)
        bad_id, reason = _verify_chain(chain, events, heads.get(chain), sealed)
        if reason:
            return Verification(False, len(chains), total, bad_id, chain, reason)
    present = set(chains) - {REGISTRY}
    for chain in sorted(set(registered) - present):
        return Verification(False, len(chains), total, None, chain, "a registered chain is missing (the chain was removed)")
    for chain in sorted(present - set(registered)):
        return Verification(False, len(chains), total, None, chain, "chain is not in the registry (it was inserted)")
    if checkpoint is not None:
        problem = _against_checkpoint(session, checkpoint, heads)
        if problem:
            return Verification(False, len(chains), total, None, problem[0], problem[1])
    return Verification(True, len(chains), total)


def checkpoint(session: Session) -> dict[str, Any]:
    """A signed summary of every chain's head, to keep outside the database (`safeloop audit checkpoint FILE`)."""
    heads = {h.chain: [h.count, h.head_hash] for h in session.scalars(select(AuditHead).order_by(AuditHead.chain))}
    body = {"at": clock.now().isoformat(), "key_id": audit_keys.current(), "heads": heads}
    return {**body, "mac": audit_keys.mac(body["key_id"], json.dumps(body, sort_keys=True))}


def _against_checkpoint(session: Session, cp: dict[str, Any], heads: dict[str, AuditHead]) -> tuple[str, str] | None:
    body = {k: cp.get(k) for k in ("at", "key_id", "heads")}
    if not isinstance(cp.get("heads"), dict) or cp.get("mac") != audit_keys.mac(str(cp.get("key_id")), json.dumps(body, sort_keys=True)):
        return "checkpoint", "the checkpoint's signature does not match (it was altered or made with another key)"
    for chain, (count, head_hash) in sorted(cp["heads"].items()):
        head = heads.get(chain)
        if head is None or head.count < count:
            return chain, f"chain is shorter than at the checkpoint ({head.count if head else 0} < {count} rows)"
        at_checkpoint = session.scalar(select(AuditEvent.hash).where(AuditEvent.chain == chain, AuditEvent.seq == count))
        if count and at_checkpoint != head_hash:
            return chain, "chain differs from the checkpoint at its head then (rows were rewritten)"
    return None


def record_event(action: str, *, actor: str | None, after: dict[str, Any]) -> None:
    """Append one event that belongs to no case (a login, a token issued or revoked) in its own unit of work."""
    with unit_of_work() as session:
        record(session, action, actor=actor, after=after)
