"""Every page in Chinese: a crawler logs in as each demo role (and as nobody), follows the links it is shown, and
fails on any Latin word a clerk would see that is not a proper name, a code somebody typed, or an allow-listed term.

What is checked is what the browser shows: `innerText` of the page with every `<details>` opened (so CSS-hidden text
does not count, and the phone width is crawled separately), plus placeholders, titles, ARIA labels, alt texts and the options of every list.
Content that is deliberately not translated carries HTML's own marker, `translate="no"` — user names, codes a user
typed (JSON Schema, BPMN ids, CSV column names), file names — and is left out, as are `<code>`, `<pre>` and
`<textarea>` (text somebody typed) and bpmn.io's licence watermark, which must stay as it is.

Tokens holding a digit, `@`, `.`, `/` or `:` are codes (credit codes, hashes, e-mail addresses, dates, ids,
file extensions); a single letter is a label somebody typed (B座, A区); `XXXX-XXXX` is an input mask.
The crawl is bounded: at most two URLs of each shape (ids replaced by N) and 80 pages per role.
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

import engine
from engine.operations.cli import demo_logins
from tests.e2e.conftest import ROOT, VENDOR_STAMP
from tests.e2e.walk_support import serving
from webui import create_app

pytestmark = pytest.mark.e2e

# Terms a Chinese clerk reads as they are: names of products, standards, formats and languages.
ALLOWED = {
    "Safeloop", "English", "BPMN", "CSV", "Excel", "JSON", "Schema", "PNG", "JPEG", "GIF", "WebP", "PDF", "SVG",
    "Webhook", "Camunda", "Modeler", "GB", "XML", "API", "ID", "bpmn-js", "HTTP", "HMAC", "SHA",
}
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
REPORT = ROOT / "test-artifacts" / "zh-crawl.jsonl"
PER_SHAPE = 2
PER_ROLE = 80
SKIP = re.compile(r"logout|lang=|/static/|/files/|/download|export|\.(csv|xlsx|bpmn|png|svg|json|pdf)(\?|$)|/api/")
TOKEN = re.compile(r"[A-Za-z0-9_.@/:'’-]*[A-Za-z][A-Za-z0-9_.@/:'’-]*")
VISIBLE_TEXT = """() => {
  for (const details of document.querySelectorAll('details')) details.open = true;
  for (const el of document.querySelectorAll(
      '[translate=no], textarea, code, pre, script, style, .bjs-powered-by')) el.remove();
  const parts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]'))
    for (const name of ['placeholder', 'title', 'aria-label', 'alt'])
      if (el.getAttribute(name)) parts.push(el.getAttribute(name));
  for (const option of document.querySelectorAll('option')) parts.push(option.textContent);
  return parts.join('\\n');
}"""


def latin_words(text: str) -> set[str]:
    """The words of `text` that are Latin, not codes and not allowed."""
    words = set()
    for token in TOKEN.findall(text):
        token = token.rstrip(".:-/'’").lstrip("-'’")
        if len(token) < 2 or re.search(r"[0-9@./:]", token) or re.fullmatch(r"X+(-X+)+", token) or token in ALLOWED:
            continue
        words.add(token)
    return words


def test_latin_word_detection() -> None:
    assert latin_words("待办 inbox 91220881MA57H0KQ5Q 2026-12-03 a@b.cn BPMN ent01.safety") == {"inbox"}
    assert latin_words("任务 task.claim 已认领 B座 上传 .bpmn 文件") == set()
    assert latin_words("整改 hazard_level 期限") == {"hazard_level"}  # a field key is not a label
    assert latin_words("Toggle section 展开") == {"Toggle", "section"}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a fresh SQLite database holding the demo data (`safeloop init --demo`)."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("zh-crawl")
    engine.configure(database_url=f"sqlite:///{data_dir / 'safeloop.db'}", data_dir=data_dir)
    engine.init(demo=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with serving(create_app({"DATA_DIR": str(data_dir)})) as base:
        yield base


def _crawl(page: Any, base: str, start: str) -> tuple[dict[str, set[str]], int]:
    """Visit the pages reachable from `start`; return each offending word with the pages it was seen on, and how
    many pages were read."""
    found: dict[str, set[str]] = defaultdict(set)
    shapes: Counter[str] = Counter()
    queue, visited = [start], set()
    while queue and len(visited) < PER_ROLE:
        url = queue.pop(0)
        shape = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", url)
        if url in visited or shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1
        visited.add(url)
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for word in latin_words(page.evaluate(VISIBLE_TEXT)):
            found[word].add(url.removeprefix(base))
        queue += [h.split("#")[0] for h in links if h.startswith(base) and not SKIP.search(h)]
    return found, len(visited)


ROLES = ["anonymous", *sorted(demo_logins())]


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_chinese(browser: Any, demo_server: str, role: str, size: str) -> None:
    context = browser.new_context(locale="en-US", viewport=SIZES[size])  # the browser asks for English: zh-CN stays
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        if role == "anonymous":
            start = f"{demo_server}/report"
        else:
            page.goto(f"{demo_server}/login")
            page.fill("#username", demo_logins()[role])
            page.fill("#password", engine.DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            page.wait_for_load_state()
            start = page.url
        found, pages = _crawl(page, demo_server, start)
    finally:
        context.close()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a", encoding="utf-8") as log:  # the pages read per role and width, for the record
        log.write(json.dumps({"role": role, "size": size, "pages": pages, "words": len(found)}) + "\n")
    assert pages > 1, f"the crawl as {role} read only {pages} page"
    report = {word: sorted(pages)[:3] for word, pages in sorted(found.items())}
    assert report == {}, f"Latin words seen as {role} ({size}): {report}"
