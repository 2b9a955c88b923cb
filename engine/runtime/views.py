"""Plain, frozen views that the engine returns. Callers never see SpiffWorkflow or ORM objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who is acting, with the scope the engine checks permissions against."""

    username: str
    display_name: str = ""
    roles: frozenset[str] = frozenset()
    enterprise_id: int | None = None
    enterprise_code: str | None = None
    industries: frozenset[str] = frozenset()
    user_id: int | None = None

    def has(self, *roles: str) -> bool:
        """True when the actor holds any of the roles."""
        return bool(self.roles.intersection(roles))


SYSTEM = Actor(username="system", display_name="系统 System", roles=frozenset({"admin"}))


@dataclass(frozen=True)
class ProcessVersion:
    id: int
    key: str
    version: int
    name: str
    checksum: str
    deployed_by: str | None
    deployed_at: datetime
    start_form: str | None = None
    running_cases: int = 0
    description_zh: str | None = None  # one line from the process's documentation
    description_en: str | None = None
    start_roles: tuple[str, ...] = ()  # who may start it by hand (role keys; both empty: any non-read-only user)
    start_users: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeployResult:
    process: ProcessVersion
    created: bool


@dataclass(frozen=True)
class FormView:
    key: str
    version: int
    schema: dict[str, Any]
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class TaskView:
    id: str
    instance_id: int
    process_key: str
    element_id: str
    name: str
    role: str | None
    assignee: str | None
    owner: str | None
    status: str
    form_key: str | None
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    overdue: bool
    escalation_level: int
    version: int
    enterprise_code: str | None = None
    case_title: str | None = None
    draft: dict[str, Any] | None = None
    alt_role: str | None = None  # a second role that may also take the task (the step's candidateGroups)
    claimable: bool = False  # the actor who asked may claim it now (set by list_tasks and get_task)


@dataclass(frozen=True)
class InstanceView:
    id: int
    process_key: str
    process_version: int
    business_key: str | None
    status: str
    version: int
    enterprise_code: str | None
    industry: str | None
    hazard_level: str | None
    deadline: date | None
    source: str | None
    title: str | None
    current_step: str | None
    started_by: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    parent_id: int | None
    error_element: str | None
    error_message: str | None
    data: dict[str, Any] = field(default_factory=dict)
    open_tasks: tuple[TaskView, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    actor: str | None
    action: str
    task_id: str | None
    before: Any
    after: Any


@dataclass(frozen=True)
class EnterpriseView:
    id: int
    code: str
    name: str
    industry: str
    category: str | None
    risk_grade: str | None
    township: str | None
    scale: str | None = None
    standard_grade: str | None = None
    benchmark: bool = False
    business_days: str | None = None  # own rule (None: the industry's), see engine.campaign.business_days
    business_days_effective: str | None = None  # the rule that applies


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    enterprise_code: str | None
    industries: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Page:
    """One page of a list, with the total and the cursor for the next page."""

    items: tuple[Any, ...]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None
