"""The safeloop command: init, deploy, users, enterprises, audit verify — clear messages, no tracebacks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parents[2] / "data"


def run(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {"SAFELOOP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "SAFELOOP_PROCESSES_DIR": str(tmp_path / "none")}
    return subprocess.run([sys.executable, "-m", "engine.operations.cli", *args], capture_output=True, text=True, env=env,
                          input=stdin, cwd=Path(__file__).parents[3], timeout=120)


def test_init_deploy_users_and_audit_verify(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    ok = run(tmp_path, "deploy", str(DATA / "review.bpmn"), "--forms", str(DATA / "forms"))
    assert ok.returncode == 0 and "review v1" in ok.stdout
    again = run(tmp_path, "deploy", str(DATA / "review.bpmn"))
    assert "unchanged" in again.stdout
    added = run(tmp_path, "enterprises", "add", "91220881MA00000000", "测试餐饮", "--industry", "catering")
    assert added.returncode == 0, added.stderr
    user = run(tmp_path, "users", "add", "li", "--role", "enterprise_safety_officer", "--enterprise",
               "91220881MA00000000", "--password-stdin", stdin="long-enough-pw\n")
    assert user.returncode == 0, user.stderr
    verify = run(tmp_path, "audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout
    assert run(tmp_path, "init").returncode == 0  # upgrading in place keeps data
    assert "intact" in run(tmp_path, "audit", "verify").stdout


def test_user_errors_give_a_message_and_exit_code_two(tmp_path):
    run(tmp_path, "init")
    bad_code = run(tmp_path, "enterprises", "add", "123", "坏代码", "--industry", "catering")
    assert bad_code.returncode == 2 and "credit code" in bad_code.stderr and "Traceback" not in bad_code.stderr
    bad_role = run(tmp_path, "users", "add", "x", "--role", "nope")
    assert bad_role.returncode == 2 and "Traceback" not in bad_role.stderr
    refused = run(tmp_path, "deploy", str(DATA / "review.bpmn"))
    assert refused.returncode == 2 and "element_id=start" in refused.stderr


def test_audit_verify_exits_non_zero_on_tampering(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "enterprises", "add", "91220881MA00000000", "测试餐饮", "--industry", "catering")
    import sqlite3
    con = sqlite3.connect(tmp_path / "safeloop.db")
    con.execute("UPDATE audit_event SET actor = 'mallory' WHERE action = 'enterprise.add'")
    con.commit()
    con.close()
    broken = run(tmp_path, "audit", "verify")
    assert broken.returncode == 1 and "BROKEN" in broken.stderr


def test_timers_list_and_run_due_at_an_instant(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "deploy", str(DATA / "review.bpmn"), "--forms", str(DATA / "forms"))
    run(tmp_path, "enterprises", "add", "91220881MA00000000", "测试餐饮", "--industry", "catering")
    code = (
        "import engine; engine.configure();"
        "a = engine.add_user('o', roles=['enterprise_safety_officer'], enterprise='91220881MA00000000');"
        "engine.start_instance(engine.get_actor('o'), 'review', {'case_title': 't', 'spawn': False})"
    )
    env = {"SAFELOOP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=Path(__file__).parents[3], timeout=120)
    listed = run(tmp_path, "timers", "list")
    assert "reminder" in listed.stdout and "escalation" in listed.stdout
    early = run(tmp_path, "timers", "run-due", "--now", "2000-01-01T00:00:00+08:00")
    assert "fired: 0" in early.stdout
    later = run(tmp_path, "timers", "run-due", "--now", "2100-01-01T00:00:00+08:00")
    assert later.returncode == 0 and "fired     reminder" in later.stdout and "fired: " in later.stdout
    bad = run(tmp_path, "timers", "run-due", "--now", "tomorrow")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_worker_process_sweeps_until_stopped(tmp_path):
    import sqlite3
    import time
    run(tmp_path, "init")
    con = sqlite3.connect(tmp_path / "safeloop.db")
    con.execute("INSERT INTO job (kind, task_id, due_at, status, attempts, payload, created_at) "
                "VALUES ('reminder', 'gone', '2020-01-01 00:00:00', 'pending', 0, '{}', '2020-01-01 00:00:00')")
    con.commit()
    env = {"SAFELOOP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "engine.operations.cli", "worker", "--interval", "0.2"], env=env,
                            cwd=Path(__file__).parents[3], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        status = "pending"
        while status == "pending" and time.monotonic() < deadline:
            time.sleep(0.2)  # polling a real subprocess, not timing the engine
            status = con.execute("SELECT status FROM job").fetchone()[0]
        assert status == "cancelled"  # swept: its task no longer exists
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        con.close()


def test_audit_checkpoint_verify_against_it_and_rotate_the_key(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    assert (tmp_path / "audit-keys.json").stat().st_mode & 0o077 == 0  # the key file is the owner's alone
    made = run(tmp_path, "audit", "checkpoint", str(tmp_path / "cp.json"))
    assert made.returncode == 0 and "Checkpoint written" in made.stdout
    rotated = run(tmp_path, "audit", "rotate-key")
    assert rotated.returncode == 0 and "k2" in rotated.stdout
    assert run(tmp_path, "enterprises", "add", "91220881MA00000000", "测试餐饮", "--industry", "catering").returncode == 0
    checked = run(tmp_path, "audit", "verify", "--checkpoint", str(tmp_path / "cp.json"))
    assert checked.returncode == 0 and "matches the checkpoint" in checked.stdout, checked.stderr
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    bad = run(tmp_path, "audit", "verify", "--checkpoint", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_simulate_refuses_a_database_that_is_not_empty(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    refused = run(tmp_path, "simulate", "--until", "2024-04-09", "--database-url", f"sqlite:///{tmp_path / 'safeloop.db'}")
    assert refused.returncode == 2 and "empty database" in refused.stderr and "Traceback" not in refused.stderr
