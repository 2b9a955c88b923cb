"""Deploy: validation, versions, refusals that store nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.campaign.bootstrap import read_forms

DATA = Path(__file__).parents[2] / "data"
CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"


def _review(**replace: str) -> bytes:
    text = (DATA / "review.bpmn").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode("utf-8")


def test_deploy_creates_version_one_and_identical_redeploy_is_a_noop(people):
    forms = read_forms(DATA / "forms")
    first = engine.deploy(_review(), actor="owner", forms_given=forms)
    again = engine.deploy(_review(), actor="owner")
    assert (first.created, first.process.version) == (True, 1)
    assert (again.created, again.process.version) == (False, 1)


def test_changed_diagram_makes_a_new_immutable_version(review):
    v2 = engine.deploy(_review(**{'name="整改复核（测试）"': 'name="整改复核 v2"'}), actor="owner")
    assert v2.created and v2.process.version == 2
    assert "整改复核（测试）" in engine.get_bpmn("review", 1)
    assert [p.version for p in engine.list_processes(all_versions=True)] == [2, 1]


def _refusal(bpmn: bytes) -> list[dict]:
    with pytest.raises(engine.DefinitionInvalid) as info:
        engine.deploy(bpmn, actor="owner")
    assert engine.list_processes() == [] or all(p.key != "review" or p.version == 1 for p in engine.list_processes())
    return info.value.details


def test_task_without_a_role_is_refused_with_its_element_id_and_line(people):
    bpmn = _review(**{'name="bureau_inspector"': 'name="无此角色"'})
    details = _refusal(bpmn)
    assert any(d["element_id"] == "accept" and d["line"] and "角色" in d["message_zh"] for d in details)
    assert engine.list_processes() == []


def test_unknown_form_key_is_refused(people):
    details = _refusal(_review())  # forms not given and not stored
    assert {d["element_id"] for d in details} >= {"start", "rectify", "accept"}
    assert all("Form" in d["message_en"] for d in details)


@pytest.mark.parametrize("condition", ["().__class__.__bases__", "__import__('os').system('id')", "open('/etc/passwd')",
                                       "eval('1')", "getattr(result, 'x')"])
def test_escaping_condition_is_refused_at_deploy(review, condition):
    details = _refusal(_review(**{"result == 'pass'": condition.replace("'", "&apos;")}))
    assert details[0]["element_id"] == "f_pass"
    assert "sandbox" in details[0]["message_en"]


def test_bad_timer_is_refused(review):
    details = _refusal(_review(**{"<bpmn:timeDuration>P10D": "<bpmn:timeDuration>in ten days"}))
    assert details[0]["element_id"] == "timeout"


def test_non_executable_process_is_refused(people):
    details = _refusal(_review(**{'isExecutable="true"': 'isExecutable="false"'}))
    assert "executable" in details[0]["message_en"]


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>',
    b"<not-closed>",
    b'<root xmlns="urn:other"/>',
])
def test_hostile_or_malformed_xml_is_refused_and_stores_nothing(people, payload):
    with pytest.raises(engine.DefinitionInvalid):
        engine.deploy(payload, actor="owner")
    assert engine.list_processes() == []


def test_oversized_bpmn_is_refused_as_too_large(people):
    with pytest.raises(engine.TooLarge):
        engine.deploy(b"<x>" + b" " * (6 * 1024 * 1024) + b"</x>", actor="owner")


def test_camunda_attributes_give_role_form_and_assignee(people):
    bpmn = _review(**{
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"':
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        '<bpmn:userTask id="accept" name="验收">': '<bpmn:userTask id="accept" name="验收" camunda:candidateGroups="section_chief" camunda:assignee="reviewer">',
        '<bpmn:lane id="Lane_insp" name="bureau_inspector">': '<bpmn:lane id="Lane_insp" name="">',
    })
    result = engine.deploy(bpmn, actor="owner", forms_given=read_forms(DATA / "forms"))
    assert result.created
    from engine.runtime.db import unit_of_work
    from engine.runtime.models import ProcessDefinition
    with unit_of_work(write=False) as s:
        meta = s.get(ProcessDefinition, result.process.id).meta
    assert meta["steps"]["accept"]["role"] == "section_chief"
    assert meta["steps"]["accept"]["properties"]["assignee"] == "reviewer"


def _with_groups(groups: str) -> bytes:
    return _review(**{
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"':
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        '<bpmn:userTask id="accept" name="验收">': f'<bpmn:userTask id="accept" name="验收" camunda:candidateGroups="{groups}">',
    })


def test_a_second_role_of_the_same_side_may_also_take_the_task(people):
    result = engine.deploy(_with_groups("section_chief"), actor="owner", forms_given=read_forms(DATA / "forms"))
    from engine.runtime.db import unit_of_work
    from engine.runtime.models import ProcessDefinition
    with unit_of_work(write=False) as s:
        step = s.get(ProcessDefinition, result.process.id).meta["steps"]["accept"]
    assert (step["role"], step["alt_role"]) == ("bureau_inspector", "section_chief")


@pytest.mark.parametrize("groups,says", [
    ("enterprise_principal", "same side"),                 # a bureau step cannot also go to an enterprise
    ("section_chief, expert", "at most two roles"),        # main + one alternate only
])
def test_a_second_role_on_the_other_side_or_a_third_role_is_refused(people, groups, says):
    problems = _refusal(_with_groups(groups))
    assert any(p["element_id"] == "accept" and says in p["message_en"] for p in problems), problems
    assert engine.list_processes() == []


def test_validate_bpmn_lists_problems_without_storing(people):
    problems = engine.validate_bpmn(_review(**{'name="bureau_inspector"': 'name="nobody"'}), forms_given=read_forms(DATA / "forms"))
    assert [p["element_id"] for p in problems] == ["accept"]
    assert engine.list_processes() == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "iso-8859-1", "gb18030"])
def test_bpmn_in_another_encoding_is_decoded_by_its_bom_or_declaration(people, encoding):
    declared = {"utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "utf-8-sig": "UTF-8"}.get(encoding, encoding)
    text = _review(**{'encoding="UTF-8"': f'encoding="{declared}"', "（测试）": "（café）"}).decode("utf-8")
    bpmn = text.encode(encoding, errors="xmlcharrefreplace")  # Latin-1 writes the Chinese as &#NNNNN;
    engine.deploy(bpmn, actor="owner", forms_given=read_forms(DATA / "forms"))
    assert engine.validate_bpmn(bpmn) == []
    stored = engine.get_bpmn("review", 1)
    assert 'encoding="UTF-8"' in stored and "café" in stored
    assert "整改复核（café）" in stored or encoding == "iso-8859-1"  # there the Chinese stays as &#NNNNN;


@pytest.mark.parametrize("bpmn", [
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    .encode("utf-16"),
    '<?xml version="1.0"?><!DOCTYPE d><d/>'.encode("utf-16-le"),
    '<?xml version="1.0" encoding="UTF-8"?><d/>'.encode("utf-8") + b"\xff\xfe",
    b'<?xml version="1.0" encoding="no-such-charset"?><d/>',
    b'<?xml version="1.0" encoding="rot13"?><d/>',
    b'<?xml version="1.0" encoding="UTF-16"?><d/>',
])
def test_undecodable_bpmn_or_a_dtd_in_any_encoding_is_refused_before_any_check(people, bpmn):
    with pytest.raises(engine.DefinitionInvalid) as info:
        engine.deploy(bpmn, actor="owner")
    assert info.value.status == 422 and info.value.details[0]["message_en"]
    with pytest.raises(engine.DefinitionInvalid):
        engine.validate_bpmn(bpmn)
    assert engine.list_processes() == []
