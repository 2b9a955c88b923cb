"""Refresh the screenshots the guides show from the browser tests' latest run.

The browser tests (tests/e2e) save full-page screenshots under test-artifacts/screenshots/; the guides in docs/
show some of them from docs/img/. After `make test` (or `pytest tests/e2e`), run `make guide-images`: every image a
guide links that the tests produced is copied over; images the tests do not make (the process diagrams) are left
alone and listed.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
IMAGES = ROOT / "docs" / "img"
LINK = re.compile(r"\]\(img/([^)\s]+\.png)\)")


def main() -> int:
    linked = sorted({name for doc in (ROOT / "docs").glob("*.md") for name in LINK.findall(doc.read_text("utf-8"))})
    copied, kept = [], []
    for name in linked:
        shot = SHOTS / name
        if shot.exists():
            shutil.copyfile(shot, IMAGES / name)
            copied.append(name)
        else:
            kept.append(name)
    print(f"{len(copied)} screenshots refreshed from {SHOTS.relative_to(ROOT)}")
    if kept:
        print("not made by the browser tests (left as they are): " + ", ".join(kept))
    missing = [name for name in linked if not (IMAGES / name).exists()]
    if missing:
        print("linked but missing: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
