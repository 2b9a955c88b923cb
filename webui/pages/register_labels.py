"""Names people read on the registers: register kinds, item states, counts, the fields each register shows.

No `bp` here: `register_blueprints` imports this module and leaves it alone.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

import engine
from engine.campaign import RegisterKind
from webui.i18n import current_locale
from webui.pages import common

STATE_TITLE = _l("Standing")
STATE_LABELS = {"open": _l("In progress"), "overdue": _l("Overdue"), "done": _l("Settled"), "missed": _l("Not done")}
STATE_BADGES = {"open": "info", "overdue": "danger", "done": "success", "missed": "warning"}
COUNT_LABELS = {"due": _l("Due items"), **STATE_LABELS}

DESCRIPTIONS = {
    "inspections": _l("The bureau's inspection of each enterprise every half year (red and orange enterprises every "
                      "quarter), including unannounced and joint inspections. Settled when the enterprise has signed "
                      "the record."),
    "principal_checks": _l("The principal leads a major-hazard check at least once a quarter. Settled when the "
                           "inspector accepts the report."),
    "drills": _l("Evacuation drills: crowded places yearly, high-risk enterprises every half year. Settled when the "
                 "inspector accepts the drill report."),
    "training": _l("One enrolment per enterprise and year, person by person from its staff register. Settled when "
                   "every enrolled person passed; overdue when a step is late or the year is over."),
    "self_checks": _l("One self-check per enterprise and business day (every day, or working days, as set for "
                      "the enterprise or its industry). A check not done by 23:59 is not done; withdrawn checks and "
                      "days the enterprise is closed are not counted."),
    "hazards": _l("Every hazard case, dated by when it was reported. Overdue when the rectification deadline has "
                  "passed."),
    "referrals": _l("Referrals to the city work-safety committee for enforcement. Overdue when the feedback "
                    "deadline or a step is late."),
    "notices": _l("One read receipt per notice and enterprise, and one study record per study material and bureau "
                  "staff member. Overdue when not confirmed in time (three working days for a notice, five for "
                  "study)."),
    "whistleblower": _l("Reports from the public. Overdue when screening, the reward decision or the answer is late."),
    "accidents": _l("Accidents and near misses, dated by when they were reported, by level. Settled when the bureau "
                    "has verified the record; the goal is no major or especially major accident."),
}
FIELD_TITLES = {
    "period": _l("Duty period"), "inspection_type": _l("Inspection type"), "inspected_on": _l("Inspected on"),
    "hazards_opened": _l("Hazard cases opened"), "serious_violation": _l("Serious violation"), "checked_on": _l("Checked on"),
    "leader_name": _l("Led by"), "drill_interval": _l("Required interval"), "drill_on": _l("Drill date"),
    "participants": _l("Participants"), "evacuation_seconds": _l("Evacuation time (seconds)"),
    "year": _l("Year"), "principal_result": _l("Principal's result"),
    "safety_officer_result": _l("Safety manager's result"), "trained_on": _l("Trained on"),
    "hazard_level": _l("Level"), "source": _l("Source"), "category": _l("Category"), "location": _l("Location"),
    "trigger": _l("Reason for referral"), "committee_decision": _l("Feedback"), "press_count": _l("Times pressed"),
    "letter_no": _l("Letter number"), "received_on": _l("Receipt date"), "urge_count": _l("Times urged"),
    "decision_document_no": _l("Decision document no."), "notice_title": _l("Notice"),
    "published_on": _l("Published on"), "read_confirmed": _l("Read confirmed"),
    "notice_kind": _l("Kind"), "reader_name": _l("Studied by"), "study_confirmed": _l("Study confirmed"),
    "screening_result": _l("Screening result"), "verified_on": _l("Verified on"),
    "people_enrolled": _l("People enrolled"), "people_passed": _l("People passed"), "event_type": _l("Type"),
    "accident_level": _l("Accident level"), "occurred_on": _l("Occurred on"), "deaths": _l("Deaths"),
    "serious_injuries": _l("Serious injuries"), "injuries": _l("Minor injuries"),
    "direct_loss": _l("Direct loss (10,000 yuan)"),
    "closed_on": _l("Closed on"), "closed_by": _l("Closed by"), "spot_check_result": _l("Sample check"),
    "supervision_listed_on": _l("Listed for supervision on"), "supervising_leader": _l("Supervising leader"),
    "committee_reported_on": _l("Reported to the committee office on"),
    "committee_document_no": _l("Report document no."), "suspension_decision_no": _l("Suspension decision no."),
    "suspension_lifted_on": _l("Suspension lifted on"),
}
# who closed a hazard, and where its sample check stands (hazard_closure's closed_by / spot_check_result)
CLOSED_BY_LABELS = {"enterprise": _l("The enterprise (self-fixed)"), "bureau": _l("The bureau (acceptance)")}
SPOT_CHECK_LABELS = {"pending": _l("Sample check pending"), "ok": _l("Sample check passed"),
                     "not_ok": _l("Sample check failed")}


def kind_name(kind: RegisterKind) -> str:
    """A register's name in the page's language."""
    return kind.name_en if current_locale() == "en" else kind.name_zh


def kind_description(kind: RegisterKind) -> str:
    """One sentence on what the register holds and when an item counts as settled or overdue."""
    return str(DESCRIPTIONS.get(kind.key, ""))


def field_title(name: str) -> str:
    """The column title of a case-data field a register shows."""
    return str(FIELD_TITLES.get(name, common.FIELD_LABELS.get(name, name)))


def field_value(name: str, value: Any) -> Any:
    """A field's value as people read it: names, not codes."""
    if value is None or value == "":
        return ""
    if name == "source":
        return common.label(common.SOURCE_LABELS, value)
    if name == "hazard_level":
        return common.label(common.LEVEL_LABELS, value)
    if name == "closed_by":
        return common.label(CLOSED_BY_LABELS, value)
    if name == "spot_check_result":
        return common.label(SPOT_CHECK_LABELS, value)
    return common.value_label(name, value)


def variant_choices(kind: RegisterKind) -> list[tuple[str, str]]:
    """(value, name) of the register's type filter, from the enum of the form field it names."""
    if kind.variant is None:
        return []
    for form in engine.list_forms():
        spec = (form.schema.get("properties") or {}).get(kind.variant)
        if isinstance(spec, dict) and spec.get("enum"):
            return [(str(v), str(field_value(kind.variant, v))) for v in spec["enum"]]
    return []

