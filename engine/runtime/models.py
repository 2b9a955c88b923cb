"""SQLAlchemy tables. Schema changes go through Alembic (engine/migrations)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime  # noqa: F401  (re-exported: every table module declares on this Base)


class Industry(Base):
    __tablename__ = "industry"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    training_year: Mapped[int | None] = mapped_column(Integer)


class Role(Base):
    __tablename__ = "role"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    side: Mapped[str] = mapped_column(String(20))  # enterprise | bureau | public | system
    escalates_to: Mapped[str | None] = mapped_column(String(40))


class Enterprise(Base):
    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry_key: Mapped[str] = mapped_column(ForeignKey("industry.key"))
    category: Mapped[str | None] = mapped_column(String(40))
    risk_grade: Mapped[str | None] = mapped_column(String(10))
    township: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    scale: Mapped[str | None] = mapped_column(String(20))  # above_scale | below_scale | small_venue (规模, item 6)
    standard_grade: Mapped[str | None] = mapped_column(String(20))  # level_1 | level_2 | level_3 | none (item 17)
    benchmark: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))  # 标杆企业
    # every_day | working_days | days:<ISO weekdays>[;holidays]; NULL follows the industry (engine/campaign/business_days.py)
    business_days: Mapped[str | None] = mapped_column(String(40))


class EnterprisePerson(Base):
    """One person of an enterprise's staff register (主要负责人, 安全管理人员, 分管负责人, 重点岗位人员)."""

    __tablename__ = "enterprise_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    post: Mapped[str] = mapped_column(String(20))  # principal | safety_manager | deputy | key_post
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # left the post: kept for the training history
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class UserRole(Base):
    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("role.key"), primary_key=True)


class UserIndustry(Base):
    __tablename__ = "user_industry"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    industry_key: Mapped[str] = mapped_column(ForeignKey("industry.key"), primary_key=True)


class FormDefinition(Base):
    __tablename__ = "form_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    schema: Mapped[dict[str, Any]]
    checksum: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    # The two large texts load only when read: an engine step needs neither once the spec is cached.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    meta: Mapped[dict[str, Any]]
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    deployed_at: Mapped[datetime]


class PathTest(Base):
    """A process owner's path test: start data, then each task's answers in order, and the expected end or task.

    Stored per process key (not per version): every deploy of the process runs them (engine.runtime.path_tests)."""

    __tablename__ = "process_path_test"
    __table_args__ = (UniqueConstraint("process_key", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    scenario: Mapped[dict[str, Any]]
    updated_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime]


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}  # optimistic locking: a stale write raises StaleDataError
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    industry_key: Mapped[str | None] = mapped_column(String(40), index=True)
    hazard_level: Mapped[str | None] = mapped_column(String(20), index=True)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    source: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(300))
    current_step: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    error_element: Mapped[str | None] = mapped_column(String(200))
    error_message: Mapped[str | None] = mapped_column(Text)


_POOL = "status = 'open' AND assignee IS NULL"


class Task(Base):
    """The inbox projection: one row per human task, written with the state."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_candidate", "status", "role_key", "enterprise_id"),
        # A case's open steps (migration 0011): a case that looped for years has thousands of completed rows.
        Index("ix_task_instance_status", "instance_id", "status"),
        # Claimed tasks only ("mine"; migration 0008): the unclaimed majority would mislead SQLite's planner.
        Index("ix_task_assignee", "assignee", "status", postgresql_where=text("assignee IS NOT NULL"),
              sqlite_where=text("assignee IS NOT NULL")),
        # The candidate pools (migration 0005): open, unclaimed tasks by role and scope, soonest due first.
        # (they carry the columns the pool's count and ordering read, so those never touch the table: 0008)
        Index("ix_task_pool_industry", "role_key", "industry_key", "due_at", "created_at", "id", "status", "assignee",
              postgresql_where=text(_POOL), sqlite_where=text(_POOL)),
        Index("ix_task_pool_enterprise", "role_key", "enterprise_id", "due_at", "created_at", "id", "status",
              "assignee", postgresql_where=text(_POOL), sqlite_where=text(_POOL)),
        Index("ix_task_pool_alt", "alt_role_key", "enterprise_id",
              postgresql_where=text(_POOL + " AND alt_role_key IS NOT NULL"),
              sqlite_where=text(_POOL + " AND alt_role_key IS NOT NULL")),
        # A process's steps in a period, for its step statistics (engine/runtime/step_queries.py): every column the figures
        # read, so they never touch the wide task rows (migration 0019; replaced 0018's (process_key, created_at)).
        Index("ix_task_statistics", "process_key", "created_at", "element_id", "status", "instance_id", "claimed_at",
              "completed_at", "due_at", "escalation_level", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role_key: Mapped[str | None] = mapped_column(String(40))
    # A second role that may also take the task (the step's next candidate group, same side), e.g. the
    # enterprise principal beside the safety officer for a read receipt.
    alt_role_key: Mapped[str | None] = mapped_column(String(40))
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
    industry_key: Mapped[str | None] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(80))
    owner: Mapped[str | None] = mapped_column(String(80))  # who delegated it (委派), awaiting resolve
    status: Mapped[str] = mapped_column(String(20))  # open | completed | cancelled
    form_key: Mapped[str | None] = mapped_column(String(100))
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    # When someone first took it from its role's pool (claim, assignment or completion); NULL for a task created
    # with its assignee (it never waited in a pool). Migration 0018.
    claimed_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_to: Mapped[str | None] = mapped_column(String(40))  # the role the last escalation went to (0009)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


_REMINDED = "kind = 'reminder' AND status = 'done'"
_SENT_BACK = "action = 'task.send_back'"


class Job(Base):
    """A due time: a BPMN timer, a reminder, an escalation or a scheduled start."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "status", "due_at"), Index("ix_job_task", "task_id"),
                      Index("ix_job_instance_kind", "instance_id", "kind", "status"),
                      # one reminder per task and one escalation per task and level, ever (migration 0009)
                      Index("ux_job_dedupe", "dedupe_key", unique=True),
                      # the tasks that were reminded, for the step statistics (migration 0019)
                      Index("ix_job_reminded", "task_id", postgresql_where=text(_REMINDED), sqlite_where=text(_REMINDED)))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # timer | reminder | escalation | start
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    definition_key: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | incident | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(120))  # "reminder:<task>", "escalation:<task>:<level>"
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Append-only, hash-chained per chain (a case, or 'system')."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain", "seq"), Index("ix_audit_at", "at"),
                      # the send-backs per task, for the step statistics (migration 0019)
                      Index("ix_audit_send_back", "task_id", postgresql_where=text(_SENT_BACK),
                            sqlite_where=text(_SENT_BACK)))
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))  # the HMAC key (engine/runtime/audit_keys.py); NULL: plain SHA-256


class AuditHead(Base):
    """The head of each audit chain, written with every event so that removals show."""

    __tablename__ = "audit_head"
    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str | None] = mapped_column(String(16))
    mac: Mapped[str | None] = mapped_column(String(80))  # HMAC over (chain, count, head_hash)


class Attachment(Base):
    """An uploaded file: content-addressed on disk under the data dir, linked to a case and task."""

    __tablename__ = "attachment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime]
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))


class TokenRevocation(Base):
    """One revoked API token, kept until the token would have expired anyway (then purged)."""

    __tablename__ = "token_revocation"
    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str | None] = mapped_column(String(80))  # unknown when an admin revokes a bare token id
    revoked_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class TokenCutoff(Base):
    """Per user: every API token issued at or before `not_before` is revoked (disable, password change)."""

    __tablename__ = "token_cutoff"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    not_before: Mapped[datetime]


# The notifications and their deliveries are declared beside (engine/runtime/message_models.py) on the same Base and metadata.
from .message_models import Delivery, DigestRun, Notification  # noqa: E402,F401
