"""Parsed process specs: parsing, spec serialization, the checksum-keyed cache, and
instance state stored *without* the spec (the spec is kept once per version)."""
from __future__ import annotations

import contextvars
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.process import VALIDATOR as SPIFF_VALIDATOR
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from . import scripting
from .bpmn_xml import CAMUNDA_NS

SERIALIZER_VERSION = BpmnWorkflowSerializer.VERSION if hasattr(BpmnWorkflowSerializer, "VERSION") else "1.5"
_spec_for_load: contextvars.ContextVar[tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]] | None] = \
    contextvars.ContextVar("safeloop_spec_for_load", default=None)


class _StateConverter(BpmnWorkflowConverter):
    """Workflow state without the spec; the spec comes from the version's cache on load."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        from uuid import UUID
        spec, subprocess_specs = _spec_for_load.get() or (None, {})
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


# Camunda and Spiff task specs share type names, so each dialect has its own serializers.
_CONFIGS = {"spiff": {**DEFAULT_CONFIG, **SPIFF_CONFIG}, "camunda": {**DEFAULT_CONFIG, **CAMUNDA_CONFIG}}
_spec_serializers = {k: BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(c)) for k, c in _CONFIGS.items()}
_state_serializers = {k: BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure({**c, BpmnWorkflow: _StateConverter}))
                      for k, c in _CONFIGS.items()}
_validator = SPIFF_VALIDATOR or BpmnValidator()


@dataclass(frozen=True)
class ParsedSpec:
    """A top-level process spec and the specs of the subprocesses it calls."""

    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    dialect: str = "spiff"


def xsd_validate(root: etree._Element) -> None:
    """Validate against the BPMN 2.0 XSD (raises SpiffWorkflow's ValidationException)."""
    _validator.validate(root)


def parse(root: etree._Element, process_id: str) -> ParsedSpec:
    """Build the spec of one executable process (Camunda dialect when the document uses it)."""
    uses_camunda = CAMUNDA_NS in (root.nsmap or {}).values()
    parser = CamundaParser() if uses_camunda else SpiffBpmnParser()
    parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
    spec = parser.get_spec(process_id)
    return ParsedSpec(spec, parser.get_subprocess_specs(process_id), "camunda" if uses_camunda else "spiff")


def dump_spec(parsed: ParsedSpec) -> str:
    """Serialize a spec (stored once per version)."""
    serializer = _spec_serializers[parsed.dialect]
    return json.dumps({
        "dialect": parsed.dialect,
        "spec": serializer.to_dict(parsed.spec),
        "subprocess_specs": {k: serializer.to_dict(v) for k, v in parsed.subprocess_specs.items()},
    })


class _SpecCache:
    """Process specs by checksum, least recently used first out."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[str, ParsedSpec] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, checksum: str, spec_json: str | Callable[[], str]) -> ParsedSpec:
        """The parsed spec; `spec_json` (or a function returning it) is read only when it is not cached."""
        with self._lock:
            if checksum in self._items:
                self._items.move_to_end(checksum)
                return self._items[checksum]
        raw = json.loads(spec_json() if callable(spec_json) else spec_json)
        dialect = raw.get("dialect", "spiff")
        serializer = _spec_serializers[dialect]
        parsed = ParsedSpec(serializer.from_dict(raw["spec"]),
                            {k: serializer.from_dict(v) for k, v in raw["subprocess_specs"].items()}, dialect)
        with self._lock:
            self._items[checksum] = parsed
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return parsed


spec_cache = _SpecCache()


def new_workflow(parsed: ParsedSpec) -> BpmnWorkflow:
    """A fresh workflow for a spec, on the sandboxed script engine."""
    return BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=scripting.script_engine())


def dump_state(workflow: BpmnWorkflow, dialect: str = "spiff") -> str:
    """The workflow's state as JSON, without its spec."""
    return _state_serializers[dialect].serialize_json(workflow)


def load_state(state: str, parsed: ParsedSpec) -> BpmnWorkflow:
    """Rebuild a workflow from its stored state and its version's spec."""
    token = _spec_for_load.set((parsed.spec, parsed.subprocess_specs))
    try:
        workflow = _state_serializers[parsed.dialect].deserialize_json(state)
    finally:
        _spec_for_load.reset(token)
    workflow.script_engine = scripting.script_engine()
    return workflow
