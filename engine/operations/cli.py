"""The `safeloop` command. Clear messages and exit codes; never a traceback for user error."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

import engine
from engine.runtime.errors import EngineError

EXIT_USER_ERROR = 2


class _Group(click.Group):
    """Turns engine errors into a message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EngineError as err:
            click.echo(f"错误 Error: {err.message_zh} / {err.message_en}", err=True)
            details = err.details if isinstance(err.details, list) else [err.details] if err.details else []
            for item in details:
                if isinstance(item, dict):
                    where = " ".join(f"{k}={item[k]}" for k in ("element_id", "line", "field") if item.get(k) is not None)
                    click.echo(f"  - {where} {item.get('message_zh', '')} / {item.get('message_en', '')}".rstrip(" /"), err=True)
            sys.exit(EXIT_USER_ERROR)


@click.group(cls=_Group)
@click.option("--database-url", envvar="SAFELOOP_DATABASE_URL", default=None, help="SQLAlchemy URL (default: SQLite under the data dir)")
@click.option("--data-dir", envvar="SAFELOOP_DATA_DIR", default=None, help="Data directory (default: ./var)")
def main(database_url: str | None, data_dir: str | None) -> None:
    """安全闭环 Safeloop — BPMN case management for the work-safety campaign."""
    engine.configure(database_url=database_url, data_dir=data_dir)


@main.command()
@click.option("--demo", is_flag=True, help="Also load demo enterprises, users and cases")
def init(demo: bool) -> None:
    """Create or upgrade the database (keeps existing data), load roles and processes."""
    report = engine.init(demo=demo)
    click.echo(f"数据库已就绪 Database ready: {report['roles']} roles, {report['industries']} industries")
    for line in report.get("processes", []):
        click.echo(f"  流程 process {line}")
    if demo:
        click.echo(f"演示数据 Demo: {report.get('enterprises', 0)} enterprises, {report.get('users', 0)} users, "
                   f"{report.get('demo_cases', 0)} cases")
        click.echo(f"演示账号 Demo logins (password {engine.DEMO_PASSWORD}):")
        for role, username in demo_logins().items():
            click.echo(f"  {role:<28} {username}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--forms", "forms_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of <form key>.json JSON Schemas to store first")
@click.option("--actor", default="cli", help="Recorded as the deployer")
def deploy(file: Path, forms_dir: Path | None, actor: str) -> None:
    """Validate and deploy a BPMN file as a new version."""
    from engine.campaign.bootstrap import read_forms
    result = engine.deploy(file.read_bytes(), actor=actor, forms_given=read_forms(forms_dir) if forms_dir else None)
    state = "已部署 deployed" if result.created else "未变化 unchanged"
    click.echo(f"{state}: {result.process.key} v{result.process.version}")


@main.group()
def enterprises() -> None:
    """Manage enterprises."""


@enterprises.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--industry", required=True)
@click.option("--category", default=None)
@click.option("--risk-grade", type=click.Choice(["red", "orange", "yellow", "blue"]), default=None)
def enterprises_add(code: str, name: str, industry: str, category: str | None, risk_grade: str | None) -> None:
    """Register an enterprise by its unified social credit code."""
    e = engine.add_enterprise(code, name, industry, actor="cli", category=category, risk_grade=risk_grade)
    click.echo(f"已添加企业 Enterprise added: {e.code} {e.name} ({e.industry})")


@main.group()
def users() -> None:
    """Manage users."""


@users.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="Role key (repeatable)")
@click.option("--enterprise", default=None, help="Enterprise code, for enterprise-side users")
@click.option("--industry", "industries", multiple=True, help="Industry key (repeatable; none = all)")
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
def users_add(name: str, roles: tuple[str, ...], enterprise: str | None, industries: tuple[str, ...],
              display_name: str | None, password_stdin: bool) -> None:
    """Create a user with roles and scope."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    u = engine.add_user(name, roles=list(roles), enterprise=enterprise, industries=list(industries),
                        display_name=display_name, password=password, actor="cli")
    click.echo(f"已添加用户 User added: {u.username} roles={','.join(u.roles)}")


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--checkpoint", "checkpoint_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Also compare with a checkpoint written by `safeloop audit checkpoint`")
def audit_verify(checkpoint_file: str | None) -> None:
    """Recompute the keyed chains and the registry of chains; exit 1 and name the first bad row or chain."""
    import json
    checkpoint = None
    if checkpoint_file:
        try:
            checkpoint = json.loads(open(checkpoint_file, encoding="utf-8").read())
        except ValueError:
            raise engine.BadRequest("检查点文件不是有效的 JSON", "The checkpoint file is not valid JSON") from None
    result = engine.verify_audit(checkpoint)
    if result.ok:
        click.echo(f"审计链完好 Audit chain intact: {result.events} events in {result.chains} chains"
                   + ("，与检查点一致 (matches the checkpoint)" if checkpoint else ""))
        return
    click.echo(f"审计链被破坏 Audit chain BROKEN at row {result.first_bad_id} (chain {result.chain}): {result.reason}", err=True)
    sys.exit(1)


@audit.command("checkpoint")
@click.argument("dest", type=click.Path(dir_okay=False))
def audit_checkpoint(dest: str) -> None:
    """Write a signed summary of every chain's head to DEST (keep it outside the database's machine)."""
    import json
    data = engine.audit_checkpoint()
    with open(dest, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
    click.echo(f"已写入检查点 Checkpoint written: {len(data['heads'])} chains → {dest}")


@audit.command("rotate-key")
def audit_rotate_key() -> None:
    """Start signing new audit rows with a fresh key (old keys are kept to verify old rows)."""
    click.echo(f"新的审计密钥 New audit key: {engine.rotate_audit_key()}")


@main.group()
def timers() -> None:
    """Timers, reminders and escalations."""


@timers.command("run-due")
@click.option("--now", "when", default=None, help="ISO date-time to fire at (default: now)")
def timers_run_due(when: str | None) -> None:
    """Fire every job due at that instant and say how many fired."""
    from engine.runtime import timers as engine_timers
    instant = None
    if when:
        try:
            instant = datetime.fromisoformat(when)
        except ValueError:
            raise click.BadParameter("use ISO 8601, e.g. 2025-01-31T09:00:00+08:00", param_hint="--now") from None
        if instant.tzinfo is None:
            raise click.BadParameter("give a time zone, e.g. +08:00", param_hint="--now")
    lines: list[str] = []
    fired = engine_timers.fire_due(instant, report=lines)
    for line in lines:
        click.echo(line)
    click.echo(f"已触发 fired: {fired}")


@timers.command("list")
def timers_list() -> None:
    """Show pending jobs, soonest first."""
    from engine.runtime import timers as engine_timers
    for job in engine_timers.pending():
        click.echo(f"{job.due_at.isoformat()}  {job.kind:<10} case={job.instance_id} task={job.task_id or '-'}")


@main.command()
@click.option("--until", "until", required=True, help="Last simulated day, e.g. 2026-12-31")
@click.option("--seed", default=1, type=int, help="Random seed (same seed, same campaign)")
@click.option("--from", "start", default="2024-04-08", help="First simulated day (the plan's date)")
@click.option("--self-checks/--no-self-checks", default=True, help="Run the daily self-check schedule (default: on)")
@click.option("--late-share", default=None, type=click.FloatRange(0, 1), help="Share of tasks done late (default 0.1)")
@click.option("--json", "json_path", default=None, type=click.Path(dir_okay=False), help="Also write table and run health as JSON")
@click.option("--database-url", "sim_url", default=None,
              help="Simulate on this empty database instead (e.g. a fresh PostgreSQL schema); never the live one")
def simulate(until: str, seed: int, start: str, self_checks: bool, late_share: float | None, json_path: str | None,
             sim_url: str | None) -> None:
    """Simulate the campaign on a fresh database (data dir/simulation.db); print the yearly table against the goals."""
    from dataclasses import replace
    from datetime import date

    from engine.campaign import simulation
    from engine.runtime.db import settings
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(until)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None
    if last < first:
        raise click.BadParameter("--until is before --from")
    params = simulation.Parameters() if late_share is None else replace(simulation.Parameters(), late_share=late_share)
    if sim_url:
        _require_empty(sim_url)
        engine.configure(database_url=sim_url, data_dir=settings().data_dir)
        click.echo(f"模拟数据库 Simulation database: {sim_url}", err=True)
    else:
        path = settings().data_dir / "simulation.db"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        engine.configure(database_url=f"sqlite:///{path}", data_dir=settings().data_dir)
        click.echo(f"模拟数据库 Simulation database: {path}", err=True)
    progress = _SimulationProgress(first, last)
    figures, health = simulation.prepare_and_run(first, last, seed=seed, self_checks=self_checks, params=params,
                                                 on_day=progress.update)
    progress.done()
    click.echo(simulation.table(figures))
    click.echo(f"\n运行 Run: {health.wall_seconds:.0f} s ({health.cpu_seconds:.0f} s CPU), {health.steps} steps "
               f"({health.steps_per_second:.0f}/s, {health.steps_per_cpu_second:.0f} per CPU s), "
               f"largest state {health.largest_state_bytes} bytes, deepest task tree {health.deepest_task_tree}, "
               f"escalations/working day {health.escalations_per_working_day}, duplicate referrals {health.duplicate_referrals}, "
               f"cases in error {health.errored_cases}, "
               f"leaders' digests {health.leader_digests} (at most {health.leader_notes_max_per_day} escalation notices "
               f"to one leader in a day)")
    if json_path:
        Path(json_path).write_text(simulation.as_json(figures, health, seed=seed, params=params, self_checks=self_checks),
                                   encoding="utf-8")


def _require_empty(url: str) -> None:
    """The simulator writes three years of cases: only into a database that holds no tables yet."""
    from sqlalchemy import create_engine, inspect
    probe = create_engine(url)
    try:
        tables = inspect(probe).get_table_names()
    except Exception as err:  # noqa: BLE001 - any failure to connect is the user's URL
        raise engine.BadRequest(f"无法连接模拟数据库：{err}", f"Cannot connect to the simulation database: {err}") from None
    finally:
        probe.dispose()
    if tables:
        raise engine.BadRequest("模拟只能在空数据库中运行（该库已有数据表）",
                                "The simulation runs only on an empty database (this one already has tables)")


class _SimulationProgress:
    """Date reached, %, steps/s and ETA on stderr: a redrawn bar on a terminal, a line a month otherwise."""

    def __init__(self, first: Any, last: Any) -> None:
        import time
        self.first, self.days = first, (last - first).days + 1
        self.began, self.tty = time.perf_counter(), sys.stderr.isatty()

    def update(self, day: Any, counts: Any) -> None:
        import time
        done = (day - self.first).days + 1
        if not self.tty and day.day != 1 and done != self.days:
            return
        seconds = max(time.perf_counter() - self.began, 1e-6)
        steps = counts["completions"] + counts["timer_firings"] + counts["starts"]
        eta = seconds / done * (self.days - done)
        bar = "#" * (30 * done // self.days)
        line = (f"[{bar:<30}] {day} {100 * done / self.days:5.1f} %  {steps / seconds:6.0f} steps/s  "
                f"ETA {int(eta // 60)}m{int(eta % 60):02d}s")
        click.echo(("\r" + line) if self.tty else line, err=True, nl=not self.tty)

    def done(self) -> None:
        if self.tty:
            click.echo("", err=True)


def sweep_once() -> None:
    """One timer sweep (what `worker` runs every interval and `serve` in-process)."""
    from engine.runtime import timers as engine_timers
    engine_timers.tick()


def configure_logging() -> None:
    """JSON lines to stderr for the whole process, quiet schedulers and werkzeug."""
    from engine.operations import logs
    logs.configure(logger_name="")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # not a line per tick, nor per tick skipped while one runs
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # `safeloop.http` logs each request itself


@main.command()
@click.option("--interval", default=lambda: float(os.environ.get("SAFELOOP_SWEEP_SECONDS", "5")), type=float,
              help="Seconds between sweeps (SAFELOOP_SWEEP_SECONDS, default 5)")
def worker(interval: float) -> None:
    """Run the timer sweep (timers, reminders, escalations, scheduled starts, notifications)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    configure_logging()
    scheduler = BlockingScheduler()
    scheduler.add_job(sweep_once, "interval", seconds=interval, max_instances=1, coalesce=True,
                      next_run_time=datetime.now())
    click.echo(f"定时任务进程已启动 worker sweeping every {interval:g}s")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


def demo_logins() -> dict[str, str]:
    """One demo username per role, from the demo data."""
    path = Path(engine.__file__).parent / "reference_data" / "demo_users.json"
    logins: dict[str, str] = {"admin": "admin"}
    if path.exists():
        for user in json.loads(path.read_text(encoding="utf-8")):
            logins.setdefault(user["roles"][0], user["username"])
    return logins


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@main.command("backup")
@click.argument("dest", type=click.Path(path_type=Path), default=".")
def backup_command(dest: Path) -> None:
    """Copy the SQLite database online to DEST (a file, or a folder for a time-stamped file)."""
    from engine.operations import backup as engine_backup
    written = engine_backup.backup(dest)
    click.echo(f"已备份 Backed up to {written} ({written.stat().st_size} bytes)")


@main.command("restore")
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask; the web app and workers must already be stopped")
def restore_command(src: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup SRC (stop `serve` and `worker` first)."""
    from engine.operations import backup as engine_backup
    if not yes:
        click.confirm("已停止网页和定时任务进程？Are the web app and workers stopped?", abort=True)
    engine_backup.restore(src)
    click.echo(f"已恢复 Restored from {src}; the previous database was kept beside it (*.before-restore-*)")


CLI_ADMIN = engine.Actor(username="cli", display_name="命令行 CLI", roles=frozenset({"admin"}))


@main.group()
def schedules() -> None:
    """Scheduled starts: dispatchers, holiday warnings, yearly campaign-date notices."""


@schedules.command("list")
def schedules_list() -> None:
    """Every waiting scheduled start, soonest first (times in China time)."""
    from engine.campaign import scheduled_starts
    rows = scheduled_starts.list_scheduled_starts(CLI_ADMIN)
    for r in rows:
        when = r.next_run.astimezone(engine.runtime.clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        ident = f"job {r.job_id}" if r.job_id else f"{r.waiting} job(s)"
        click.echo(f"{when}  {r.status:<8} {r.kind:<9} {r.process_key:<36} {ident:<10} {r.title or r.process_name}  "
                   f"[{r.scope if r.job_id else r.target}]")
    click.echo(f"共 {len(rows)} 项 {len(rows)} scheduled")


@schedules.command("pause")
@click.argument("process_key")
def schedules_pause(process_key: str) -> None:
    """Pause a process's schedule (its waiting start jobs stop firing)."""
    from engine.campaign import scheduled_starts
    changed = scheduled_starts.set_process_paused(CLI_ADMIN, process_key, True)
    click.echo(f"已暂停 Paused {process_key}: {changed} job(s)")


@schedules.command("resume")
@click.argument("process_key")
def schedules_resume(process_key: str) -> None:
    """Resume a paused process's schedule (starts missed meanwhile move to its next occurrence)."""
    from engine.campaign import scheduled_starts
    changed = scheduled_starts.set_process_paused(CLI_ADMIN, process_key, False)
    click.echo(f"已恢复 Resumed {process_key}: {changed} job(s)")


if __name__ == "__main__":
    main()
