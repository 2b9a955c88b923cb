"""Every corpus file is deployed or refused with a reason; none crashes; negatives are refused."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.operations import conformance

CORPUS = Path(os.environ.get("SAFELOOP_CORPUS", Path(__file__).resolve().parents[4] / "shared" / "corpus"))
MUST_REFUSE = ("negative", "xsd-invalid-exports", "strict-xsd-fail")

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def files() -> list[Path]:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"corpus missing at {CORPUS} (required in CI)")
        pytest.skip("corpus folder absent")
    return conformance.corpus_files(CORPUS)


def test_every_corpus_file_is_deployed_or_refused_with_a_reason(database, people, files):
    assert len(files) > 100
    results = [conformance.check_file(p) for p in files]
    for r in results:
        assert r.deployed or r.reason.startswith("refused: ") and len(r.reason) > 12, r
    refused_required = [r for r in results if any(part in r.path for part in MUST_REFUSE)]
    assert refused_required and not [r for r in refused_required if r.deployed]
    runnable = [r for r in results if "/spiff/" in r.path and "/negative/" not in r.path]
    ran = [r for r in runnable if r.run.startswith(("ran to the end", "waiting"))]
    assert len(ran) >= len(runnable) // 2, [r for r in runnable if r not in ran]


def test_xxe_probe_is_refused_and_reads_no_file(database, people, files):
    probe = [p for p in files if "Xxe" in p.name]
    assert probe
    result = conformance.check_file(probe[0])
    assert not result.deployed and "DOCTYPE" in result.reason
