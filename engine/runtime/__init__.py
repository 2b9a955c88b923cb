"""The BPMN runtime: parsing and validating diagrams, deploying versions, cases and their steps (SpiffWorkflow,
behind `instances`), tasks and the inbox, forms and files, timers and scheduled starts, the expression sandbox, the
projections (task, job) and the audit chain, storage (SQLAlchemy models, units of work, Alembic) and the process
owner's tools (path tests, step statistics, version diff, case migration). It knows no campaign: hazards, notices,
training, self-checks and campaign dates reach it only through its extension points, which the campaign layer fills
in when it is imported — `scripting.register_function` (functions scripts may call), `schedules.on_scheduled_start`
(queues a layer above tops up) and `attachments.share_with_children` (files a parent case shares). The names
below are what the web UI may use beyond `engine`'s own API; a module, `db` or `models` is never imported from outside.
"""
from __future__ import annotations

from . import path_runs  # noqa: F401  (registers itself as the deploy gate's path-test runner)
from .attachments import AttachmentView, list_for_case
from .attachments import Upload as AttachmentsUpload
from .attachments import get as attachments_get
from .attachments import store as attachments_store
from .audit import record_event as record_audit_event
from .audit_search import audit_actions, export_audit_csv, list_audit
from .case_search import case_path, search_cases
from .clock import CHINA_TZ
from .db import RETRY_AFTER_SECONDS, DatabaseUnavailable, is_unavailable
from .diagram_diff import compare_versions
from .forms import check_schema
from .health import Snapshot, readiness, snapshot
from .incidents import list_incidents, list_jobs
from .incidents import retry_all as incidents_retry_all
from .incidents import retry_delivery as incidents_retry_delivery
from .incidents import retry_job as incidents_retry_job
from .migration import check_migration, migrate_instance, migrate_version
from .notifications import Notification, unread_count
from .notifications import list_for as notifications_list_for
from .notifications import mark_read as notifications_mark_read
from .step_statistics import DEFAULT_DAYS as STATISTICS_DEFAULT_DAYS
from .step_statistics import MAX_SLOWEST, ProcessStatistics, SlowCase, StepStatistics, Wait, readable_by
from .step_statistics import Filters as StepStatisticsFilters
from .step_statistics import process_statistics as step_statistics_process_statistics
from .task_links import LinkClosed, LinkedTask, linkable_tasks, open_task
from .task_links import complete as task_links_complete
from .task_links import issue as task_links_issue
from .token_revocations import is_revoked
from .token_revocations import revoke as token_revocations_revoke
from .token_revocations import revoke_user as token_revocations_revoke_user
from .user_admin import get_user, set_user_active, set_user_roles
from .user_admin import reset_password as user_admin_reset_password
from .users import actor_unless_revoked

__all__ = ["Snapshot", "readiness", "snapshot", "AttachmentView", "AttachmentsUpload", "CHINA_TZ", "DatabaseUnavailable", "LinkClosed", "LinkedTask",
           "MAX_SLOWEST", "Notification", "ProcessStatistics", "RETRY_AFTER_SECONDS", "SlowCase", "StepStatistics",
           "StepStatisticsFilters", "Wait", "actor_unless_revoked", "attachments_get",
           "attachments_store", "audit_actions", "record_audit_event", "case_path", "check_migration", "check_schema",
           "compare_versions", "export_audit_csv", "get_user", "incidents_retry_all", "incidents_retry_delivery",
           "incidents_retry_job", "is_revoked", "is_unavailable", "linkable_tasks", "list_audit", "list_for_case",
           "list_incidents", "list_jobs", "migrate_instance", "migrate_version", "notifications_list_for",
           "notifications_mark_read", "open_task", "readable_by", "search_cases", "set_user_active", "set_user_roles",
           "STATISTICS_DEFAULT_DAYS", "step_statistics_process_statistics", "task_links_complete", "task_links_issue",
           "token_revocations_revoke", "token_revocations_revoke_user", "unread_count",
           "user_admin_reset_password"]
