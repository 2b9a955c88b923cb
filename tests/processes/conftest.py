"""Fixtures for the campaign procedures' path tests."""
from __future__ import annotations

import pytest

import engine
from tests.processes.campaign_support import DEMO, ENTERPRISES, USERS, Campaign


@pytest.fixture
def campaign(clock: engine.ManualClock) -> Campaign:
    """Six demo enterprises, one user per role, and nothing deployed yet (each test deploys what it walks)."""
    for code in ENTERPRISES:
        e = DEMO[code]
        engine.add_enterprise(code, e["name"], e["industry"], category=e["category"], risk_grade=e["risk_grade"],
                              township=e["township"], address=e["address"])
    for name, spec in USERS.items():
        engine.add_user(name, **spec)
    result = Campaign(clock)
    result.actors = {name: engine.get_actor(name) for name in USERS}
    return result
