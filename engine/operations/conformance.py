"""Conformance against diagrams we did not write: deploy-or-refuse, then a dry run in memory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.util.task import TaskState

from ..runtime import bpmn_xml, definitions, scripting, specs
from ..runtime.errors import EngineError

SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml")


@dataclass(frozen=True)
class Result:
    """What happened to one file."""

    path: str
    deployed: bool
    reason: str
    run: str


def corpus_files(root: Path) -> list[Path]:
    """Every BPMN file under a corpus folder (XSDs and other data excluded)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)
                  and "xsd" not in p.parts[-2:-1] and not p.name.endswith(".xsd"))


def dry_run(data: bytes, max_steps: int = 50) -> str:
    """Parse and run the first executable process in memory until it ends or waits."""
    try:
        root = bpmn_xml.parse(data, 10 * 1024 * 1024)
        processes = bpmn_xml.executable_processes(root)
        if not processes:
            return "not run: no executable process"
        wf = specs.new_workflow(specs.parse(root, processes[0].get("id", "")))
        with scripting.step_services(scripting.StepServices()):
            for _ in range(max_steps):
                wf.do_engine_steps()
                if wf.completed:
                    return "ran to the end"
                ready = wf.get_tasks(state=TaskState.READY, manual=True)
                if ready:
                    return f"waiting at user task {ready[0].task_spec.name}"
                if wf.get_tasks(state=TaskState.WAITING):
                    return "waiting for a timer or event"
            return "stopped after step limit"
    except EngineError as err:
        return f"not run: {err.message_en}"
    except Exception as err:  # noqa: BLE001 - the report names whatever a foreign diagram triggers
        return f"not run: {type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else ''}"


def check_file(path: Path) -> Result:
    """Deploy one file (recording the refusal reason) and dry-run it."""
    data = path.read_bytes()
    try:
        result = definitions.deploy(data, actor="conformance")
        deployed, reason = True, f"deployed {result.process.key} v{result.process.version}"
    except EngineError as err:
        details = err.details if isinstance(err.details, list) else []
        first = details[0] if details and isinstance(details[0], dict) else {}
        where = f" [{first.get('element_id') or '-'}:{first.get('line') or '-'}]" if first else ""
        reason = f"refused: {first.get('message_en') or err.message_en}{where}"
        deployed = False
    return Result(str(path), deployed, reason, dry_run(data))
