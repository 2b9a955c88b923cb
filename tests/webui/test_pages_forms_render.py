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


def test_unreadable_numbers_are_field_errors_and_blanks_are_left_out():
    coerced = forms_render.coerce(SCHEMA, MultiDict([("funds", "很多"), ("count", "2.5"), ("due", " ")]), "en")
    assert coerced.errors == {"funds": ["Enter a number"], "count": ["Enter a whole number"]}
    assert coerced.data == {"ok": False}


def test_engine_error_details_map_to_top_level_fields():
    details = [{"field": "funds", "message_zh": "此项为必填项", "message_en": "This field is required"},
               {"field": "photos.0", "message_zh": "至少 1 个字符", "message_en": "At least 1 characters"}]
    assert forms_render.error_map(details, "zh_CN") == {"funds": ["此项为必填项"], "photos": ["至少 1 个字符"]}
    assert forms_render.merge_errors({"funds": ["a"]}, {"funds": ["a", "b"]}) == {"funds": ["a", "b"]}
