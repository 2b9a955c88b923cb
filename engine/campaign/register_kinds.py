"""The register kinds (台账): which cases make up each duty's register and what done / missed / overdue mean there.

Each kind names the processes whose cases are its items. Every item is in exactly one state:

| state     | 中文   | when |
|-----------|--------|------|
| `done`    | 已办结 | the case completed (a daily self-check closed by its midnight timer is `missed`, not done) |
| `missed`  | 未完成 | the case was terminated (withdrawn unfinished), or completed with the kind's `missed_flag` set |
| `overdue` | 已逾期 | still open and past its `deadline` (kinds with `task_overdue`: or an open step past its due time) |
| `open`    | 办理中 | still open and in time |

A kind with a `settled_flag` counts a still-open case with that case-data flag set as `done`: a hazard the enterprise
fixed and closed itself (`self_closed`) is settled even while the bureau's sample check of it is pending; a failed
check clears the flag and the hazard is open (or overdue) again.

`due` (应办) counts them all. Kinds marked `in_time` also count `late`: done items with a step completed after its
due time (a report handled, but not within its time). For `accidents` an item is a record: done = verified by the bureau, open = awaiting
verification; `training` rows carry the people enrolled and passed (`engine.campaign.training_coverage` counts the people). Open means status running, suspended or error: a stopped case is still a duty owed.
The semantics for the daily self-check and the hazard register are those of `self_checks` and `register`: a daily
self-check is owed on its enterprise's business days only (`business_days`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..runtime.errors import NotFound
from .register import HAZARD_PROCESS
from .self_checks import SELF_CHECK_PROCESS

STATES = ("open", "overdue", "done", "missed")
OPEN_STATUSES = ("running", "suspended", "error")


@dataclass(frozen=True)
class RegisterKind:
    """One duty's register: its processes and how its items are dated, judged and shown."""

    key: str
    name_zh: str
    name_en: str
    processes: tuple[str, ...]
    dated_by: str = "deadline"  # "deadline" (the period it is due in) or "started" (when it arose)
    task_overdue: bool = False  # no case deadline: an open step past its due time makes the item overdue
    missed_flag: str | None = None  # a case-data flag that turns a completed case into a missed one
    skip_terminated: bool = False  # withdrawn cases are not counted at all
    bureau_only: bool = False  # not listed for, and 404 to, enterprise users
    variant: str | None = None  # the case field that splits the register (inspection type, hazard level …)
    fields: tuple[str, ...] = ()  # case-data fields each row carries
    in_time: bool = False  # count done items handled late (a step completed after its due time): the plan asks
    #                        for these "in time", not just done
    business_days: bool = False  # owed on the enterprise's business days only: an item on a day the enterprise is
    #                              closed (by its rule in force, `engine.campaign.business_days`) counts only when done
    settled_flag: str | None = None  # a case-data flag that settles a still-open case (a self-closed hazard)


KINDS: tuple[RegisterKind, ...] = (
    RegisterKind("inspections", "行业安全检查台账", "Industry inspections", ("industry_inspection",),
                 variant="inspection_type",
                 fields=("period", "inspection_type", "inspected_on", "hazards_opened", "serious_violation")),
    RegisterKind("principal_checks", "主要负责人季度排查台账", "Principals' quarterly checks",
                 ("quarterly_principal_check",), fields=("period", "checked_on", "leader_name", "hazards_opened")),
    RegisterKind("drills", "疏散逃生演练台账", "Evacuation drills", ("evacuation_drill",), variant="drill_interval",
                 fields=("period", "drill_interval", "drill_on", "participants", "evacuation_seconds")),
    RegisterKind("training", "安全培训台账", "Safety training", ("training_enrolment",), task_overdue=True,
                 fields=("year", "people_enrolled", "people_passed", "principal_result", "safety_officer_result",
                         "trained_on")),
    RegisterKind("self_checks", "每日安全自查台账", "Daily self-checks", (SELF_CHECK_PROCESS,),
                 missed_flag="self_check_missed", skip_terminated=True, business_days=True, fields=("hazards_opened",)),
    RegisterKind("hazards", "隐患排查治理台账", "Hazards", (HAZARD_PROCESS,), dated_by="started", variant="hazard_level",
                 settled_flag="self_closed",
                 fields=("hazard_level", "source", "category", "location", "closed_on", "closed_by", "spot_check_result",
                         "supervision_listed_on", "supervising_leader", "committee_reported_on",
                         "committee_document_no", "suspension_decision_no", "suspension_lifted_on")),
    RegisterKind("referrals", "移送执法台账", "Enforcement referrals", ("enforcement_referral",), dated_by="started",
                 task_overdue=True, bureau_only=True, variant="trigger",
                 fields=("trigger", "letter_no", "received_on", "urge_count", "committee_decision", "press_count",
                         "decision_document_no")),  # v2: urge_count (催办); v1 cases: press_count (督办)
    RegisterKind("notices", "通知已读回执台账", "Notice receipts", ("notice_acknowledgement", "study_receipt"),
                 dated_by="started", task_overdue=True,
                 fields=("notice_kind", "notice_title", "published_on", "read_confirmed", "reader_name",
                         "study_confirmed")),  # study_receipt: one bureau person's study record (item 21)
    RegisterKind("whistleblower", "举报受理台账", "Whistleblower reports", ("whistleblower_intake",),
                 dated_by="started", task_overdue=True, bureau_only=True, in_time=True, variant="screening_result",
                 fields=("screening_result", "verified_on", "category")),
    RegisterKind("accidents", "事故险情台账", "Accidents and near misses", ("accident_report",), dated_by="started",
                 task_overdue=True, variant="accident_level",
                 fields=("event_type", "accident_level", "occurred_on", "deaths", "serious_injuries", "injuries",
                         "direct_loss")),
)
_BY_KEY = {k.key: k for k in KINDS}


def get_kind(key: str) -> RegisterKind:
    """The register kind by key.

    Raises:
        NotFound: no such register.
    """
    kind = _BY_KEY.get(key)
    if kind is None:
        raise NotFound("没有这个台账", "No such register", {"kind": key, "known": list(_BY_KEY)})
    return kind
