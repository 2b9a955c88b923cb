"""The sandbox: known escape tricks fail with a clear error and no side effect."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.runtime import sandbox, scripting
from engine.runtime.errors import SandboxViolation

MARKER = Path("/tmp/safeloop-sandbox-marker")

ESCAPES = [
    "().__class__.__mro__[1].__subclasses__()",
    "[].__class__.__base__.__subclasses__()",
    "__import__('os').system('touch /tmp/safeloop-sandbox-marker')",
    "open('/tmp/safeloop-sandbox-marker', 'w').write('x')",
    "eval('1+1')",
    "exec('x = 1')",
    "getattr((), '__class__')",
    "(lambda: 0).__globals__",
    "'{0.__class__.__mro__}'.format(1)",
    "type(1)",
    "globals()",
    "vars()",
    "compile('1', 'x', 'eval')",
    "data['__class__']",
    "'a' * 10 ** 9",
    "10 ** 10 ** 10",
    "[0] * 10 ** 8",
    "list(range(10 ** 9))",
    "dict.__subclasses__()",
    "len.__self__",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_escape_attempt_fails_clearly_and_has_no_side_effect(expression):
    MARKER.unlink(missing_ok=True)
    with pytest.raises((SandboxViolation, NameError)) as info:
        scripting.SandboxEnvironment().evaluate(expression, {"data": {}})
    assert str(info.value)
    assert not MARKER.exists()


def test_endless_loop_is_stopped_by_the_time_budget():
    with pytest.raises(SandboxViolation, match="out of time"):
        sandbox.execute("while True:\n    pass", {}, seconds=0.2)


def test_deploy_time_check_names_forbidden_builtins():
    assert "open" in scripting.check("open('x')", "eval")
    assert scripting.check("x.__class__", "eval")
    assert scripting.check("import os", "exec")
    assert scripting.check("amount > 1000 and level == 'major'", "eval") is None


def test_scripts_assign_case_data_and_may_use_domain_functions():
    data = {"items": [1, 2, 3]}
    sandbox.execute("total = sum([i * 2 for i in items])\nnext_day = add_days('2025-01-31', 1)", data,
                    scripting.domain_functions())
    assert data == {"items": [1, 2, 3], "total": 12, "next_day": "2025-02-01"}


def test_bare_iso_timer_values_pass_through_and_juel_is_normalized():
    env = scripting.SandboxEnvironment()
    for value in ("PT72H", "R3/P1D", "2025-12-31T00:00:00+08:00", "R/2024-07-01T09:00:00+08:00/P3M"):
        assert env.evaluate(value, {}) == value
    assert env.evaluate("${amount > 10 && !rejected}", {"amount": 11, "rejected": False}) is True


def test_working_days_skip_holidays_and_honour_make_up_days():
    data: dict = {}
    sandbox.execute("a = add_working_days('2025-09-30', 1)\nb = add_working_days('2025-09-26', 1)", data,
                    scripting.domain_functions())
    assert data["a"] == "2025-10-09"  # National Day 10-01..10-08 off
    assert data["b"] == "2025-09-28"  # Sunday 09-28 is a make-up working day (调休)
    assert os.environ.get("PYTHONHASHSEED", "") is not None
