"""What the simulated people answer: the decisions that carry the simulation's model (hazard or not, major or not,
deadlines, inspection findings, serious violations, acceptance results). Every other field of a form gets
`form_data`'s plausible answer."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..runtime.db import unit_of_work
from . import metrics

if TYPE_CHECKING:
    from .simulation import Simulator

_JUDGED_BY = {"grain_storage": "grain_storage", "refined_oil": "fire", "catering": "gas", "commercial_complex": "fire"}


def answers(sim: Simulator, task: Any, case: dict[str, Any]) -> dict[str, Any]:
    """The decisions that carry the simulation's model; every other field is form_data's plausible answer."""
    e = sim.enterprises.get(task.case_enterprise or -1)
    form, p, rng = task.form_key, sim.p, sim.rng
    if form == "hazard_grading":
        if rng.random() < p.not_a_hazard:
            return {"is_hazard": False}
        major = rng.random() < p.major_share * p.trend(sim.today) ** 2
        days = p.major_deadline_days if major else p.general_deadline_days
        return {"is_hazard": True, "hazard_level": "major" if major else "general",
                "judged_by": _JUDGED_BY.get(e.industry_key if e else "", "industry_trade"),
                "deadline": (sim.today + timedelta(days=rng.randint(*days))).isoformat(),
                **({"standard_clause": "第三条第（一）项"} if major else {})}
    if form == "expert_grading":
        major = rng.random() < p.expert_confirms_major
        return {"hazard_level": "major" if major else "general", **({"standard_clause": "第三条第（一）项"} if major else {})}
    if form == "rectification_progress":
        done = sim.now() >= sim.major_finish(task) - timedelta(hours=1)
        return ({"progress_stage": "completed", "progress_percent": 100, "completed_on": sim.today.isoformat(),
                 "evidence": ["sim-evidence"]} if done
                else {"progress_stage": "in_progress", "progress_percent": rng.randint(20, 90)})
    if form == "acceptance_inspection":
        result = rng.choices(("pass", "fail", "refused"), (88, 10, 2))[0]
        return {"acceptance_result": result, **({"deadline": (sim.today + timedelta(days=rng.randint(7, 15))).isoformat()}
                                                if result != "pass" else {}),
                **({"refusal_facts": "企业拒不整改"} if result == "refused" else {})}
    if form == "inspection_record_graded" and e:
        kind = case.get("inspection_type", "routine")
        violation = rng.random() < p.serious_violation
        return {"inspection_type": kind, "hazards": [graded_on_site(sim, e, h) for h in sim.hazard_items(p.inspection_findings, e)],
                "serious_violation": violation, **({"violation_facts": "存在严重违法违规行为"} if violation else {}),
                **({"joint_departments": ["fire_rescue", "market"]} if kind == "joint" else {})}
    if form == "spot_check":
        ok = rng.random() < 0.85
        return {"spot_check_result": "ok" if ok else "not_ok",
                **({} if ok else {"deadline": (sim.today + timedelta(days=rng.randint(7, 15))).isoformat()})}
    if form == "major_hazard_supervision":
        listed, suspended = rng.random() < 0.3, rng.random() < 0.1
        return {"supervision_listed": listed, "committee_reported": listed, "suspension_ordered": suspended,
                **({"supervision_deadline": case.get("deadline") or sim.today.isoformat()} if listed else {})}
    if form == "acceptance_expert_disagrees":
        result = rng.choices(("fail", "refused"), (95, 5))[0]
        return {"acceptance_result": result, "deadline": (sim.today + timedelta(days=rng.randint(7, 15))).isoformat(),
                **({"refusal_facts": "企业拒不整改"} if result == "refused" else {})}
    if form == "inspection_record" and e:
        kind = case.get("inspection_type", "routine")
        violation = rng.random() < p.serious_violation
        return {"inspection_type": kind, "hazards": sim.hazard_items(p.inspection_findings, e),
                "serious_violation": violation, **({"violation_facts": "存在严重违法违规行为"} if violation else {}),
                **({"joint_departments": ["fire_rescue", "market"]} if kind == "joint" else {})}
    if form == "self_check_record" and e:
        return {"findings": sim.hazard_items(p.self_check_finding, e, chance=True)}
    if form == "principal_check_report" and e:
        return {"findings": sim.hazard_items(p.principal_check_findings, e)}
    if form == "whistleblower_screening":
        verified = rng.random() < 0.6
        target = sim.pick_enterprise()
        return ({"screening_result": "verified", "enterprise_code": target.code, "case_title": "举报核实隐患",
                 "location": "现场", "verified_description": "举报情况属实", "category": "fire",
                 "evidence_photos": ["sim-photo"]} if verified else {"screening_result": "unfounded"})
    if form == "quarterly_progress_report":
        return progress_figures(sim)
    if form == "rectification_plan" and case.get("deadline"):
        return {"deadline": case["deadline"]}
    if form == "notice_compose":  # notice_distribution v2: the drafted notices go to enterprises
        return {"notice_kind": "notice", "target_type": case.get("target_type") or "all"}
    return {}

def graded_on_site(sim: Simulator, e: Any, item: dict[str, Any]) -> dict[str, Any]:
    """A finding the inspector grades on the spot (most are; the rest are graded later), as hazard_grading would."""
    p, rng = sim.p, sim.rng
    if rng.random() < p.not_a_hazard:  # unsure on site: left to the grading step
        return item
    major = rng.random() < p.major_share * p.trend(sim.today) ** 2
    days = p.major_deadline_days if major else p.general_deadline_days
    return {**item, "hazard_level": "major" if major else "general", "responsible_person": "企业负责人",
            "judged_by": _JUDGED_BY.get(e.industry_key, "industry_trade"),
            "deadline": (sim.today + timedelta(days=rng.randint(*days))).isoformat(),
            **({"standard_clause": "第三条第（一）项"} if major else {})}


def self_report(sim: Simulator) -> dict[str, Any]:
    """What an enterprise adds to its own report: its judged level and its deadline for a general hazard."""
    p, rng = sim.p, sim.rng
    major = rng.random() < p.major_share * p.trend(sim.today) ** 2
    return {"reported_level": "major" if major else "general",
            "planned_deadline": (sim.today + timedelta(days=rng.randint(*p.general_deadline_days))).isoformat()}


def progress_figures(sim: Simulator) -> dict[str, Any]:
    with unit_of_work(write=False) as s:
        rows = metrics.case_rows(s, (metrics.HAZARD_PROCESS,))
    at, day = sim.now(), sim.today
    major = metrics.majors(rows, at)
    return {"major_open": sum(metrics.is_open(r, at) for r in major),
            "major_closed": sum(metrics.is_closed(r, at) for r in major),
            "major_new": sum(metrics.found_year(r) == day.year for r in major),
            "major_overdue": sum(metrics.is_overdue(r, at, day) for r in major)}
