"""The safeloop command: init, deploy, users, enterprises, audit verify — clear messages, no tracebacks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent.parent / "data"


def run(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {"SAFELOOP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "SAFELOOP_PROCESSES_DIR": str(tmp_path / "none")}
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, env=env,
                          input=stdin, cwd=Path(__file__).parents[2], timeout=120)


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
