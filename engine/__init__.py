"""Safeloop's BPMN runtime. The public API; callers never import SpiffWorkflow themselves.

Every function here is one unit of work: it commits on success and changes nothing on error.
"""
from __future__ import annotations

from pathlib import Path

from . import spiff_time  # noqa: F401  (SpiffWorkflow timers follow our clock)
from .attachments import Upload
from .audit import Verification
from .bootstrap import DEMO_PASSWORD, deploy_bundled, init
from .cases import (get_instance, instance_history, list_instances, resume_instance, retry_instance,
                    start_instance, suspend_instance, terminate_instance)
from .clock import Clock, ManualClock, SystemClock, get_clock, reset_clock, set_clock
from .config import Settings
from .definitions import deploy, get_bpmn, get_process, list_processes, may_start, startable_processes, validate_bpmn
from .errors import (BadRequest, Conflict, DatabaseUnavailable, DefinitionInvalid, EngineError, Forbidden, FormInvalid,
                     NotAuthenticated, NotFound, PathTestsFailed, SandboxViolation, StorageError, TooLarge,
                     ValidationFailed)
from .forms import get_form, list_forms, save_form
from .path_runs import PathTestReport, ScenarioResult
from .path_runs import run_for as run_path_tests
from .path_tests import Scenario
from .path_tests import save as save_path_tests
from .path_tests import stored as list_path_tests
from .public_reports import FiledReport, PublicReply, ReportStage, ReportStatus, file_report, report_status
from .inbox import list_tasks
from .task_options import TaskActions, handover_candidates, task_actions
from .tasks import (claim, complete_task, delegate, get_task, reassign, resolve, save_draft, send_back,
                    unclaim)
from .enterprises import add_enterprise, list_enterprises
from .users import (add_user, authenticate, display_names, get_actor, list_users,
                    set_password)
from .views import (SYSTEM, Actor, DeployResult, EnterpriseView, FormView, HistoryEntry, InstanceView, Page,
                    ProcessVersion, TaskView, UserView)
from . import report_figures  # noqa: F401,E402  (the campaign registers its script functions: register_figures)
from . import referral_letters  # noqa: F401,E402  (… and issue_document_no, the referral letter's 文号)
from . import campaign_dates, notices, script_lookups  # noqa: F401,E402  (notice queue refills, shared notice files, lookups)


def configure(*, database_url: str | None = None, data_dir: str | Path | None = None) -> Settings:
    """Point the engine at a database and data dir (environment variables fill the gaps)."""
    from . import db
    settings = Settings.from_env(database_url=database_url, data_dir=data_dir)
    db.configure(settings)
    return settings


def verify_audit(checkpoint: dict | None = None) -> Verification:
    """Recompute every audit chain and the registry of chains (and compare with a checkpoint when given); the
    result names the first bad row or chain."""
    from . import audit, db
    with db.unit_of_work(write=False) as s:
        return audit.verify(s, checkpoint)


def audit_checkpoint() -> dict:
    """A signed summary of every audit chain's head, to keep outside the database."""
    from . import audit, db
    with db.unit_of_work(write=False) as s:
        return audit.checkpoint(s)


def rotate_audit_key() -> str:
    """A new HMAC key for the audit trail (old keys stay to verify old rows); returns its id."""
    from . import audit_keys
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
