"""Helpers for the path tests of the campaign procedures (tests/processes/test_*.py).

`Campaign` deploys the real diagrams from processes/ with their forms, has one user per role, and
walks a case step by step: every step goes through the engine's public API, so the case is saved
and loaded again from the database between steps, exactly as in production.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import engine
from engine.campaign import bootstrap, register
from engine.runtime import timers
from engine.runtime.clock import CHINA_TZ

ROOT = Path(__file__).resolve().parents[2]
FORMS = bootstrap.read_forms(ROOT / "forms")
DEMO = {e["code"]: e for e in json.loads((ROOT / "engine/reference_data/demo_enterprises.json").read_text("utf-8"))}

CATERING = "91220881MA57H0KQ5Q"       # 福顺园餐饮, crowded place, orange
SMALL_VENUE = "92220881MA12KEKX5R"    # 老街坊饺子馆, catering small venue, yellow
OIL = "91220881MAJCLALN6C"            # 东升油品储运, refined oil, high risk, red
GRAIN = "91220881MAX6P9YY88"          # 丰收粮食收储, grain storage, high risk, red
RECYCLING = "92220881MA62J3M52T"      # 聚宝废品收购站, recycling, high risk, blue
COMPLEX = "91220881MAYDCBTU6R"        # 兴隆商贸城, commercial complex, crowded place, yellow
ENTERPRISES = (CATERING, SMALL_VENUE, OIL, GRAIN, RECYCLING, COMPLEX)

USERS: dict[str, dict[str, Any]] = {
    "officer": dict(roles=["enterprise_safety_officer"], enterprise=CATERING),
    "principal": dict(roles=["enterprise_principal"], enterprise=CATERING),
    "officer_oil": dict(roles=["enterprise_safety_officer"], enterprise=OIL),
    "principal_oil": dict(roles=["enterprise_principal"], enterprise=OIL),
    "principal_grain": dict(roles=["enterprise_principal"], enterprise=GRAIN),
    "principal_small": dict(roles=["enterprise_principal"], enterprise=SMALL_VENUE),
    "inspector": dict(roles=["bureau_inspector"]),
    "chief": dict(roles=["section_chief"]),
    "deputy": dict(roles=["deputy_director"]),
    "director": dict(roles=["director"]),
    "expert": dict(roles=["expert"]),
    "grid": dict(roles=["grid_worker"]),
    "committee": dict(roles=["safety_committee"]),
    "handler": dict(roles=["whistleblower_handler"]),
    "admin": dict(roles=["admin"]),
}
_FORM_KEY = re.compile(r'name="formKey" value="([A-Za-z0-9_]+)"')


def forms_of(key: str) -> dict[str, dict[str, Any]]:
    """The forms a diagram names (deploying with all 47 would re-check every schema each time)."""
    text = (ROOT / "processes" / f"{key}.bpmn").read_text("utf-8")
    return {k: FORMS[k] for k in set(_FORM_KEY.findall(text))}


@dataclass
class Campaign:
    """The deployed procedures, one user per role, and a clock to move."""

    clock: engine.ManualClock
    actors: dict[str, engine.Actor] = field(default_factory=dict)

    def deploy(self, *keys: str) -> None:
        for key in keys:
            engine.deploy((ROOT / "processes" / f"{key}.bpmn").read_bytes(), actor="owner", forms_given=forms_of(key))

    @property
    def admin(self) -> engine.Actor:
        return self.actors["admin"]

    def start(self, who: str, key: str, data: dict[str, Any], business_key: str | None = None) -> engine.InstanceView:
        case = engine.start_instance(self.actors[who], key, data, business_key=business_key)
        return self.case(case.id)

    def case(self, case_id: int) -> engine.InstanceView:
        """The case as stored now (a fresh load from the database)."""
        return engine.get_instance(self.admin, case_id)

    def steps(self, case_id: int) -> list[str]:
        """Element ids of the case's open tasks."""
        return sorted(t.element_id for t in self.case(case_id).open_tasks)

    def do(self, who: str, case_id: int, element: str, **data: Any) -> engine.InstanceView:
        """Complete the case's open task `element` as `who`, then reload the case."""
        view = self.case(case_id)
        matching = [t for t in view.open_tasks if t.element_id == element]
        assert matching, f"{element} is not open; open: {[t.element_id for t in view.open_tasks]}"
        engine.complete_task(self.actors[who], matching[0].id, data, trust_file_ids=True)  # photo ids made up
        return self.case(case_id)

    def children(self, case_id: int, key: str | None = None) -> list[engine.InstanceView]:
        """Cases this one started, fully loaded, oldest first."""
        page = engine.list_instances(self.admin, parent_id=case_id, process_key=key, limit=500)
        return [self.case(c.id) for c in sorted(page.items, key=lambda c: c.id)]

    def today(self) -> date:
        return self.clock.now().astimezone(CHINA_TZ).date()

    def go_to(self, when: str) -> int:
        """Move the clock to a China-time moment ('2025-04-01T09:00') and fire what is due; returns jobs fired."""
        self.clock.set(datetime.fromisoformat(when).replace(tzinfo=CHINA_TZ))
        fired = 0
        while (n := timers.fire_due()):
            fired += n
        return fired

    def advance(self, **delta: float) -> int:
        self.clock.advance(**delta)
        fired = 0
        while (n := timers.fire_due()):
            fired += n
        return fired

    def register(self, **filters: Any) -> list[register.HazardRow]:
        return list(register.hazard_register(self.admin, today=self.today(), **filters).items)


def columns(case: engine.InstanceView) -> dict[str, Any]:
    """The case's searchable domain columns."""
    return {"enterprise": case.enterprise_code, "industry": case.industry, "level": case.hazard_level,
            "deadline": case.deadline.isoformat() if case.deadline else None, "status": case.status}


def in_days(campaign: Campaign, days: int) -> str:
    return (campaign.today() + timedelta(days=days)).isoformat()


# ------------------------------------------------------------------ form data
def hazard_report(code: str = CATERING, **over: Any) -> dict[str, Any]:
    """An enterprise's own report of a hazard it judges major, so the bureau grades it (the path most tests walk);
    `self_fix_report` is one it fixes and closes itself."""
    data = {"enterprise_code": code, "case_title": "后厨燃气软管老化", "source": "self_check", "location": "二楼后厨",
            "description": "灶台燃气软管老化龟裂，长度超过2米。", "category": "gas", "found_by": "安全员", "found_at": "2025-03-03",
            "reported_level": "major"}
    data.update(over)
    return data


def self_fix_report(code: str = CATERING, **over: Any) -> dict[str, Any]:
    """A general hazard the enterprise found itself: fixed and closed by the enterprise (自查自改)."""
    return hazard_report(code, **{"reported_level": "general", **over})


def self_rectification() -> dict[str, Any]:
    return {"measures_taken": "已更换金属波纹管。", "completed_on": "2025-03-05", "evidence": ["att-1"],
            "closed_by_name": "刘安全"}


def spot_check(result: str, deadline: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"spot_check_result": result, "spot_checked_on": "2025-03-10", "spot_check_opinion": "抽查意见。"}
    if deadline:
        data["deadline"] = deadline
    return data


def supervision(listed: bool = False, suspended: bool = False) -> dict[str, Any]:
    """The section chief's decision on a confirmed major hazard (挂牌督办, 报市安委办, 停产停业整顿)."""
    data: dict[str, Any] = {"supervision_listed": listed, "committee_reported": listed, "suspension_ordered": suspended}
    if listed:
        data.update(supervision_listed_by="洮南市商务局", supervision_listed_on="2025-03-04", supervising_leader="王副局长",
                    supervision_deadline="2025-04-30", committee_reported_on="2025-03-05",
                    committee_document_no="洮商安〔2025〕12号")
    if suspended:
        data.update(suspension_decision_no="洮商停〔2025〕3号", suspension_decided_on="2025-03-04",
                    suspension_scope="二楼后厨停止使用")
    return data


def grading(level: str | None, deadline: str | None = None, **over: Any) -> dict[str, Any]:
    if level is None:
        return {"is_hazard": False, "grading_opinion": "经核查不构成隐患。", **over}
    data = {"is_hazard": True, "hazard_level": level, "judged_by": "gas" if level == "major" else "other",
            "deadline": deadline, "responsible_person": "后厨主管", "grading_opinion": "属实。"}
    if level == "major":
        data["standard_clause"] = "第二十二条"
    data.update(over)
    return data


def expert_grading(level: str) -> dict[str, Any]:
    data = {"hazard_level": level, "judged_by": "gas", "expert_names": "周健", "expert_opinion": "专家会商意见。"}
    if level == "major":
        data["standard_clause"] = "第二十二条"
    return data


def acknowledgement() -> dict[str, Any]:
    return {"principal_name": "黄丽华", "actual_controller_name": "黄丽华", "acknowledged": True,
            "acknowledged_on": "2025-03-05", "interim_measures": "停用该灶台，专人值守。", "list_publicized": True}


def rectification_plan(deadline: str) -> dict[str, Any]:
    return {"responsible_person": "后厨主管", "responsible_phone": "13904361001", "measures": "更换金属波纹管，加装报警器。",
            "funds": 18600, "deadline": deadline, "contingency_plan": "整改期间每班检查阀门。"}


def progress(stage: str) -> dict[str, Any]:
    if stage == "completed":
        return {"progress_stage": "completed", "progress_percent": 100, "progress_summary": "全部完成。",
                "completed_on": "2025-03-20", "evidence": ["att-1"]}
    return {"progress_stage": "in_progress", "progress_percent": 40, "progress_summary": "材料已到货。"}


def rectification_report() -> dict[str, Any]:
    return {"measures_taken": "已更换。", "completed_on": "2025-03-10", "evidence": ["att-1"]}


def acceptance(result: str, deadline: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"acceptance_result": result, "accepted_on": "2025-03-12", "acceptance_opinion": "验收意见。"}
    if deadline:
        data["deadline"] = deadline
    if result == "refused":
        data["refusal_facts"] = "复查时仍未整改，负责人拒绝签字。"
    return data


def expert_acceptance(result: str = "pass") -> dict[str, Any]:
    return {"expert_result": result, "expert_names": "周健", "expert_opinion": "同意。"}


def publicity() -> dict[str, Any]:
    return {"publicized_on": "2025-03-25", "publicity_scope": "全体员工", "publicity_photos": ["att-2"]}


def review(decision: str, opinion: str | None = "请补充。") -> dict[str, Any]:
    data = {"review_decision": decision}
    if decision == "returned":
        data["review_opinion"] = opinion
    return data


def finding(title: str = "配电箱前堆放杂物") -> dict[str, Any]:
    return {"title": title, "location": "一楼配电室", "description": "配电箱前1米内堆放纸箱。", "category": "electrical"}
