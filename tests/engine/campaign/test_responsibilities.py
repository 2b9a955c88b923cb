"""engine.campaign.responsibilities: the responsibility list (权责清单, item 2) — checked as `safeloop init` checks it, and
who answers for each register, names resolved from the users (both databases)."""
from __future__ import annotations

import copy
import json

import pytest

import engine
from engine.campaign import bootstrap, responsibilities
from engine.campaign.register_kinds import KINDS

SEED = json.loads(responsibilities.FILE.read_text(encoding="utf-8"))
ROLES = {r["key"] for r in bootstrap._read("roles.json")}


def test_the_seeded_list_names_every_register_once_and_only_known_roles():
    found = responsibilities.check(SEED, ROLES)
    registers = [d.register for s in found.sections for d in s.duties if d.register]
    assert sorted(registers) == sorted(k.key for k in KINDS)
    section, duty = found.for_register("self_checks")
    assert (section.name_zh, section.leader, duty.items) == ("商贸流通科", "zhaomin", (8,))
    assert duty.name_zh == "每日安全自查台账"  # a register's duty is named as its register
    study = {d.key: d for s in found.sections for d in s.duties}["study"]
    assert study.register is None and study.items == (1, 21) and "study_receipt" in study.processes


def _broken(change) -> dict:
    data = copy.deepcopy(SEED)
    change(data)
    return data


@pytest.mark.parametrize("change, said", [
    (lambda d: d["sections"][0]["duties"].pop(0), "这些台账没有责任科室：inspections"),
    (lambda d: d["sections"][1]["duties"].append(dict(d["sections"][0]["duties"][0], key="again")),
     "这些台账被多个职责认领：inspections"),
    (lambda d: d["sections"][0]["duties"][0].update(roles=["mayor"]), "没有角色 mayor"),
    (lambda d: d["sections"][0]["duties"][1].update(register="nope"), "没有台账 nope"),
    (lambda d: d["sections"][2]["duties"][1].update(key="inspections"), "职责标识重复"),
    (lambda d: d["sections"][1].update(key="trade_circulation"), "科室标识重复"),
    (lambda d: d["sections"][2]["duties"][2].pop("name_zh"), "name_zh"),
    (lambda d: d["sections"][0]["duties"][0].update(items=[99]), "方案条目编号 1–23"),
    (lambda d: d.update(sections=[]), "1–50 个科室"),
])
def test_a_bad_list_is_refused_naming_the_problem(change, said):
    with pytest.raises(ValueError, match=said):
        responsibilities.check(_broken(change), ROLES)


def test_init_refuses_a_bad_file(database, tmp_path, monkeypatch):
    bad = tmp_path / "responsibilities.json"
    bad.write_text(json.dumps(_broken(lambda d: d["sections"][0]["duties"].pop(0))), encoding="utf-8")
    monkeypatch.setattr(responsibilities, "FILE", bad)
    with pytest.raises(ValueError, match="inspections"):
        bootstrap.load_reference_data()


def test_a_register_names_its_section_leader_and_people(database, tmp_path, monkeypatch):
    engine.add_user("zhaomin", roles=["deputy_director"], display_name="赵敏")
    engine.add_user("zhangwei", roles=["bureau_inspector"], display_name="张伟")
    line = responsibilities.for_register("inspections")
    assert line["section"] == {"key": "trade_circulation", "name_zh": "商贸流通科", "name_en": "Trade Circulation Section"}
    assert line["leader"] == {"username": "zhaomin", "display_name": "赵敏", "has_account": True}
    assert [p["display_name"] for p in line["people"]] == ["张伟", "lina", "wangqiang"]  # no account: as written
    assert line["roles"] == ["bureau_inspector"] and line["duty"]["items"] == [8, 20]
    # the file is read again when it changes
    edited = tmp_path / "responsibilities.json"
    edited.write_text(json.dumps(_broken(lambda d: d["sections"][0].update(leader="zhangwei"))), encoding="utf-8")
    monkeypatch.setattr(responsibilities, "FILE", edited)
    assert responsibilities.for_register("inspections")["leader"]["display_name"] == "张伟"


def test_the_whole_list_is_for_bureau_staff(people):
    sections = responsibilities.listing(people["chief"])
    assert [s["key"] for s in sections] == ["trade_circulation", "general_affairs", "office"]
    assert sum(len(s["duties"]) for s in sections) == 13
    with pytest.raises(engine.Forbidden):
        responsibilities.listing(people["officer_a"])
