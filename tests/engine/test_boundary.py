"""The engine's public API is pinned. The import rules themselves — the three layers (operations above campaign
above runtime: the runtime knows no campaign), no import cycles in any package, engine/ never importing Flask or
webui, webui/ never importing SpiffWorkflow nor any module inside a layer — are import-linter contracts in
pyproject.toml, checked by `lint-imports` at the start of tests/run.sh (so `make test` and CI)."""
from __future__ import annotations

import engine
import engine.campaign
import engine.operations
import engine.runtime


def test_public_api_is_pinned():
    assert "complete_task" in engine.__all__ and "deploy" in engine.__all__
    assert all(hasattr(engine, name) for name in engine.__all__)
    assert not [n for n in engine.__all__ if "Spiff" in n or "Bpmn" in n]


def test_each_layer_exports_what_it_names_and_no_storage():
    for layer in (engine.runtime, engine.campaign, engine.operations):
        assert layer.__doc__ and all(hasattr(layer, name) for name in layer.__all__)
        assert not {"db", "models", "Session", "unit_of_work", "sql_engine"} & set(layer.__all__)
        assert not [n for n in layer.__all__ if n.startswith("_")]
