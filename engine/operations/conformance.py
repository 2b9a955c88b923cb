"""Conformance against diagrams we did not write: deploy-or-refuse, then a dry run in memory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..runtime import definitions
from ..runtime.dry_run import dry_run
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
