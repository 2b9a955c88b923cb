"""JSON Schema → fields, and posted strings → typed data (webui.forms_render)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from webui import forms_render

SCHEMA = {
    "type": "object",
    "required": ["level", "funds"],
    "properties": {
        "level": {"title": "等级", "x-title-en": "Level", "type": "string", "enum": ["general", "major"],
                  "x-enum-titles": ["一般", "重大"], "x-enum-titles-en": ["General", "Major"]},
        "funds": {"title": "资金", "type": "number", "description": "元", "x-description-en": "yuan"},
        "count": {"title": "人数", "type": "integer"},
        "due": {"title": "期限", "type": "string", "format": "date"},
        "measures": {"title": "措施", "type": "string", "x-ui": {"widget": "textarea"}},
        "ok": {"title": "同意", "type": "boolean"},
        "photos": {"title": "照片", "type": "array", "items": {"type": "string"}, "x-ui": {"widget": "file"}},
        "tags": {"title": "标签", "type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
        "secret": {"type": "string", "x-ui": {"hidden": True}},
    },
}


def test_fields_follow_the_schema_in_either_language():
    fields = {f.name: f for f in forms_render.fields(SCHEMA, {"level": "major"}, {"funds": ["必填"]})}
    assert [fields[n].kind for n in ("level", "funds", "count", "due", "measures", "ok", "photos", "tags")] == \
        ["select", "number", "integer", "date", "textarea", "checkbox", "file", "multiselect"]
    assert fields["level"].options == (("general", "一般"), ("major", "重大")) and fields["level"].selected == {"major"}
    assert fields["level"].required and not fields["due"].required and fields["funds"].errors == ("必填",)
    assert "secret" not in fields
    english = {f.name: f for f in forms_render.fields(SCHEMA, locale="en")}
    assert english["level"].label == "Level" and english["level"].options[1] == ("major", "Major")
    assert english["funds"].help == "yuan" and english["count"].label == "人数"  # no English title: the Chinese one
    assert "photos" not in {f.name for f in forms_render.fields(SCHEMA, skip_files=True)}


def test_posted_strings_become_schema_types():
    form = MultiDict([("level", "major"), ("funds", "1200.5"), ("count", "3"), ("due", "2025-03-10"),
                      ("measures", "  更换  "), ("ok", "true"), ("photos", "a1"), ("photos", " "), ("photos", "b2"),
                      ("tags", "a"), ("tags", "b"), ("secret", "x")])
    coerced = forms_render.coerce(SCHEMA, form)
    assert coerced.errors == {}
    assert coerced.data == {"level": "major", "funds": 1200.5, "count": 3, "due": "2025-03-10", "measures": "更换",
                            "ok": True, "photos": ["a1", "b2"], "tags": ["a", "b"]}
    assert forms_render.coerce(SCHEMA, MultiDict([("funds", "12000")])).data == {"funds": 12000, "ok": False}


def test_read_only_properties_are_shown_from_the_data_and_never_read_back():
    schema = {"type": "object", "properties": {
        "notice_body": {"title": "通知正文", "type": "string", "readOnly": True},
        "notice_files": {"title": "通知附件", "type": "array", "items": {"type": "string"}, "readOnly": True,
                         "x-ui": {"widget": "file"}},
        "remark": {"title": "备注", "type": "string"}}}
    fields = {f.name: f for f in forms_render.fields(schema, {"notice_body": "请自查。", "notice_files": ["a1"]})}
    assert (fields["notice_body"].kind, fields["notice_body"].text) == ("readonly", "请自查。")
    assert (fields["notice_files"].kind, fields["notice_files"].values) == ("readonly_files", ["a1"])
    posted = forms_render.coerce(schema, MultiDict([("notice_body", "改写"), ("notice_files", "x"), ("remark", "好")]))
    assert posted.data == {"remark": "好"} and not posted.errors


def test_unreadable_numbers_are_field_errors_and_blanks_are_left_out():
    coerced = forms_render.coerce(SCHEMA, MultiDict([("funds", "很多"), ("count", "2.5"), ("due", " ")]), "en")
    assert coerced.errors == {"funds": ["Enter a number"], "count": ["Enter a whole number"]}
    assert coerced.data == {"ok": False}


def test_engine_error_details_map_to_top_level_fields():
    details = [{"field": "funds", "message_zh": "此项为必填项", "message_en": "This field is required"},
               {"field": "photos.0", "message_zh": "至少 1 个字符", "message_en": "At least 1 characters"}]
    assert forms_render.error_map(details, "zh_CN") == {"funds": ["此项为必填项"], "photos": ["至少 1 个字符"]}
    assert forms_render.merge_errors({"funds": ["a"]}, {"funds": ["a", "b"]}) == {"funds": ["a", "b"]}


# ---- repeatable groups (arrays of objects) -------------------------------------------------------------------

import json  # noqa: E402

import pytest  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

import engine  # noqa: E402
from tests.webui.pages_support import ENT_A, ROOT, get, log_in_as, post  # noqa: E402

BATCHES = {
    "type": "object",
    "required": ["batches"],
    "properties": {
        "year": {"title": "年度", "type": "integer"},
        "batches": {
            "title": "培训批次", "x-title-en": "Batches", "type": "array", "maxItems": 10,
            "items": {
                "title": "批次", "x-title-en": "Batch", "type": "object", "additionalProperties": False,
                "required": ["name", "delivery"],
                "properties": {
                    "name": {"title": "名称", "type": "string", "minLength": 1, "maxLength": 20},
                    "session_date": {"title": "日期", "type": "string", "format": "date"},
                    "delivery": {"title": "方式", "type": "string", "enum": ["onsite", "online"],
                                 "x-enum-titles": ["现场", "线上"]},
                    "capacity": {"title": "人数", "type": "integer", "minimum": 1},
                    "certified": {"title": "发证", "type": "boolean"},
                    "photos": {"title": "照片", "type": "array", "items": {"type": "string"},
                               "x-ui": {"widget": "file"}},
                    "internal": {"type": "string", "x-ui": {"hidden": True}},
                },
            },
        },
    },
}


def test_a_group_renders_its_rows_and_one_blank_row_with_row_names_and_row_errors():
    rows = [{"name": "第一批", "capacity": 40, "delivery": "onsite", "photos": ["att1"]}]
    errors = {"batches.0.name": ["太长"], "batches": ["最多 10 项"], "batches.7.name": ["此项为必填项"]}
    group = {f.name: f for f in forms_render.fields(BATCHES, {"batches": rows}, errors)}["batches"]
    assert group.kind == "group" and group.required and group.row_label == "批次" and group.add_label == "添加一行"
    assert len(group.rows) == 2  # the row plus one blank
    first = {c.name: c for c in group.rows[0]}
    assert list(first) == [f"batches-0-{n}" for n in ("name", "session_date", "delivery", "capacity", "certified",
                                                       "photos")]
    assert first["batches-0-capacity"].text == "40" and first["batches-0-delivery"].selected == {"onsite"}
    assert first["batches-0-name"].errors == ("太长",) and first["batches-0-name"].required
    assert first["batches-0-photos"].kind == "file" and not first["batches-0-photos"].uploads
    assert all(c.value is None for c in group.rows[1])
    assert group.errors == ("最多 10 项", "此项为必填项")  # a path no rendered cell shows stays on the group
    more = {f.name: f for f in forms_render.fields(BATCHES, {}, locale="en", blank_rows={"batches": 3})}["batches"]
    assert len(more.rows) == 3 and more.row_label == "Batch" and more.add_label == "Add a row"


def test_posted_rows_are_typed_blank_rows_dropped_and_renumbered():
    form = MultiDict([("year", "2026"),
                      ("batches-0-name", " "), ("batches-0-delivery", ""), ("batches-0-capacity", ""),
                      ("batches-1-name", "一批"), ("batches-1-delivery", "online"), ("batches-1-capacity", "30"),
                      ("batches-1-certified", "true"), ("batches-1-session_date", "2026-03-02"),
                      ("batches-10-name", "二批"), ("batches-10-capacity", "很多"), ("batches-10-photos", "att9"),
                      ("batches-2-certified", "true"), ("batches-2-internal", "x")])
    coerced = forms_render.coerce(BATCHES, form)
    assert coerced.data == {"year": 2026, "batches": [
        {"name": "一批", "delivery": "online", "capacity": 30, "certified": True, "session_date": "2026-03-02"},
        {"certified": True},
        {"name": "二批", "capacity": "很多", "certified": False, "photos": ["att9"]}]}
    assert coerced.errors == {"batches.2.capacity": ["请输入整数"]}  # the renumbered row's path
    assert coerced.blank_rows == {"batches": 1}
    only_blank = forms_render.coerce(BATCHES, MultiDict([("batches-0-name", ""), ("batches-0-certified", "")]))
    assert only_blank.data == {"batches": []} and only_blank.blank_rows == {"batches": 1}
    assert "batches" not in forms_render.coerce(BATCHES, MultiDict([("year", "1")])).data  # not on the form at all


def test_engine_paths_inside_rows_keep_the_row():
    details = [{"field": "hazards.0.description", "message_zh": "此项为必填项", "message_en": "This field is required"},
               {"field": "hazards.1.photos.0", "message_zh": "至少 1 个字符", "message_en": "At least 1 characters"},
               {"field": "hazards", "message_zh": "最多 50 项", "message_en": "At most 50 items"},
               {"field": "hazards.0", "message_zh": "表单中没有这个字段", "message_en": "Not part"}]
    assert forms_render.error_map(details, "en") == {"hazards.0.description": ["This field is required"],
                                                      "hazards.1.photos": ["At least 1 characters"],
                                                      "hazards": ["At most 50 items", "Not part"]}


@pytest.mark.parametrize("key,group", [("inspection_record", "hazards"), ("principal_check_report", "findings"),
                                       ("self_check_record", "findings"), ("training_plan", "batches")])
def test_the_shipped_forms_with_groups_round_trip(key, group):
    schema = json.loads((ROOT / "forms" / f"{key}.json").read_text(encoding="utf-8"))
    field = {f.name: f for f in forms_render.fields(schema)}[group]
    assert field.kind == "group" and len(field.rows) == 1
    item = schema["properties"][group]["items"]
    required = [n for n in item["required"]]
    form = MultiDict()
    for cell in field.rows[0]:
        sub = cell.name.split("-", 2)[2]
        spec = item["properties"][sub]
        if sub in required:
            form.add(cell.name, spec["enum"][0] if "enum" in spec else "2026-03-02" if spec.get("format") == "date"
                     else "x")
    row = forms_render.coerce(schema, form).data[group][0]
    assert set(row) >= set(required)
    assert not list(Draft202012Validator(item).iter_errors(row))


# ---- the task page -----------------------------------------------------------------------------------------

GROUP_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Defs_grouprec" targetNamespace="http://safeloop.test/grouprec">
  <bpmn:process id="grouprec" name="批次登记（测试）" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_ent" name="企业安全管理人员">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>fill</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="fill" name="登记批次">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="group_batches"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def group_task(people) -> engine.TaskView:
    """A case at a step whose form has a repeatable group, claimed by officer_a."""
    schema = {**BATCHES, "title": "批次登记"}
    engine.deploy(GROUP_BPMN.encode("utf-8"), actor="owner", forms_given={"group_batches": schema})
    case = engine.start_instance(people["officer_a"], "grouprec", {"enterprise_code": ENT_A})
    return engine.claim(people["officer_a"], case.open_tasks[0].id)


def test_the_task_page_shows_rows_as_fieldsets_with_an_add_row_button(client, group_task):
    log_in_as(client, "officer_a")
    html = get(client, f"/tasks/{group_task.id}").get_data(as_text=True)
    assert '<fieldset class="field field--group"' in html and "<legend>批次 1</legend>" in html
    assert 'name="batches-0-name"' in html and 'name="batches-0-delivery"' in html
    assert 'name="batches-1-name"' not in html
    assert '<button class="btn" type="submit" name="_add_row" value="batches" formnovalidate>添加一行</button>' in html
    assert 'name="batches-0-photos__upload"' not in html  # files in rows are not uploaded here


def test_add_a_row_re_renders_with_one_more_blank_row_and_keeps_what_was_typed(client, people, group_task):
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{group_task.id}", {"batches-0-name": "第一批", "batches-0-capacity": "40",
                                                         "batches-0-delivery": "onsite", "year": "2026",
                                                         "_add_row": "batches", "action": "complete"})
    assert response.status_code == 200
    html = " ".join(response.get_data(as_text=True).split())
    assert 'value="第一批" id="f-batches-0-name" name="batches-0-name"' in html
    assert 'name="batches-1-name"' in html and 'name="batches-2-name"' not in html
    assert 'value="40" id="f-batches-0-capacity"' in html and 'value="2026" id="f-year"' in html
    assert '<option value="onsite" selected>' in html
    # a blank row already there is kept: adding again gives two blank rows after the typed one
    again = post(client, f"/tasks/{group_task.id}", {"batches-0-name": "第一批", "batches-0-delivery": "onsite",
                                                      "batches-1-name": "", "_add_row": "batches"})
    assert 'name="batches-2-name"' in again.get_data(as_text=True)
    assert engine.get_task(people["officer_a"], group_task.id).status == "open"  # nothing was completed


def test_row_errors_show_on_the_row_and_typed_text_stays(client, people, group_task):
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{group_task.id}", {
        "action": "complete", "batches-0-name": "", "batches-0-capacity": "",
        "batches-1-name": "第二批", "batches-1-capacity": "很多", "batches-1-delivery": "online",
        "batches-2-capacity": "3"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # the blank row is gone, so the second posted row is row 0 now
    assert 'id="f-batches-0-capacity-error">请输入整数<' in html and 'value="很多"' in html
    response = post(client, f"/tasks/{group_task.id}", {
        "action": "complete", "batches-0-name": "第一批", "batches-0-delivery": "onsite",
        "batches-1-capacity": "3"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-batches-1-name-error">此项为必填项<' in html and 'id="f-batches-1-delivery-error">此项为必填项<' in html
    assert 'id="f-batches-0-name-error"' not in html
    assert engine.get_task(people["officer_a"], group_task.id).status == "open"


def test_completing_a_group_stores_typed_rows(client, people, group_task):
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{group_task.id}", {
        "action": "complete", "year": "2026",
        "batches-0-name": "第一批", "batches-0-delivery": "onsite", "batches-0-capacity": "40",
        "batches-0-session_date": "2026-03-02", "batches-0-certified": "true",
        "batches-1-name": "", "batches-1-delivery": "", "batches-1-capacity": "",
        "batches-2-name": "第二批", "batches-2-delivery": "online"})
    assert response.status_code == 302
    case = engine.get_instance(people["officer_a"], group_task.instance_id)
    assert case.data["batches"] == [
        {"name": "第一批", "delivery": "onsite", "capacity": 40, "session_date": "2026-03-02", "certified": True},
        {"name": "第二批", "delivery": "online", "certified": False}]
    assert case.data["year"] == 2026 and case.status == "completed"


def test_a_group_left_blank_submits_an_empty_list(client, people, group_task):
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{group_task.id}", {"action": "complete", "batches-0-name": "",
                                                         "batches-0-delivery": ""})
    assert response.status_code == 302
    assert engine.get_instance(people["officer_a"], group_task.instance_id).data["batches"] == []
