"""The engine's public API is pinned. The import boundaries themselves (engine/ never imports Flask or webui,
webui/ never SpiffWorkflow or the engine's storage) are import-linter contracts in pyproject.toml, checked by
`lint-imports` in tests/run.sh; the two ast checks below stay as a fast net for a laptop without it."""
from __future__ import annotations

import ast
from pathlib import Path

import engine

ROOT = Path(__file__).parents[2]


def _imports(folder: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(str(path), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add((str(path), node.module.split(".")[0]))
    return found


def test_webui_never_imports_spiffworkflow():
    assert not [p for p, mod in _imports("webui") if mod == "SpiffWorkflow"]


def test_engine_never_imports_flask():
    assert not [p for p, mod in _imports("engine") if mod in ("flask", "werkzeug")]


def test_public_api_is_pinned():
    assert "complete_task" in engine.__all__ and "deploy" in engine.__all__
    assert all(hasattr(engine, name) for name in engine.__all__)
    assert not [n for n in engine.__all__ if "Spiff" in n or "Bpmn" in n]
