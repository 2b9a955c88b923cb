"""The hazard-closure path of the demo data (DEMO-HZ-12: a major hazard from report to strike-off,
start + 9 user tasks) through the engine and on raw SpiffWorkflow, for the overhead comparison."""
from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

import engine

from .paths import StepTimes, _note
from .raw import RawReview
from .targets import ROOT

DEMO_CASE = "DEMO-HZ-12"
# SAFELOOP_BENCH_PROCESSES: another folder of diagrams (e.g. a committed copy while processes/ is being edited); a
# demo_cases.json there goes with them
PROCESSES = Path(os.environ.get("SAFELOOP_BENCH_PROCESSES") or ROOT / "processes")
BPMN = PROCESSES / "hazard_closure.bpmn"


def demo_case() -> dict[str, Any] | None:
    """The demo case's start data and steps, or None when the demo data does not have it."""
    path = PROCESSES / "demo_cases.json"
    if not path.exists():
        path = ROOT / "engine" / "reference_data" / "demo_cases.json"
    if not path.exists() or not BPMN.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    cases = raw if isinstance(raw, list) else raw.get("cases", [])
    return next((c for c in cases if c.get("business_key") == DEMO_CASE), None)


def prepare(target: Any) -> None:
    """On a prepared target: demo enterprises and users (no passwords), hazard_closure, enforcement_referral."""
    from engine.campaign import bootstrap
    engine.configure(database_url=target.url, data_dir=target.data_dir)
    for e in json.loads((bootstrap.REFERENCE / "demo_enterprises.json").read_text(encoding="utf-8")):
        engine.add_enterprise(e["code"], e["name"], e["industry"], category=e.get("category"))
    for u in json.loads((bootstrap.REFERENCE / "demo_users.json").read_text(encoding="utf-8")):
        engine.add_user(u["username"], roles=u["roles"], display_name=u.get("display_name"),
                        enterprise=u.get("enterprise_code"), industries=u.get("industries") or [])
    forms = bootstrap.read_forms(ROOT / "forms")
    for key in ("enforcement_referral", "hazard_closure"):  # the path may start a linked referral case
        engine.deploy((PROCESSES / f"{key}.bpmn").read_bytes(), actor="bench", forms_given=forms)


def _add_days(day: str, n: int) -> str:
    return (date.fromisoformat(str(day)[:10]) + timedelta(days=int(n))).isoformat()


def raw_runner() -> RawReview:
    """hazard_closure on raw SpiffWorkflow, with plain stand-ins for the sandbox's functions."""
    runner = RawReview(BPMN, "hazard_closure")
    runner.scripts = PythonScriptEngine(environment=TaskDataEnvironment({
        "today": lambda: date.today().isoformat(), "add_days": _add_days, "add_working_days": _add_days,
        "start_case": lambda *a, **k: None, "enterprises": lambda **k: [], "max": max}))
    return runner


def engine_case(spec: dict[str, Any], times: StepTimes | None = None) -> int:
    """The demo case through the engine API (demo users and enterprises must be loaded)."""
    # the actors are looked up before the clock starts, as for the review path (a request resolves its actor once)
    people = {name: engine.get_actor(name) for name in {spec["started_by"], *(step["user"] for step in spec["steps"])}}
    if times is not None and hasattr(times, "mark"):
        times.mark()
    t0 = time.perf_counter()
    view = engine.start_instance(people[spec["started_by"]], "hazard_closure", dict(spec["data"]))
    _note(times, "start", t0)
    for step in spec["steps"]:
        task = next(t for t in view.open_tasks if t.element_id == step["task"])
        t0 = time.perf_counter()
        view = engine.complete_task(people[step["user"]], task.id, dict(step["data"]), trust_file_ids=True)
        _note(times, step["task"], t0)
    assert view.status == "completed", (view.status, view.current_step)
    return view.id


def raw_case(runner: RawReview, spec: dict[str, Any], times: StepTimes | None = None) -> None:
    t0 = time.perf_counter()
    state = runner.start(dict(spec["data"]))
    _note(times, "start", t0)
    for step in spec["steps"]:
        t0 = time.perf_counter()
        state = runner.complete(state, step["task"], dict(step["data"]))
        _note(times, step["task"], t0)
