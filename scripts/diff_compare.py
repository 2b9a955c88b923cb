"""Measure bpmn-js-differ against our version compare (engine/runtime/diagram_diff.py) on our own processes.

Issue 17. Prints Markdown tables (see docs/diagram-diff-comparison.md for the write-up):

  python scripts/diff_compare.py --modules /tmp/differ/node_modules [--repeat 7] [--json out.json]

bpmn-js-differ is not a project dependency; install it in a scratch directory outside the repository
(`npm install bpmn-js-differ bpmn-moddle camunda-bpmn-moddle`) and pass its node_modules with --modules or
DIFFER_NODE_MODULES. The node side is scripts/diff_compare.mjs.

Pairs compared:
* history — every consecutive pair of committed revisions of every processes/*.bpmn (`git log --follow`), and
  the working tree against HEAD where it differs;
* versions — the procedures that got a new version (v1 = the file before the v2 commit, v2 = HEAD);
* edits — one small edit at a time made on a copy of hazard_closure.bpmn (rename, condition, timer, form,
  role, lane, starters, documentation, script, default flow, a shape moved, a label moved, a timer added, a
  rewrite that changes nothing), each with the element and change kind a process owner should see.

Ours is timed as `diagram_diff.diff_xml` on two XML strings (parse both + compare, no database; the page's
`compare_versions` adds two definition loads and the role book). Median of --repeat runs, after a warm-up.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime import diagram_diff

# The procedures that got a new version, and the commit that made it (v1 = that commit's parent state).
VERSIONED = {"hazard_closure": "169550c", "industry_inspection": "169550c", "quarterly_principal_check": "169550c",
             "enforcement_referral": "be0464c", "notice_distribution": "0a1cdcf"}


@dataclass
class Pair:
    ident: str
    group: str  # history | versions | edits
    old: str
    new: str
    note: str = ""
    expect: dict[str, str] = field(default_factory=dict)  # element id → added | removed | changed | layout | none


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout


def history_pairs() -> list[Pair]:
    pairs = []
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        rel = f"processes/{path.name}"
        revs = list(reversed(git("log", "--follow", "--format=%h", "--", rel).split()))
        texts = [(rev, git("show", f"{rev}:{rel}")) for rev in revs]
        work = path.read_text(encoding="utf-8")
        if texts and work != texts[-1][1]:
            texts.append(("worktree", work))
        for (r1, a), (r2, b) in pairwise(texts):
            pairs.append(Pair(f"{path.stem} {r1}→{r2}", "history", a, b))
    return pairs


def version_pairs() -> list[Pair]:
    pairs = []
    for key, commit in VERSIONED.items():
        rel = f"processes/{key}.bpmn"
        old = git("show", f"{commit}~1:{rel}")
        new = git("show", f"HEAD:{rel}")
        pairs.append(Pair(f"{key} v1→v2", "versions", old, new, f"{commit}~1 → HEAD"))
    return pairs


def _sub(xml: str, old: str, new: str, count: int = 1) -> str:
    assert old in xml, old
    return xml.replace(old, new, count)


def edit_pairs() -> list[Pair]:
    base = git("show", "HEAD:processes/hazard_closure.bpmn")
    edits: list[tuple[str, str, dict[str, str], str]] = []

    def add(ident: str, new: str, expect: dict[str, str], note: str) -> None:
        edits.append((ident, new, expect, note))

    add("rename task", _sub(base, 'name="核实定级"', 'name="核实并定级"'), {"grade_hazard": "changed"},
        "grade_hazard 核实定级 → 核实并定级")
    add("condition", _sub(base, "graded_on_site and hazard_level == 'major'",
                          "graded_on_site and hazard_level in ('major', 'serious')"),
        {"Flow_gw_intake_expert_confirm": "changed"}, "one gateway branch's condition")
    add("timer", _sub(base, "add_days(deadline, 30)", "add_days(deadline, 20)"), {"timer_long_overdue": "changed"},
        "timer_long_overdue timeDate 30 → 20 days")
    add("form", _sub(base, 'value="hazard_grading"', 'value="hazard_grading_v2"'), {"grade_hazard": "changed"},
        "grade_hazard formKey (spiffworkflow:property)")
    add("deadline", _sub(base, 'value="hazard_grading"/>\n          <spiffworkflow:property name="dueIn" value="P3D"',
                         'value="hazard_grading"/>\n          <spiffworkflow:property name="dueIn" value="P2D"'),
        {"grade_hazard": "changed"}, "grade_hazard dueIn P3D → P2D")
    add("escalation role", re.sub(r'(id="grade_hazard".*?name="escalateTo" value=")section_chief', r"\1deputy_director",
                                  base, count=1, flags=re.DOTALL),
        {"grade_hazard": "changed"}, "grade_hazard escalateTo section_chief → deputy_director")
    lane_moved = _sub(base, "<bpmn:flowNodeRef>grade_hazard</bpmn:flowNodeRef>", "")
    lane_moved = _sub(lane_moved, '<bpmn:lane id="Lane_section_chief" name="科室负责人">',
                      '<bpmn:lane id="Lane_section_chief" name="科室负责人">\n        '
                      "<bpmn:flowNodeRef>grade_hazard</bpmn:flowNodeRef>")
    add("lane (role)", lane_moved, {"grade_hazard": "changed"},
        "grade_hazard moved to lane 科室负责人 (flowNodeRef only, shape not moved)")
    add("starters", _sub(base, 'camunda:candidateStarterGroups="enterprise_safety_officer,grid_worker"',
                         'camunda:candidateStarterGroups="enterprise_safety_officer,grid_worker,section_chief"'),
        {"hazard_closure": "changed"}, "process camunda:candidateStarterGroups + section_chief")
    add("condition spacing", _sub(base, "graded_on_site and hazard_level == 'major'",
                                  "graded_on_site and hazard_level=='major'"), {},
        "spaces removed inside one condition (same tokens)")
    add("documentation", _sub(base, "decides whether it is a hazard, grades it",
                              "decides whether it is a hazard and grades it"),
        {"grade_hazard": "changed"}, "grade_hazard documentation text")
    add("script", _sub(base, "closed_on = today()", "closed_on = today()  # 销号日", 1),
        {}, "comment added to a script (probe: which tool treats it as a change)")
    moved = re.sub(r'(<bpmndi:BPMNShape id="grade_hazard_di" bpmnElement="grade_hazard">\s*<dc:Bounds x=")(\d+)',
                   lambda m: m.group(1) + str(int(m.group(2)) + 40), base)
    add("shape moved", moved, {"grade_hazard": "layout"}, "grade_hazard shape 40 px right (edges not rerouted)")
    label = re.sub(r'(bpmnElement="timer_long_overdue">\s*<dc:Bounds[^>]*>\s*<bpmndi:BPMNLabel>\s*<dc:Bounds x=")(\d+)',
                   lambda m: m.group(1) + str(int(m.group(2)) - 30), base)
    add("label moved", label, {"timer_long_overdue": "layout"}, "timer_long_overdue label 30 px left")
    timer = _sub(base, '    <bpmn:scriptTask id="refer_overdue"',
                 '    <bpmn:boundaryEvent id="timer_grade_late" name="定级超时" cancelActivity="false" '
                 'attachedToRef="grade_hazard">\n      <bpmn:timerEventDefinition id="TimerEventDefinition_grade_late">'
                 '\n        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P5D"</bpmn:timeDuration>\n'
                 '      </bpmn:timerEventDefinition>\n    </bpmn:boundaryEvent>\n    <bpmn:scriptTask id="refer_overdue"')
    timer = _sub(timer, '      <bpmndi:BPMNShape id="grade_hazard_di" bpmnElement="grade_hazard">',
                 '      <bpmndi:BPMNShape id="timer_grade_late_di" bpmnElement="timer_grade_late">\n'
                 '        <dc:Bounds x="668" y="727" width="36" height="36"/>\n      </bpmndi:BPMNShape>\n'
                 '      <bpmndi:BPMNShape id="grade_hazard_di" bpmnElement="grade_hazard">')
    add("timer added", timer, {"timer_grade_late": "added"}, "non-interrupting timer boundary event on grade_hazard")
    add("rewrite: attribute order", _rewritten(base, reverse=True, other=False), {},
        "every element's attributes written in reverse order (same meaning, same layout)")
    add("rewrite: formatting", _rewritten(base, reverse=False, other=True), {},
        "tabs, prefix bpmn→model, cancelActivity=true dropped, xsi:type added (same meaning, same layout)")
    pairs = [Pair(f"edit: {ident}", "edits", base, new, note, expect) for ident, new, expect, note in edits]
    return pairs + _default_flow(base)


def _default_flow(base: str) -> list[Pair]:
    """Make another branch the default: the first exclusive gateway with a default flow."""
    m = re.search(r'<bpmn:exclusiveGateway id="([^"]+)"[^>]*default="([^"]+)"', base)
    if not m:
        return []
    gateway, flow = m.groups()
    others = re.findall(rf'<bpmn:sequenceFlow id="([^"]+)" sourceRef="{re.escape(gateway)}"', base)
    other = next(f for f in others if f != flow)
    new = base.replace(f'default="{flow}"', f'default="{other}"', 1)
    return [Pair("edit: default flow", "edits", base, new, f"{gateway} default {flow} → {other}",
                 {flow: "changed", other: "changed"})]


def _rewritten(xml: str, reverse: bool, other: bool) -> str:
    """Same meaning and layout, written differently (like tests/engine/runtime/test_diagram_diff.py): attributes
    in reverse order (`reverse`); other indentation, prefixes, defaults left out, xsi:type on expressions (`other`)."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    for node in root.iter():
        if isinstance(node.tag, str):
            items = list(node.attrib.items())
            node.attrib.clear()
            for key, value in reversed(items) if reverse else items:
                if not (other and etree.QName(key).localname == "cancelActivity" and value == "true"):
                    node.set(key, value)
            if other and etree.QName(node).localname in ("conditionExpression", "timeDuration", "timeDate"):
                node.set("{http://www.w3.org/2001/XMLSchema-instance}type", "bpmn:tFormalExpression")
    if not other:
        return etree.tostring(root, encoding="unicode")
    etree.indent(root, space="\t")
    text = etree.tostring(root, encoding="unicode")
    return re.sub(r"\bbpmn:", "model:", text).replace("xmlns:bpmn=", "xmlns:model=")


# ---------------------------------------------------------------------------------------------------- ours


def run_ours(pair: Pair, repeat: int) -> dict:
    diff = diagram_diff.diff_xml("p", 1, 2, pair.old, pair.new)
    diagram_diff.diff_xml("p", 1, 2, pair.old, pair.new)  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        diagram_diff.diff_xml("p", 1, 2, pair.old, pair.new)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "added": [c.element_id for c in diff.added], "removed": [c.element_id for c in diff.removed],
        "changed": {c.element_id: {a.aspect: [(f.field, f.old, f.new) for f in a.fields] for a in c.changes}
                    for c in diff.changed},
        "layout": [c.element_id for c in diff.layout], "ms": statistics.median(times),
    }


# ---------------------------------------------------------------------------------------------------- theirs


def run_differ(pairs: list[Pair], modules: str, repeat: int) -> tuple[dict, dict[tuple[str, str], dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        spec = []
        for i, p in enumerate(pairs):
            a, b = Path(tmp, f"{i}-old.bpmn"), Path(tmp, f"{i}-new.bpmn")
            a.write_text(p.old, encoding="utf-8")
            b.write_text(p.new, encoding="utf-8")
            spec.append({"id": p.ident, "old_path": str(a), "new_path": str(b)})
        out = subprocess.run(["node", str(ROOT / "scripts" / "diff_compare.mjs"), "--modules", modules,
                              "--repeat", str(repeat)], input=json.dumps({"pairs": spec}),
                             capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    return data, {(r["id"], r["variant"]): normalise(r) for r in data["results"]}


def normalise(r: dict) -> dict:
    """Participant ids → their process id (bpmn-js-differ reports a process through its participant)."""
    alias = r["aliases"]

    def ids(items: list[dict]) -> list[str]:
        return [alias.get(e["id"], e["id"]) for e in items]

    changed = {alias.get(c["id"], c["id"]): c["attrs"] for c in r["changed"]}
    return {"added": ids(r["added"]), "removed": ids(r["removed"]), "changed": changed, "layout": ids(r["layout"]),
            "ms_total": r["ms_total"], "ms_diff": r["ms_diff"], "warnings": r["warnings"]}


# ---------------------------------------------------------------------------------------------------- report

# Which bpmn-js-differ attribute paths (`name`, `processRef.documentation[1]`, `conditionExpression` …) name an aspect.
ASPECT_KEYS = {"type": r"\$type", "name": r"(^|\.)name$", "role": r"candidate|assignee|lane|flowNodeRef",
               "form": r"formKey", "due": r"due|remind|escalate", "condition": r"conditionExpression|^default$|condition",
               "timer": r"eventDefinitions|time(Date|Duration|Cycle)", "script": r"script", "starters": r"Starter",
               "flow": r"sourceRef|targetRef|attachedToRef|processRef$", "other": r"."}


def bucket(result: dict, ident: str) -> str:
    for name in ("added", "removed", "changed"):
        if ident in result[name]:
            return name
    return "layout" if ident in result["layout"] else "none"


def shown_ours(result: dict, ident: str) -> str:
    if ident in result["changed"]:
        return "; ".join(f"{aspect}: " + ", ".join(f"{f} {o!s:.40} → {n!s:.40}" if f != aspect else f"{o!s:.40} → {n!s:.40}"
                                                    for f, o, n in fields)
                         for aspect, fields in result["changed"][ident].items())
    return bucket(result, ident)


def shown_theirs(result: dict, ident: str) -> str:
    if ident in result["changed"]:
        attrs = result["changed"][ident]
        if not attrs:
            return "changed (no detail)"
        return "; ".join(f"{k}: {v['old']!s:.40} / {v['new']!s:.40}" for k, v in attrs.items())
    return bucket(result, ident)


def summary(r: dict, shown: int = 3) -> str:
    """What a result flagged, counted by bucket, with a few ids."""
    found = sorted({*r["added"], *r["removed"], *r["changed"], *r["layout"]})
    if not found:
        return "nothing"
    counts = Counter(bucket(r, i) for i in found)
    return (", ".join(f"{n} {b}" for b, n in sorted(counts.items())) + " (" + ", ".join(found[:shown])
            + (", …" if len(found) > shown else "") + ")")


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modules", default=os.environ.get("DIFFER_NODE_MODULES"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", help="also write every raw result here")
    args = parser.parse_args()
    if not args.modules:
        parser.error("give the scratch node_modules with --modules or DIFFER_NODE_MODULES")
    pairs = version_pairs() + edit_pairs() + history_pairs()
    ours = {p.ident: run_ours(p, args.repeat) for p in pairs}
    meta, theirs = run_differ(pairs, args.modules, args.repeat)
    variants = sorted({v for _, v in theirs}, key=lambda v: v != "plain")
    out = print
    out(f"node {meta['node']}; " + ", ".join(f"{k} {v['version']} ({v['license']})"
                                             for k, v in meta["versions"].items() if v))
    out(f"python {sys.version.split()[0]}; median of {args.repeat} runs\n")

    # 1. whole versions and history: counts, agreement and timing
    for group in ("versions", "history"):
        out(f"### {group}\n")
        out("| pair | ours +/−/~/layout | differ (plain) +/−/~/layout | only ours | only differ | ours ms | "
            "differ ms (parse+diff / diff) |")
        out("|---|---|---|---|---|---|---|")
        for p in (p for p in pairs if p.group == group):
            o, t = ours[p.ident], theirs[(p.ident, "plain")]
            so = {i: bucket(o, i) for i in {*o["added"], *o["removed"], *o["changed"]}}
            st = {i: bucket(t, i) for i in {*t["added"], *t["removed"], *t["changed"]}}
            only_o = sorted(i for i in so if so[i] != st.get(i, "none"))
            only_t = sorted(i for i in st if st[i] != so.get(i, "none"))
            out(f"| {p.ident} | {len(o['added'])}/{len(o['removed'])}/{len(o['changed'])}/{len(o['layout'])} | "
                f"{len(t['added'])}/{len(t['removed'])}/{len(t['changed'])}/{len(t['layout'])} | "
                f"{cell(', '.join(f'{i} ({so[i]})' for i in only_o)) or '—'} | "
                f"{cell(', '.join(f'{i} ({st[i]})' for i in only_t)) or '—'} | {o['ms']:.1f} | "
                f"{t['ms_total']:.1f} / {t['ms_diff']:.1f} |")
        out("")

    # 2. per aspect: of the elements ours reports as changed for an aspect, how many does the differ flag?
    out("### changed elements by the aspect ours names (all version and history pairs)\n")
    out("Flagged = the differ lists the element as changed at all (often only because its documentation changed "
        "in the same commit); named = one of its changed attributes is that aspect's property.\n")
    out("| aspect | elements (ours) | " + " | ".join(f"differ {v}: flagged / named" for v in variants) + " |")
    out("|---|---|" + "---|" * len(variants))
    seen: dict[str, Counter] = defaultdict(Counter)
    for p in (p for p in pairs if p.group != "edits"):
        o = ours[p.ident]
        for ident, aspects in o["changed"].items():
            for aspect in aspects:
                seen[aspect]["ours"] += 1
                for v in variants:
                    attrs = theirs[(p.ident, v)]["changed"].get(ident)
                    seen[aspect][v] += attrs is not None
                    seen[aspect][v + " named"] += attrs is not None and any(
                        re.search(ASPECT_KEYS[aspect], key) for key in attrs)
    for aspect in diagram_diff.ASPECTS:
        if seen[aspect]["ours"]:
            out(f"| {aspect} | {seen[aspect]['ours']} | "
                + " | ".join(f"{seen[aspect][v]} / {seen[aspect][v + ' named']}" for v in variants) + " |")
    out("")

    # 3. the small edits: what a process owner would see
    out("### single edits on hazard_closure\n")
    out("| edit | expected | ours | differ plain | differ camunda | extra (ours / plain / camunda) |")
    out("|---|---|---|---|---|---|")
    for p in (p for p in pairs if p.group == "edits"):
        o = ours[p.ident]
        rows = [o] + [theirs[(p.ident, v)] for v in variants]
        expected = ", ".join(f"{i} {b}" for i, b in p.expect.items()) or "nothing"

        def extra(r: dict, expected: frozenset[str] = frozenset(p.expect)) -> int:
            return len({*r["added"], *r["removed"], *r["changed"], *r["layout"]} - expected)

        detail = [shown_ours(o, i) for i in p.expect] or ["—"]
        cols = [cell("; ".join(detail))]
        for r in rows[1:]:
            cols.append(cell("; ".join(shown_theirs(r, i) for i in p.expect) or "—"))
        if not p.expect:  # show what each flagged, if anything
            cols = [cell(summary(r)) for r in rows]
        out(f"| {p.ident} ({cell(p.note)}) | {expected} | " + " | ".join(cols) + " | "
            + " / ".join(str(extra(r)) for r in rows) + " |")
    out("")

    # 4. timing summary
    out("### timing (ms, median per pair; then median / max over pairs)\n")
    out("| group | pairs | ours diff_xml | differ plain parse+diff | differ plain diff only | differ camunda parse+diff |")
    out("|---|---|---|---|---|---|")
    for group in ("versions", "edits", "history"):
        ps = [p for p in pairs if p.group == group]

        def agg(values: list[float]) -> str:
            return f"{statistics.median(values):.1f} / {max(values):.1f}"

        cam = agg([theirs[(p.ident, 'camunda')]['ms_total'] for p in ps]) if "camunda" in variants else "—"
        out(f"| {group} | {len(ps)} | {agg([ours[p.ident]['ms'] for p in ps])} | "
            f"{agg([theirs[(p.ident, 'plain')]['ms_total'] for p in ps])} | "
            f"{agg([theirs[(p.ident, 'plain')]['ms_diff'] for p in ps])} | {cam} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "ours": ours, "theirs": {f"{k[0]}|{k[1]}": v for k, v
                                                                                      in theirs.items()}},
                                              ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
