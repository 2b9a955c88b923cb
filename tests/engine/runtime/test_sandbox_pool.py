"""Hostile scripts and conditions: each is refused at deploy or becomes an incident naming the element and the
limit; nothing it made is stored, the worker that ran it is replaced, and the next case runs normally."""
from __future__ import annotations

import time
from html import escape

import pytest
from sqlalchemy import func, select

import engine
from engine.runtime import case_data, sandbox_pool
from engine.runtime.db import unit_of_work
from engine.runtime.errors import SandboxViolation
from engine.runtime.models import AuditEvent, ProcessInstance

MEMORY = "memory limit"
TIME = ("time limit", "out of time", "CPU time")
CAP = "exceeds the limit of"
JSON = "must be JSON"
DEPLOY = "deploy"

SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="urn:t">
  <bpmn:process id="hostile_{n}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="hostile"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{code}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="hostile"/>
    <bpmn:sequenceFlow id="f2" sourceRef="hostile" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""

CONDITION = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="urn:t">
  <bpmn:process id="hostile_{n}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="hostile" default="f_default"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f_cond</bpmn:outgoing><bpmn:outgoing>f_default</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_a"><bpmn:incoming>f_cond</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_b"><bpmn:incoming>f_default</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="hostile"/>
    <bpmn:sequenceFlow id="f_cond" sourceRef="hostile" targetRef="end_a">
      <bpmn:conditionExpression>{code}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_default" sourceRef="hostile" targetRef="end_b"/>
  </bpmn:process>
</bpmn:definitions>"""

# (kind, code, what must happen: DEPLOY, or text the incident message contains — any of a tuple)
PAYLOADS: list[tuple[str, str, str | tuple[str, ...]]] = [
    # named in issue 14
    ("script", "s = 'a'*1000000; t = [s]*1000000; n = len(t)", CAP),
    ("script", "s = 'a'*1000000\nt = ''.join([s]*3000)", MEMORY),
    ("script", "s = 'a'*1000000\nt = s.replace('a', s)", MEMORY),
    ("script", "t = 'a'.ljust(3e8)", "integer"),
    ("script", "t = 'a'.ljust(300000000)", MEMORY),
    ("script", "t = ('a\\t' * 500000).expandtabs(1000)", MEMORY),
    ("script", "t = 'a'.zfill(300000000)", MEMORY),
    ("condition", "len('a'.ljust(200000000)) > 0", MEMORY),
    ("script", "x = ((10**1000)**1000)**10", (MEMORY, *TIME)),
    ("script", "x = set([1, 2])", JSON),
    ("script", "x = (i for i in range(3))", JSON),
    ("script", "class A: pass", DEPLOY),
    ("script", "x = float('nan')", JSON),
    ("script", "x = float('inf')", JSON),
    ("script", "x = 1e400", JSON),
    # growth through other methods, operators and formatting
    ("script", "t = 'a'.center(300000000)", MEMORY),
    ("script", "t = 'a'.rjust(300000000)", MEMORY),
    ("script", "s = 'a' * 1000000\nt = s.translate({97: s})", MEMORY),
    ("script", "t = f'{1:>300000000}'", MEMORY),
    ("script", "t = '%0300000000d' % 1", MEMORY),
    ("script", "t = (1).to_bytes(300000000, 'big')", MEMORY),
    ("script", "s = 'a' * 1000000\nwhile True:\n    s = s + s", MEMORY),
    ("script", "t = [1]\nfor i in range(60):\n    t.extend(t)", MEMORY),
    ("script", "t = []\nwhile True:\n    t.append('x' * 1000000)", MEMORY),
    ("script", "for i in range(1000):\n    print('x' * 1000000)", MEMORY),
    ("script", "x = 1 << 1000\nfor i in range(40):\n    x = x * x", (MEMORY, *TIME)),
    ("script", "s = 'a' * 1000000\nt = [s for i in range(100000)]", CAP),
    ("script", "x = list(range(100000)) * 10", CAP),
    ("script", "x = {'k' + str(i): i for i in range(100000)}", CAP),
    ("script", "x = ('ab' * 500000).split('a')", CAP),
    # time: loops the trace hook sees, and ones it does not (one line)
    ("script", "while True: pass", TIME),
    ("script", "while True:\n    pass", TIME),
    ("script", "x = 0\nwhile True:\n    try:\n        x += 1\n    except Exception:\n        pass", TIME),
    ("condition", "sum(i for i in range(100000) for j in range(100000)) > 0", TIME),
    ("condition", "((10**1000)**1000)**10 > 0", (MEMORY, *TIME)),
    # the size guards
    ("script", "x = 'a' * 10**9", "too large"),
    ("script", "x = [0] * 10**8", "too large"),
    ("script", "x = 9**9**9", "Exponent too large"),
    ("script", "x = 2 << 100000000", "Shift too large"),
    ("script", "x = list(range(10**9))", "range longer"),
    ("condition", "'a' * 10**9 == ''", "too large"),
    # not JSON, not storable
    ("script", "x = b'abc'", JSON),
    ("script", "x = 1j", JSON),
    ("script", "x = {'a': {1, 2}}", JSON),
    ("script", "x = []\nx.append(x)", JSON),
    ("script", "x = [1]\nfor i in range(1000):\n    x = [x]", JSON),
    ("script", "x = 'a\\x00b'", JSON),
    ("script", "x = '\\ud800'", JSON),
    ("script", "x = str((10**1000)**5)", "digits"),
    # domain functions cannot be made to work without bound in the server
    ("script", "x = add_working_days('2025-01-01', 10**9)", "add_working_days"),
    ("script", "start_case('review', {'blob': 'a' * 1000000 + 'a' * 100000})", CAP),
    ("script", "for i in range(6000):\n    start_case('review', {})", "at most 5000"),
    ("script", "x = enterprises(**{'nope': 1})", "unexpected keyword"),
    ("script", "def f():\n    return f()\nx = f()", "Recursion"),
    # cannot run at all: refused at deploy with the element
    ("script", "with x:\n    pass", DEPLOY),
    ("script", "import os", DEPLOY),
    ("script", "yield 1", DEPLOY),
    ("script", "x = ().__class__.__mro__", DEPLOY),
    ("script", "async def f():\n    pass", DEPLOY),
    ("condition", "class A: pass", DEPLOY),
    ("condition", "__import__('os').system('id')", DEPLOY),
    ("condition", "x := 1", DEPLOY),
]


def _bpmn(kind: str, code: str, n: int) -> bytes:
    return (SCRIPT if kind == "script" else CONDITION).format(n=n, code=escape(code, quote=False)).encode("utf-8")


def _stored(instance_id: int) -> tuple[int, int]:
    """(bytes of stored state, bytes of the largest audit payload) of a case."""
    with unit_of_work(write=False) as s:
        state = s.scalar(select(func.length(ProcessInstance.state)).where(ProcessInstance.id == instance_id))
        audit = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)).all()
    return state or 0, max((len(str(a.before)) + len(str(a.after)) for a in audit), default=0)


def test_the_payload_list_holds_at_least_40_sandbox_payloads():
    assert len(PAYLOADS) >= 40
    assert len({(kind, code) for kind, code, _ in PAYLOADS}) == len(PAYLOADS)


@pytest.mark.parametrize(("kind", "code", "expected"), PAYLOADS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(PAYLOADS)])
def test_hostile_payload_is_refused_at_deploy_or_an_incident_and_stores_nothing(people, review, kind, code, expected):
    n = PAYLOADS.index((kind, code, expected))
    if expected == DEPLOY:
        with pytest.raises(engine.DefinitionInvalid) as info:
            engine.deploy(_bpmn(kind, code, n), actor="owner")
        assert info.value.details[0]["element_id"] in ("hostile", "f_cond")
        assert all(p.key != f"hostile_{n}" for p in engine.list_processes())
        return
    engine.deploy(_bpmn(kind, code, n), actor="owner")
    started = time.monotonic()
    case = engine.start_instance(people["officer_a"], f"hostile_{n}", {"case_title": "hostile"})
    assert time.monotonic() - started < sandbox_pool.GRACE_SECONDS + 7  # 2 s budget, kill, replacement under load
    case = engine.get_instance(people["admin"], case.id)
    assert case.status == "error", (code, case.status)
    assert case.error_element == "hostile"
    wanted = expected if isinstance(expected, tuple) else (expected,)
    assert any(w in (case.error_message or "") for w in wanted), case.error_message
    assert set(case.data) <= {"case_title", "enterprise_code"}, sorted(case.data)
    state_bytes, audit_bytes = _stored(case.id)
    assert state_bytes < 64 * 1024 and audit_bytes < 16 * 1024
    assert engine.list_instances(people["admin"]).total == 1  # no child case started either


def test_after_hostile_payloads_ordinary_scripts_still_run(people, review):
    engine.deploy(_bpmn("script", "x = 'a'.ljust(300000000)", 900), actor="owner")
    engine.deploy(_bpmn("script", "total = sum([1, 2, 3])\nday = add_days('2025-01-31', 1)", 901), actor="owner")
    for _ in range(3):
        assert engine.start_instance(people["officer_a"], "hostile_900", {}).status == "error"
    case = engine.start_instance(people["officer_a"], "hostile_901", {})
    assert case.status == "completed"
    assert engine.get_instance(people["admin"], case.id).data["day"] == "2025-02-01"


def test_a_case_over_the_data_cap_is_an_incident_and_the_cap_is_configurable(people, review, monkeypatch):
    engine.deploy(_bpmn("script", "blob = 'x' * 5000", 902), actor="owner")
    assert engine.start_instance(people["officer_a"], "hostile_902", {}).status == "completed"
    monkeypatch.setenv("SAFELOOP_MAX_CASE_DATA", "4096")
    case = engine.start_instance(people["officer_a"], "hostile_902", {})
    assert case.status == "error" and "4096" in (engine.get_instance(people["admin"], case.id).error_message or "")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1, 2}, "a\x00b", object()])
def test_start_or_form_data_that_is_not_json_is_refused_with_422_and_nothing_stored(people, review, bad):
    engine.deploy(_bpmn("script", "y = 1", 903), actor="owner")
    with pytest.raises(engine.ValidationFailed, match="must be JSON") as info:
        engine.start_instance(people["officer_a"], "hostile_903", {"bad": bad})
    assert info.value.status == 422
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "t", "hazard_level": "general"})
    with pytest.raises(engine.ValidationFailed):
        engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "x", "bad": bad})
    assert engine.list_instances(people["admin"]).total == 1
    assert engine.get_task(people["officer_a"], case.open_tasks[0].id).status == "open"


def test_case_data_check_counts_shared_references_as_json_would_write_them():
    s = "a" * 1000
    assert case_data.check({"t": [s] * 100}) > 100_000
    with pytest.raises(SandboxViolation, match="exceeds the limit"):
        case_data.check({"t": [s] * 1_000_000})


def test_a_worker_over_its_wall_deadline_is_killed_and_replaced():
    pool = sandbox_pool.pool()
    before = set(pool.everyone)
    with pytest.raises(SandboxViolation, match="time limit"):
        sandbox_pool.execute("while True: pass", {}, seconds=0.2)
    assert sandbox_pool.evaluate("1 + 1", {}) == 2
    assert set(pool.everyone) != before


def test_only_plain_conditions_skip_the_worker():
    from engine.runtime import sandbox
    assert sandbox.is_bounded("is_hazard and hazard_level in ('major', 'general') and len(findings) > 0")
    for hostile in ("len('a'.ljust(200000000)) > 0", "x.y", "f(x)", "2 ** 3", "[x for x in y]", "a" * 501):
        assert not sandbox.is_bounded(hostile), hostile


def test_the_cpu_limit_kills_a_worker_that_outlives_its_budget():
    """RLIMIT_CPU is the backstop behind the wall deadline: a worker spinning past budget + 2 s gets SIGXCPU."""
    import signal
    import subprocess
    import sys
    spin = "from engine.runtime import sandbox_worker\nsandbox_worker._cpu_budget(0)\nwhile True:\n    pass\n"
    child = subprocess.run([sys.executable, "-c", spin], timeout=60, capture_output=True)
    assert child.returncode == -signal.SIGXCPU


PLAIN_SCRIPTS = [
    "closed_on = today()",
    "measures_length = len(measures)\nrecheck_on = add_days('2025-03-01', 7)\npriority = 'high' if level == 'major' else 'normal'",
    "if passed:\n    result = 'pass'\nelse:\n    result = 'fail'\nstamp = now()",
    "major = hazard_level in ('major', 'critical') and not closed",
]
NOT_PLAIN_SCRIPTS = [
    "x = 'a' * 1000000000", "x = x + x", "for i in range(3):\n    pass", "while True: pass", "start_case('x', {})",
    "rows = enterprises()", "day = add_working_days(d, 3)", "y = x[0]", "_x = 1", "x.y = 1", "x = [i for i in y]",
    "a = [b, b]", "x = (a, 1)", "x = add_days(a, b, c)", "x = today(1)", "x = lambda: 1", "x = y = 1", "a, b = 1, 2",
    "x += 1", "x = 2 ** 10", "x = len(a, b)", "import os", "x = (1).bit_length()", "x = {'a': 1}", "print(1)",
    "x = 'a' * 2", "x = '" + "a" * 101 + "'", "x = 1\n" * 300, "x = add_days(iso_date=a, days=2)",
]


@pytest.mark.parametrize("script", PLAIN_SCRIPTS)
def test_plain_scripts_run_in_the_server_without_a_worker(script, monkeypatch):
    """Assignments and ifs over plain expressions cost no more than reading the data: no round trip to a worker."""
    from engine.runtime import sandbox

    def no_worker(*args: object) -> None:
        raise AssertionError("a plain script went to a worker")
    assert sandbox.is_bounded_script(script)
    monkeypatch.setattr(sandbox_pool, "_job", no_worker)
    data = {"measures": "更换", "level": "general", "passed": True, "hazard_level": "major", "closed": False}
    sandbox_pool.execute(script, data, {"today": lambda: "2025-03-03", "now": lambda: "2025-03-03T09:00:00+08:00",
                                        "add_days": sandbox.add_days})
    assert set(data) > {"measures", "level"}


@pytest.mark.parametrize("script", NOT_PLAIN_SCRIPTS)
def test_every_other_script_goes_to_a_worker(script):
    from engine.runtime import sandbox
    assert not sandbox.is_bounded_script(script)


def test_today_now_and_add_days_cost_a_worker_no_round_trip():
    """A script that is not plain still gets today()/now() with its job and runs add_days() in the worker."""
    asked = []
    functions = {"today": lambda: "2025-03-03", "now": lambda: "2025-03-03T09:00:00+08:00",
                 "add_days": lambda *a: asked.append(a), "add_working_days": lambda d, n: asked.append((d, n)) or d}
    data = {"items": ["a", "b"]}
    sandbox_pool.execute("n = 0\nfor i in items:\n    n = n + 1\nday = add_days(today(), n)\nstamp = now()\n"
                         "work = add_working_days(day, 1)", data, functions)
    assert (data["n"], data["day"], data["stamp"], data["work"]) == (2, "2025-03-05", "2025-03-03T09:00:00+08:00",
                                                                      "2025-03-05")
    assert asked == [("2025-03-05", 1)]  # only add_working_days was asked of the caller
