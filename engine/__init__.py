"""Safeloop's engine: the public API of its runtime and campaign layers (docs/engine.md). Callers never import
SpiffWorkflow, a model or a session; the web UI reaches beyond these names only through each layer's `__init__`.

Every function here is one unit of work: it commits on success and changes nothing on error.
"""
from __future__ import annotations

from pathlib import Path

from . import campaign  # noqa: F401  (importing the campaign registers its script functions and runtime hooks)
from .campaign.bootstrap import DEMO_PASSWORD, deploy_bundled, init
from .campaign.enterprises import add_enterprise, list_enterprises
from .campaign.public_reports import FiledReport, PublicReply, ReportStage, ReportStatus, file_report, report_status
from .runtime import spiff_time  # noqa: F401  (SpiffWorkflow timers follow our clock)
from .runtime.attachments import Upload
from .runtime.audit import Verification
from .runtime.cases import (
    get_instance,
    instance_history,
    list_instances,
    resume_instance,
    retry_instance,
    start_instance,
    suspend_instance,
    terminate_instance,
)
from .runtime.clock import Clock, ManualClock, SystemClock, get_clock, reset_clock, set_clock
from .runtime.config import Settings
from .runtime.definitions import (
    deploy,
    get_bpmn,
    get_process,
    list_processes,
    may_start,
    startable_processes,
    validate_bpmn,
)
from .runtime.errors import (
    BadRequest,
    Conflict,
    DatabaseUnavailable,
    DefinitionInvalid,
    EngineError,
    Forbidden,
    FormInvalid,
    NotAuthenticated,
    NotFound,
    PathTestsFailed,
    SandboxViolation,
    StorageError,
    TooLarge,
    ValidationFailed,
)
from .runtime.forms import get_form, list_forms, save_form
from .runtime.inbox import list_tasks
from .runtime.path_runs import PathTestReport, ScenarioResult
from .runtime.path_runs import run_for as run_path_tests
from .runtime.path_tests import Scenario
from .runtime.path_tests import save as save_path_tests
from .runtime.path_tests import stored as list_path_tests
from .runtime.task_options import TaskActions, handover_candidates, task_actions
from .runtime.tasks import claim, complete_task, delegate, get_task, reassign, resolve, save_draft, send_back, unclaim
from .runtime.users import add_user, authenticate, display_names, get_actor, list_users, set_password
from .runtime.views import (
    SYSTEM,
    Actor,
    DeployResult,
    EnterpriseView,
    FormView,
    HistoryEntry,
    InstanceView,
    Page,
    ProcessVersion,
    TaskView,
    UserView,
)


def configure(*, database_url: str | None = None, data_dir: str | Path | None = None) -> Settings:
    """Point the engine at a database and data dir (environment variables fill the gaps)."""
    from .runtime import db
    settings = Settings.from_env(database_url=database_url, data_dir=data_dir)
    db.configure(settings)
    return settings


def verify_audit(checkpoint: dict | None = None) -> Verification:
    """Recompute every audit chain and the registry of chains (and compare with a checkpoint when given); the
    result names the first bad row or chain."""
    from .runtime import audit, db
    with db.unit_of_work(write=False) as s:
        return audit.verify(s, checkpoint)


def audit_checkpoint() -> dict:
    """A signed summary of every audit chain's head, to keep outside the database."""
    from .runtime import audit, db
    with db.unit_of_work(write=False) as s:
        return audit.checkpoint(s)


def rotate_audit_key() -> str:
    """A new HMAC key for the audit trail (old keys stay to verify old rows); returns its id."""
    from .runtime import audit_keys
    return audit_keys.rotate()


__all__ = [
    "configure", "init", "deploy_bundled", "DEMO_PASSWORD",
    "deploy", "validate_bpmn", "list_processes", "get_process", "get_bpmn", "startable_processes", "may_start",
    "save_form", "get_form", "list_forms",
    "list_path_tests", "save_path_tests", "run_path_tests", "Scenario", "ScenarioResult", "PathTestReport",
    "file_report", "report_status", "FiledReport", "PublicReply", "ReportStage", "ReportStatus",
    "start_instance", "get_instance", "list_instances", "instance_history",
    "suspend_instance", "resume_instance", "terminate_instance", "retry_instance",
    "list_tasks", "get_task", "claim", "unclaim", "complete_task", "save_draft", "reassign", "delegate", "Upload",
    "resolve", "send_back", "task_actions", "handover_candidates", "TaskActions",
    "add_enterprise", "add_user", "set_password", "authenticate", "display_names", "get_actor", "list_enterprises", "list_users",
    "verify_audit", "audit_checkpoint", "rotate_audit_key", "Verification",
    "Clock", "ManualClock", "SystemClock", "get_clock", "set_clock", "reset_clock", "Settings",
    "Actor", "SYSTEM", "DeployResult", "EnterpriseView", "FormView", "HistoryEntry", "InstanceView", "Page",
    "ProcessVersion", "TaskView", "UserView",
    "EngineError", "BadRequest", "Conflict", "DefinitionInvalid", "Forbidden", "FormInvalid", "NotAuthenticated",
    "NotFound", "PathTestsFailed", "SandboxViolation", "StorageError", "TooLarge", "ValidationFailed", "DatabaseUnavailable",
]
