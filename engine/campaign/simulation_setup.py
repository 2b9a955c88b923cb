"""Setting up a simulation: a fresh database as of the first simulated day, with the demo enterprises (their staff
registers and profile) and users. Kept apart from `engine.campaign.simulation`, which plays the people."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import update

from ..runtime import clock, users
from ..runtime.db import unit_of_work
from ..runtime.models import User
from ..runtime.views import SYSTEM
from . import bootstrap, enterprises, staff


def prepare(start: date, *, enterprises: int | None = None) -> None:
    """Initialise a fresh database as of `start`: processes, schedules, demo enterprises and users.

    `enterprises` keeps that many of the 40 demo enterprises, spread over industries and risk grades (tests)."""
    manual = clock.ManualClock(datetime.combine(start, time(0, 0), clock.CHINA_TZ))
    token = clock.set_clock(manual)
    try:
        bootstrap.init(demo=False)
        _demo_people(enterprises)
    finally:
        clock.reset_clock(token)


def _demo_people(limit: int | None) -> None:
    """The demo enterprises and users, with one password hash shared by all (argon2 per user costs seconds)."""
    chosen = bootstrap._read("demo_enterprises.json")
    if limit is not None:
        chosen = chosen[:: max(1, len(chosen) // max(limit, 1))][:limit]
    codes = {e["code"] for e in chosen}
    for e in chosen:
        enterprises.add_enterprise(e["code"], e["name"], e["industry"], category=e.get("category"),
                             risk_grade=e.get("risk_grade"), township=e.get("township"), address=e.get("address"),
                             scale=e.get("scale"), standard_grade=e.get("standard_grade"),
                             benchmark=bool(e.get("benchmark")))
        for person in e.get("people") or []:  # training is enrolled person by person from the staff register
            staff.add_person(SYSTEM, e["code"], person["name"], person["post"], person.get("phone"))
    for u in bootstrap._read("demo_users.json"):
        if u.get("enterprise_code") and u["enterprise_code"] not in codes:
            continue
        users.add_user(u["username"], roles=u["roles"], display_name=u.get("display_name"),
                       enterprise=u.get("enterprise_code"), industries=u.get("industries") or [])
    with unit_of_work() as s:
        s.execute(update(User).values(password_hash=users._hasher.hash(bootstrap.DEMO_PASSWORD)))
