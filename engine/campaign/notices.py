"""Read-only coverage of a published notice (通知公告已读回执): one row per target enterprise.

`notice_distribution` starts one `notice_acknowledgement` case per target enterprise (its children); a notice
of kind `study` (理论学习 / 党组会议题, item 21, `engine.campaign.study_notices`) one `study_receipt` case per bureau staff
member instead. `coverage(actor, notice_id)` tells, for each enterprise or person, whether it has confirmed,
is still within its deadline (pending), or is past it (overdue). Bureau-side users who may see the notice case
only; enterprise users get `Forbidden`. `recent_coverage` gives the same for the newest published notices
(the dashboard's notice tile).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..runtime import access, attachments, clock
from ..runtime.db import unit_of_work
from ..runtime.errors import Forbidden, NotFound
from ..runtime.models import Enterprise, ProcessInstance, Task
from ..runtime.views import Actor
from . import study_notices

NOTICE_PROCESS = "notice_distribution"
attachments.share_with_children(NOTICE_PROCESS)  # a notice's files reach the enterprises it was sent to
ACK_PROCESS = "notice_acknowledgement"
CONFIRM_STEP = "confirm_read"
STATES = ("confirmed", "pending", "overdue")
KINDS = ("notice", "study")  # notice_kind: to enterprises, or study material for bureau staff (per person)
RECEIPT_PROCESSES = (ACK_PROCESS, study_notices.STUDY_PROCESS)
RECEIPT_STEPS = (CONFIRM_STEP, study_notices.STUDY_STEP)


@dataclass(frozen=True)
class AckRow:
    """One target enterprise's read receipt, or (a study notice) one person's study receipt."""

    case_id: int
    enterprise_code: str | None
    enterprise_name: str | None
    industry: str | None
    state: str  # confirmed | pending | overdue
    due_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    case_status: str
    reader: str | None = None  # a study receipt: the bureau user who studies
    reader_name: str | None = None


@dataclass(frozen=True)
class Coverage:
    """A notice's read receipts and their counts."""

    notice_id: int
    title: str | None
    status: str
    rows: tuple[AckRow, ...]
    published_at: datetime | None = None  # when the notice case ended (its publish step ran)
    kind: str = "notice"  # notice (per enterprise) | study (per person)

    @property
    def total(self) -> int:
        return len(self.rows)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def confirmed(self) -> int:
        return self.count("confirmed")

    @property
    def pending(self) -> int:
        return self.count("pending")

    @property
    def overdue(self) -> int:
        return self.count("overdue")

    @property
    def rate(self) -> float:
        """Confirmed share, 0–1 (0 when nothing was sent)."""
        return self.confirmed / self.total if self.rows else 0.0


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _state(inst: ProcessInstance, task: Task | None, now: datetime) -> str:
    if inst.status == "completed":
        return "confirmed"
    due = _aware(task.due_at) if task else None
    if task is not None and (task.overdue or (due is not None and due < now)):
        return "overdue"
    return "pending"


def coverage(actor: Actor, notice_id: int) -> Coverage:
    """The notice's acknowledgement cases, one row per enterprise, ordered by enterprise code."""
    if access.is_enterprise_user(actor):
        raise Forbidden("只有局内人员可以查看通知回执", "Only bureau staff may see notice receipts")
    with unit_of_work(write=False) as s:
        notice = s.get(ProcessInstance, notice_id)
        if notice is None or notice.process_key != NOTICE_PROCESS or not access.can_see(actor, notice):
            raise NotFound("通知不存在或无权查看", "This notice does not exist or is not visible to you")
        return _coverage_of(s, notice, clock.now())


def recent_coverage(actor: Actor, *, limit: int = 5) -> tuple[Coverage, ...]:
    """The coverage of the newest published notices the actor may see, newest first (none for enterprise users)."""
    if access.is_enterprise_user(actor):
        return ()
    now = clock.now()
    with unit_of_work(write=False) as s:
        published = s.scalars(select(ProcessInstance)
                              .where(ProcessInstance.process_key == NOTICE_PROCESS,
                                     ProcessInstance.status == "completed", access.instance_clause(actor))
                              .order_by(ProcessInstance.ended_at.desc(), ProcessInstance.id.desc()).limit(limit))
        return tuple(_coverage_of(s, notice, now) for notice in published)


def _coverage_of(s: Session, notice: ProcessInstance, now: datetime) -> Coverage:
    stmt = (select(ProcessInstance, Enterprise)
            .outerjoin(Enterprise, Enterprise.id == ProcessInstance.enterprise_id)
            .where(ProcessInstance.parent_id == notice.id, ProcessInstance.process_key.in_(RECEIPT_PROCESSES)))
    found = list(s.execute(stmt))
    ids = [inst.id for inst, _ in found]
    tasks: dict[int, Task] = {}
    if ids:
        for task in s.scalars(select(Task).where(Task.instance_id.in_(ids), Task.element_id.in_(RECEIPT_STEPS))
                              .order_by(Task.created_at)):
            tasks[task.instance_id] = task  # the newest confirm task of each case
    rows = [_ack_row(inst, ent, tasks.get(inst.id), now) for inst, ent in found]
    rows.sort(key=lambda r: (r.enterprise_code or "", r.reader or "", r.case_id))
    kind = (notice.summary or {}).get("notice_kind")
    return Coverage(notice.id, notice.title, notice.status, tuple(rows), _aware(notice.ended_at),
                    kind if kind in KINDS else "notice")


def _ack_row(inst: ProcessInstance, ent: Enterprise | None, task: Task | None, now: datetime) -> AckRow:
    done = inst.status == "completed" and task is not None and task.status == "completed"
    reader = (inst.summary or {}).get("reader") if inst.process_key == study_notices.STUDY_PROCESS else None
    return AckRow(inst.id, ent.code if ent else None, ent.name if ent else None, ent.industry_key if ent else None,
                  _state(inst, task, now), _aware(task.due_at) if task else None,
                  _aware(task.completed_at) if done and task else None,
                  task.completed_by if done and task else None, inst.status,
                  reader if isinstance(reader, str) else None,
                  str((inst.summary or {}).get("reader_name") or reader) if reader else None)
