"""Process definitions: deploy (validate, version, store), list and read."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from . import audit, bpmn_xml, clock, db, fixed_rows, forms, path_tests, schedules, specs, start_rights, validation
from .db import unit_of_work
from .errors import BadRequest, DefinitionInvalid, PathTestsFailed, not_found
from .models import ProcessDefinition, ProcessInstance
from .roles import RoleBook
from .views import Actor, DeployResult, ProcessVersion


def _view(row: ProcessDefinition, running: int = 0, roles: RoleBook | None = None) -> ProcessVersion:
    meta = start_rights.meta_of(row, roles) if roles is not None else row.meta
    starters = meta.get("starters") or {}
    return ProcessVersion(row.id, row.key, row.version, row.name, row.checksum, row.deployed_by, row.deployed_at,
                          row.meta.get("start_form"), running, meta.get("description_zh"), meta.get("description_en"),
                          tuple(starters.get("roles", ())), tuple(starters.get("users", ())))


def validate_bpmn(bpmn: bytes, *, forms_given: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every reason a diagram would be refused (empty when it would deploy). Stores nothing."""
    root = bpmn_xml.parse(bpmn, db.settings().max_bpmn_bytes)
    with unit_of_work(write=False) as s:
        _, problems = validation.check(root, RoleBook.load(s), forms.known_keys(s) | set(forms_given or {}))
    return problems


def latest(s: Session, key: str) -> ProcessDefinition | None:
    """The newest version of a process inside an open transaction, or None when it was never deployed."""
    newest = s.connection().execute(_LATEST_ID, {"key": key}).scalar()
    return None if newest is None else fixed_rows.definition(s, newest)


# the newest version's id (the version itself is immutable: kept per process by fixed_rows)
_LATEST_ID = (select(ProcessDefinition.id).where(ProcessDefinition.key == bindparam("key"))
              .order_by(ProcessDefinition.version.desc()).limit(1))


def deploy(bpmn: bytes, *, actor: str | None, forms_given: dict[str, dict[str, Any]] | None = None,
           override_reason: str | None = None, check_paths: bool = True) -> DeployResult:
    """Validate and store a diagram as a new immutable version (a no-op when unchanged).

    The process's stored path tests run first against the diagram (engine.runtime.path_tests); a failing one blocks the
    deploy unless `override_reason` is given, which is audited with the failures.

    Raises:
        TooLarge: the bytes exceed the size cap.
        DefinitionInvalid: details list {element_id, line, message_zh, message_en}; nothing is stored.
        PathTestsFailed: a path test failed (details name the scenario and step); nothing is stored.
    """
    bpmn = bpmn_xml.as_utf8(bpmn, db.settings().max_bpmn_bytes)  # stored as UTF-8 whatever it was sent in
    root = bpmn_xml.parse(bpmn, db.settings().max_bpmn_bytes)
    ran, failures = _path_test_failures(bpmn, root, forms_given, override_reason) if check_paths else (0, [])
    with unit_of_work() as s:
        for key, schema in (forms_given or {}).items():
            forms.save_in(s, key, schema, actor)
        checked, problems = validation.check(root, RoleBook.load(s), forms.known_keys(s))
        if checked is None:
            raise DefinitionInvalid("流程图未通过校验，未部署", "The diagram failed validation and was not deployed", problems)
        checksum = hashlib.sha256(bpmn).hexdigest()
        newest = latest(s, checked.process_id)
        if newest is not None and newest.checksum == checksum:
            return DeployResult(_view(newest), created=False)
        row = ProcessDefinition(
            key=checked.process_id, version=(newest.version + 1) if newest else 1, name=checked.name,
            bpmn_xml=bpmn.decode("utf-8"), checksum=checksum, spec_json=checked.spec_json,
            meta={"steps": checked.steps, "start_form": checked.start_form, "start_timer": checked.start_timer,
                  "starters": checked.starters, **(checked.description or {})},
            deployed_by=actor, deployed_at=clock.now())
        s.add(row)
        s.flush()
        schedules.reschedule(s, row)
        audit.record(s, "process.deploy", actor=actor, after={"key": row.key, "version": row.version, "checksum": checksum,
                                                              "path_tests": {"run": ran, "failed": len(failures)}})
        if failures:
            audit.record(s, "process.path_tests.override", actor=actor,
                         after={"key": row.key, "version": row.version, "reason": (override_reason or "").strip(),
                                "failed": [{"scenario": f["scenario"], "step": f["step"], "message": f["message_en"]}
                                           for f in failures]})
        return DeployResult(_view(row), created=True)


PathRunner = Callable[[bytes, list[Any], "dict[str, dict[str, Any]] | None"], Any]
_path_runner: PathRunner | None = None


def set_path_runner(runner: PathRunner) -> None:
    """The deploy gate's runner: `engine.runtime.path_runs` runs a draft's stored path tests through this module's
    deploy on a scratch database, so it imports this module and registers itself here instead of being imported."""
    global _path_runner
    _path_runner = runner


def _path_test_failures(bpmn: bytes, root: Any, forms_given: dict[str, dict[str, Any]] | None,
                        override_reason: str | None) -> tuple[int, list[dict[str, Any]]]:
    """How many stored path tests ran on this diagram and which failed (PathTestsFailed unless overridden)."""
    reason = (override_reason or "").strip()
    if len(reason) > 500:
        raise BadRequest("强制部署的理由最长 500 字", "The override reason is at most 500 characters",
                         [{"field": "override_reason"}])
    key = path_tests.diagram_key(root)
    scenarios = path_tests.stored(key) if key and path_tests.valid_key(key) else []
    if not scenarios:
        return 0, []
    if _path_runner is None:  # engine.runtime.path_runs registers itself on import; without it no gate can run
        raise RuntimeError("path tests are stored but engine.runtime.path_runs is not loaded")
    failures = path_tests.as_problems(_path_runner(bpmn, scenarios, forms_given).results)
    if failures and not reason:
        raise PathTestsFailed(f"{len(failures)} 个路径测试未通过，未部署（可填写理由后强制部署）",
                              f"{len(failures)} path test(s) failed; not deployed (deploy anyway with a reason)", failures)
    return len(scenarios), failures


def _running_counts(s: Session) -> dict[int, int]:
    rows = s.execute(select(ProcessInstance.definition_id, func.count()).where(ProcessInstance.status == "running")
                     .group_by(ProcessInstance.definition_id))
    return {def_id: n for def_id, n in rows}


def list_processes(*, all_versions: bool = False) -> list[ProcessVersion]:
    """The newest version of each process (or every version), with running case counts."""
    with unit_of_work(write=False) as s:
        counts, roles = _running_counts(s), RoleBook.load(s)
        rows = s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc()))
        seen: set[str] = set()
        out = []
        for row in rows:
            if all_versions or row.key not in seen:
                out.append(_view(row, counts.get(row.id, 0), roles))
            seen.add(row.key)
        return out


def get_process(key: str, version: int | None = None) -> ProcessVersion:
    """One version of a process (the newest unless named)."""
    with unit_of_work(write=False) as s:
        row = load_definition(s, key, version)
        return _view(row, _running_counts(s).get(row.id, 0), RoleBook.load(s))


def startable_processes(actor: Actor) -> list[ProcessVersion]:
    """The newest version of each process the actor may start by hand (diagram's starters; see start_rights)."""
    with unit_of_work(write=False) as s:
        roles = RoleBook.load(s)
        rows = s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc()))
        seen: set[str] = set()
        out = []
        for row in rows:
            if row.key not in seen and start_rights.may_start(actor, row, roles):
                out.append(_view(row, 0, roles))
            seen.add(row.key)
        return out


def may_start(actor: Actor, key: str) -> bool:
    """Whether the actor may start the newest version of a process (NotFound when it was never deployed)."""
    with unit_of_work(write=False) as s:
        return start_rights.may_start(actor, load_definition(s, key), RoleBook.load(s))


def get_bpmn(key: str, version: int | None = None) -> str:
    """The BPMN XML of one version."""
    with unit_of_work(write=False) as s:
        return load_definition(s, key, version).bpmn_xml


def load_definition(s: Session, key: str, version: int | None = None) -> ProcessDefinition:
    """The ORM row of a version inside an open transaction (NotFound when absent)."""
    row = (s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version))
           .first() if version else latest(s, key))
    if row is None:
        raise not_found("流程", "process", key if version is None else f"{key} v{version}")
    return row


def parsed_spec(row: ProcessDefinition) -> specs.ParsedSpec:
    """The cached spec of a version."""
    return specs.spec_cache.get(row.checksum, lambda: row.spec_json)
