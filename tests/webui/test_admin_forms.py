"""Forms: list, JSON Schema editor with validation, live preview (htmx), save as a new version."""
from __future__ import annotations

import json

import engine
from tests.webui.admin_support import app, client  # noqa: F401
from tests.webui.pages_support import get, log_in_as, post


def test_forms_list_links_to_each_form(client, people, review):
    log_in_as(client, "owner")
    html = get(client, "/admin/forms").get_data(as_text=True)
    assert 'href="/admin/forms/review_accept"' in html and "v1" in html


def test_preview_renders_the_fields_or_the_problem(client, people, review):
    log_in_as(client, "owner")
    schema = {"type": "object", "properties": {"opinion": {"type": "string", "title": "验收意见"}}, "required": ["opinion"]}
    html = post(client, "/admin/forms/review_accept/preview", {"schema": json.dumps(schema)}).get_data(as_text=True)
    assert "data-schema-ok" in html and "验收意见" in html and 'name="opinion"' in html and "<html" not in html
    html = post(client, "/admin/forms/review_accept/preview", {"schema": '{"type": "object",'}).get_data(as_text=True)
    assert "JSON 语法错误" in html
    html = post(client, "/admin/forms/review_accept/preview", {"schema": '{"type": "array"}'}).get_data(as_text=True)
    assert "顶层类型必须是 object" in html


def test_saving_a_changed_schema_makes_a_new_version(client, people, review):
    log_in_as(client, "owner")
    schema = dict(engine.get_form("review_accept").schema, title="验收（新）")
    html = post(client, "/admin/forms/review_accept", {"schema": json.dumps(schema, ensure_ascii=False)},
                follow_redirects=True).get_data(as_text=True)
    assert "已保存为第 2 版" in html and engine.get_form("review_accept").version == 2
    assert post(client, "/admin/forms/review_accept", {"schema": "{"}).status_code == 422


def test_a_new_form_starts_from_a_template_and_auditors_only_read(client, people, review):
    log_in_as(client, "owner")
    assert "新建表单" in get(client, "/admin/forms/site_visit").get_data(as_text=True)
    log_in_as(client, "auditor")
    assert "readonly" in get(client, "/admin/forms/review_accept").get_data(as_text=True)
    assert post(client, "/admin/forms/review_accept", {"schema": "{}"}).status_code == 403
