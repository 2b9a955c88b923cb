"""The `review` path on raw SpiffWorkflow: full JSON save and load (spec included) around every step.

This is the baseline the engine is measured against; it is the only bench module that imports
SpiffWorkflow, on purpose.
"""
from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, **SPIFF_CONFIG}))
SCRIPTS = PythonScriptEngine(environment=TaskDataEnvironment({"today": lambda: date.today().isoformat(),
                                                              "start_case": lambda *a, **k: None}))


def _quoted_timers(xml: bytes) -> bytes:
    """Raw SpiffWorkflow evaluates timer text as Python: quote bare ISO 8601 (`P10D` → `"P10D"`)."""
    return re.sub(rb"(<bpmn:time(?:Duration|Date|Cycle)[^>]*>)\s*([PR0-9][^<\"']*?)\s*(</)", rb'\1"\2"\3', xml)


class RawReview:
    """Parsed once; each step loads the JSON, runs, and saves the JSON again."""

    def __init__(self, bpmn: Path, process_id: str = "review") -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_str(_quoted_timers(bpmn.read_bytes()))
        self.spec = parser.get_spec(process_id)
        self.scripts = SCRIPTS
        self.subprocesses = parser.get_subprocess_specs(process_id)

    def start(self, data: dict[str, Any]) -> str:
        """Create, run to the first user task, save."""
        wf = BpmnWorkflow(self.spec, self.subprocesses, script_engine=self.scripts)
        wf.task_tree.data.update(data)
        wf.do_engine_steps()
        return SERIALIZER.serialize_json(wf)

    def complete(self, state: str, element_id: str, data: dict[str, Any]) -> str:
        """Load, complete the ready user task `element_id` with `data`, run on, save."""
        wf = SERIALIZER.deserialize_json(state)
        wf.script_engine = self.scripts
        task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == element_id)
        task.data.update(data)
        task.run()
        wf.refresh_waiting_tasks()
        wf.do_engine_steps()
        return SERIALIZER.serialize_json(wf)

    def completed(self, state: str) -> bool:
        return SERIALIZER.deserialize_json(state).completed


class RowStore:
    """The least a persistent engine must do: keep each case's JSON in one SQLite row (WAL), one commit per step."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS wf (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")

    def insert(self, state: str) -> int:
        with self.conn:
            return int(self.conn.execute("INSERT INTO wf (state) VALUES (?)", (state,)).lastrowid)

    def load(self, case_id: int) -> str:
        return self.conn.execute("SELECT state FROM wf WHERE id = ?", (case_id,)).fetchone()[0]

    def save(self, case_id: int, state: str) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE wf SET state = ? WHERE id = ?", (state, case_id))
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class PgRowStore:
    """The same floor on PostgreSQL: each case's JSON in one row, read with one statement and written with one (each in
    its own transaction, autocommit: one round trip, and the server's WAL flush at every write)."""

    def __init__(self, url: str, schema: str) -> None:
        import psycopg
        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.conn.execute(f"SET search_path TO {schema}")
        self.conn.execute("CREATE TABLE IF NOT EXISTS raw_wf (id serial PRIMARY KEY, state text NOT NULL)")

    def insert(self, state: str) -> int:
        return int(self.conn.execute("INSERT INTO raw_wf (state) VALUES (%s) RETURNING id", (state,)).fetchone()[0])

    def load(self, case_id: int) -> str:
        return self.conn.execute("SELECT state FROM raw_wf WHERE id = %s", (case_id,)).fetchone()[0]

    def save(self, case_id: int, state: str) -> None:
        self.conn.execute("UPDATE raw_wf SET state = %s WHERE id = %s", (state, case_id))

    def close(self) -> None:
        self.conn.close()
