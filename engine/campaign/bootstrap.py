"""`safeloop init`: schema upgrade, reference data (roles, industries), processes and demo data."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..runtime import audit, definitions, forms, schema, users
from ..runtime.db import unit_of_work
from ..runtime.errors import Conflict, EngineError
from ..runtime.models import AuditHead, Industry, Role, User
from ..runtime.views import SYSTEM
from . import enterprises, staff

REFERENCE = Path(__file__).parent.parent / "reference_data"
PROJECT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "safeloop-demo"


def _read(name: str) -> Any:
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def load_reference_data() -> dict[str, int]:
    """Insert or update roles and industries (idempotent)."""
    roles, industries = _read("roles.json"), _read("industries.json")
    from . import business_days
    business_days.industry_defaults.cache_clear()
    business_days.industry_defaults()  # each industry's default business days: a bad rule stops init here
    from . import responsibilities
    responsibilities.load(role_keys={r["key"] for r in roles})  # the responsibility list (item 2): checked here
    with unit_of_work() as s:
        for item in industries:
            row = s.get(Industry, item["key"]) or Industry(key=item["key"])
            row.name_zh, row.name_en, row.training_year = item["name_zh"], item["name_en"], item.get("training_year")
            s.add(row)
        for item in roles:
            row = s.get(Role, item["key"]) or Role(key=item["key"])
            row.name_zh, row.name_en = item["name_zh"], item["name_en"]
            row.side, row.escalates_to = item.get("side", "bureau"), item.get("escalates_to")
            s.add(row)
        from ..runtime.forms import forget_cached_schemas
        from ..runtime.roles import forget_cached_roles
        forget_cached_roles()  # a new or re-initialised database: nothing cached for its URL still holds
        forget_cached_schemas()
        audit.seal(s)  # chains written before the trail was keyed (engine/runtime/audit.py)
        if s.get(AuditHead, "system") is None:
            audit.record(s, "system.init", actor="system", after={"roles": len(roles), "industries": len(industries)})
    return {"roles": len(roles), "industries": len(industries)}


def processes_dir() -> Path:
    return Path(os.environ.get("SAFELOOP_PROCESSES_DIR") or PROJECT / "processes")


def forms_dir() -> Path:
    return Path(os.environ.get("SAFELOOP_FORMS_DIR") or PROJECT / "forms")


def read_forms(folder: Path) -> dict[str, dict[str, Any]]:
    """Every forms/<key>.json in a folder, by key."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def deploy_bundled(actor: str = "system") -> list[str]:
    """Deploy the project's processes/ with its forms/ (unchanged ones are no-ops)."""
    given = read_forms(forms_dir()) if forms_dir().is_dir() else {}
    done = []
    if given:
        with unit_of_work() as s:
            for key, schema_ in given.items():
                forms.save_in(s, key, schema_, actor)
    for path in sorted(processes_dir().glob("*.bpmn")) if processes_dir().is_dir() else []:
        try:
            result = definitions.deploy(path.read_bytes(), actor=actor)
        except EngineError as err:  # report and go on: one bad diagram must not block the others
            first = err.details[0] if isinstance(err.details, list) and err.details else {}
            done.append(f"{path.stem} REFUSED: {err.message_en} {first.get('element_id') or ''} {first.get('message_en') or ''}")
            continue
        done.append(f"{result.process.key} v{result.process.version}{'' if result.created else ' (unchanged)'}")
    return done


def load_demo() -> dict[str, int]:
    """Demo enterprises and users (password: safeloop-demo), then demo cases."""
    counts = {"enterprises": 0, "users": 0}
    for e in _read("demo_enterprises.json") if (REFERENCE / "demo_enterprises.json").exists() else []:
        try:
            enterprises.add_enterprise(e["code"], e["name"], e["industry"], category=e.get("category"),
                                 risk_grade=e.get("risk_grade"), township=e.get("township"), address=e.get("address"),
                                 scale=e.get("scale"), standard_grade=e.get("standard_grade"),
                                 benchmark=bool(e.get("benchmark")))
            counts["enterprises"] += 1
            for person in e.get("people") or []:  # the staff register training is counted against
                staff.add_person(SYSTEM, e["code"], person["name"], person["post"], person.get("phone"))
        except Conflict:
            pass
    with unit_of_work(write=False) as s:
        existing = set(s.scalars(select(User.username)))
    for u in _read("demo_users.json") if (REFERENCE / "demo_users.json").exists() else []:
        if u["username"] in existing:
            continue
        users.add_user(u["username"], roles=u["roles"], display_name=u.get("display_name"),
                       enterprise=u.get("enterprise_code"), industries=u.get("industries") or [], password=DEMO_PASSWORD)
        counts["users"] += 1
    return counts


def ensure_admin() -> bool:
    """Create the 'admin' user (password from SAFELOOP_ADMIN_PASSWORD, else the demo one) if absent."""
    with unit_of_work(write=False) as s:
        if s.scalar(select(User).where(User.username == "admin")) is not None:
            return False
    users.add_user("admin", roles=["admin"], display_name="系统管理员 Administrator",
                   password=os.environ.get("SAFELOOP_ADMIN_PASSWORD", DEMO_PASSWORD))
    return True


def init(*, demo: bool = False) -> dict[str, Any]:
    """Upgrade the schema, load reference data, deploy bundled processes; with demo, add demo data."""
    schema.upgrade()
    report: dict[str, Any] = load_reference_data()
    report["processes"] = deploy_bundled()
    from . import notice_schedule
    report["holiday_warnings"] = notice_schedule.queue_holiday_warnings()
    from . import campaign_dates
    report["campaign_dates"] = campaign_dates.seed()
    if demo:
        report.update(load_demo())
        ensure_admin()
        from . import demo_cases
        report["demo_cases"] = demo_cases.create_demo_cases()
    return report
