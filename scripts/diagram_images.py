"""Draw the bundled procedures the guides show (every `img/process-<key>.png` a docs/*.md links, from
processes/<key>.bpmn) as bpmn-js shows them in the app; names on the command line draw those instead.

`make diagram-images` (after `make assets`): a headless chromium (Debian's, never downloaded) opens one local page
with the vendored bpmn-js viewer, imports each diagram, fits it and saves the canvas at a readable scale. The
guides (`docs/processes.md`) link these images; run this after changing a diagram. Diagrams that fail to import are
listed and the exit code is 1.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "webui" / "static" / "vendor" / "bpmn-js" / "dist"
PROCESSES = ROOT / "processes"
IMAGES = ROOT / "docs" / "img"
CHROMIUM = Path(os.environ.get("SAFELOOP_CHROMIUM", "/usr/bin/chromium"))
LINK = re.compile(r"\]\(img/process-([a-z0-9_]+)\.png\)")
SCALE = 1.0  # labels are drawn at 12 px: full size keeps them legible
MARGIN = 24

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="{css}/diagram-js.css"><link rel="stylesheet" href="{css}/bpmn-js.css">
<style>html,body{{margin:0;background:#fff}} #canvas{{width:4000px;height:3000px}}</style>
<script src="{js}"></script></head><body><div id="canvas"></div>
<script>
window.viewer = new BpmnJS({{container: '#canvas'}});
window.draw = async function (xml) {{
  await window.viewer.importXML(xml);
  const canvas = window.viewer.get('canvas');
  const box = canvas.getActiveLayer().getBBox();
  const width = Math.ceil(box.width + 2 * {margin}), height = Math.ceil(box.height + 2 * {margin});
  const el = document.getElementById('canvas');
  el.style.width = (width * {scale}) + 'px'; el.style.height = (height * {scale}) + 'px';
  canvas.resized();
  canvas.viewbox({{x: box.x - {margin}, y: box.y - {margin}, width: width, height: height}});
  return {{width: Math.ceil(width * {scale}), height: Math.ceil(height * {scale})}};
}};
</script></body></html>"""


def main(names: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    linked = sorted({m for doc in (ROOT / "docs").glob("*.md") for m in LINK.findall(doc.read_text("utf-8"))})
    chosen = [PROCESSES / f"{n}.bpmn" for n in (names or linked)]
    page_html = PAGE.format(css=(VENDOR / "assets").as_uri(), js=(VENDOR / "bpmn-viewer.production.min.js").as_uri(),
                            scale=SCALE, margin=MARGIN)
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        html = Path(tmp) / "draw.html"
        html.write_text(page_html, "utf-8")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 4000, "height": 3000}, device_scale_factor=1)
        page.goto(html.as_uri())
        for path in chosen:
            try:
                size = page.evaluate("xml => window.draw(xml)", path.read_text("utf-8"))
            except Exception as err:  # a diagram bpmn-js cannot import: name it, go on with the rest
                failed.append(f"{path.name}: {str(err).splitlines()[0]}")
                continue
            out = IMAGES / f"process-{path.stem}.png"
            page.screenshot(path=str(out), clip={"x": 0, "y": 0, "width": min(size["width"], 4000),
                                                 "height": min(size["height"], 3000)})
            print(f"{out.relative_to(ROOT)} {size['width']}×{size['height']}")
        browser.close()
    for line in failed:
        print("not drawn: " + line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
