"""The campaign dashboard page and its JSON series."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webui.pages_support import deploy_hazard_stand_in, get, log_in_as, make_app, start_review


def test_the_dashboard_shows_the_campaign_figures_as_text_and_json(client, people, review):
    deploy_hazard_stand_in()
    start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline="2025-03-01")
    start_review(people["officer_b"], "hazard_closure", hazard_level="major", deadline="2025-05-01")
    log_in_as(client, "chief")
    html = get(client, "/dashboard").get_data(as_text=True)
    assert 'data-kpi="open-major">2<' in html and "逾期 1 项" in html
    assert 'data-url="/dashboard/data.json"' in html and "chart.umd.min.js" in html
    data = get(client, "/dashboard/data.json").get_json()
    assert data["new_major"] == {"labels": ["2025"], "values": [2], "label": "新增重大隐患"}
    assert data["overdue"]["labels"] == ["餐饮"] and data["overdue"]["values"] == [1]
    assert data["open_major"]["values"] == [1, 1, 0]


def test_an_enterprise_user_sees_its_own_figures_only(client, people, review):
    deploy_hazard_stand_in()
    start_review(people["officer_a"], "hazard_closure", hazard_level="major")
    start_review(people["officer_b"], "hazard_closure", hazard_level="major")
    log_in_as(client, "officer_a")
    assert get(client, "/dashboard/data.json").get_json()["new_major"]["values"] == [1]
