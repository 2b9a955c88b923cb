"""docs/security.md's threat model: every row names the tests that prove it, and every named test exists."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def _threat_model_rows() -> list[str]:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("## Threat model", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return rows[2:]  # past the header and its rule


def test_the_threat_model_covers_every_kind_of_attacker():
    actors = " ".join(row.split("|")[1] for row in _threat_model_rows())
    for who in ("process owner", "enterprise user", "whistleblower", "write access to the database", "network attacker",
                "uploading files", "hostile XML"):
        assert who in actors, who


def test_every_row_of_the_threat_model_names_tests_that_exist():
    rows = _threat_model_rows()
    assert len(rows) >= 8
    for row in rows:
        named = REFERENCE.findall(row.split("|")[-2])
        assert named, f"no test named in: {row[:80]}"
        for path, name in named:
            source = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^(async )?def {name}\(", source, re.M), f"{path}::{name} does not exist"
