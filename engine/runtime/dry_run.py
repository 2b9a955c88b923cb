"""Run a diagram in memory, without a database, until it ends or waits: the conformance report's second column."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from . import bpmn_xml, scripting, specs
from .errors import EngineError


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
