"""Users (create, roles with scope, disable, reset password) and enterprises (add, CSV import)."""
from __future__ import annotations

import io

import pytest

import engine
from tests.webui.admin_support import app, client  # noqa: F401
from tests.webui.pages_support import ENT_A, get, log_in_as, post


def test_admin_creates_a_user_with_roles_and_scope(client, people):
    log_in_as(client, "admin")
    html = post(client, "/admin/users", {"username": "lisi", "display_name": "李四", "roles": ["bureau_inspector"],
                                         "industries": ["catering"], "password": "initial-pass-1"},
                follow_redirects=True).get_data(as_text=True)
    assert "已创建用户 lisi" in html
    actor = engine.authenticate("lisi", "initial-pass-1")
    assert actor.roles == frozenset({"bureau_inspector"}) and actor.industries == frozenset({"catering"})


def test_bad_user_input_is_explained(client, people):
    log_in_as(client, "admin")
    html = post(client, "/admin/users", {"username": "admin", "roles": ["admin"]}, follow_redirects=True).get_data(as_text=True)
    assert "用户已存在：admin" in html


def test_roles_and_scope_are_saved(client, people):
    log_in_as(client, "admin")
    post(client, "/admin/users/inspector_oil/roles", {"roles": ["bureau_inspector", "expert"], "industries": ["catering"]})
    actor = engine.get_actor("inspector_oil")
    assert actor.roles == frozenset({"bureau_inspector", "expert"}) and actor.industries == frozenset({"catering"})


def test_disabled_user_cannot_log_in_and_is_logged_out(client, people):
    log_in_as(client, "admin")
    assert "用户已停用" in post(client, "/admin/users/officer_a/disable", follow_redirects=True).get_data(as_text=True)
    with pytest.raises(engine.NotAuthenticated):
        engine.authenticate("officer_a", "password-123")
    log_in_as(client, "officer_a")
    assert get(client, "/inbox").status_code == 302
    log_in_as(client, "admin")
    post(client, "/admin/users/officer_a/enable")
    assert engine.authenticate("officer_a", "password-123").username == "officer_a"


def test_reset_password_is_shown_once_and_works(client, people):
    log_in_as(client, "admin")
    response = post(client, "/admin/users/officer_a/password")
    assert response.headers["Cache-Control"] == "no-store"
    password = response.get_data(as_text=True).split('data-new-password>')[1].split("<")[0]
    assert engine.authenticate("officer_a", password).username == "officer_a"
    assert "data-new-password" not in get(client, "/admin/users/officer_a").get_data(as_text=True)


def test_auditor_sees_users_but_cannot_change_them(client, people):
    log_in_as(client, "auditor")
    html = get(client, "/admin/users/officer_a").get_data(as_text=True)
    assert "<fieldset disabled" in html and "重置密码" not in html
    for path in ("/admin/users/officer_a/disable", "/admin/users/officer_a/password", "/admin/users/officer_a/roles"):
        assert post(client, path, {"roles": ["admin"]}).status_code == 403
    assert engine.get_actor("officer_a").roles == frozenset({"enterprise_safety_officer"})


def test_enterprise_import_lists_row_errors_and_imports_nothing(client, people):
    data = ("统一社会信用代码,企业名称,行业\n91220881MA00000013,洮南市丙餐饮店,餐饮\n"
            f"{ENT_A},重复企业,catering\n12345,,nowhere\n").encode("utf-8")
    log_in_as(client, "admin")
    response = post(client, "/admin/enterprises/import", {"file": (io.BytesIO(data), "ent.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "ent.csv 未导入" in html
    assert "<td>3</td><td><code>code</code></td>" in html and "<td>4</td><td><code>industry</code></td>" in html
    assert engine.list_enterprises().total == 2


def test_enterprise_import_of_good_rows_adds_them(client, people):
    data = "code,name,industry,township\n91220881MA00000013,洮南市丙餐饮店,catering,团结街道\n".encode("utf-8")
    log_in_as(client, "admin")
    html = post(client, "/admin/enterprises/import", {"file": (io.BytesIO(data), "ent.csv")},
                follow_redirects=True).get_data(as_text=True)
    assert "已导入 1 家企业" in html and "洮南市丙餐饮店" in html


def test_an_enterprise_gets_its_own_business_days_on_the_admin_page(client, people):
    log_in_as(client, "admin")
    html = get(client, "/admin/enterprises").get_data(as_text=True)
    assert f'<tr data-code="{ENT_A}">' in html and 'data-days="every_day"' in html  # catering: the industry's default
    assert "按行业默认：每天营业（含周末、节假日）" in html and "行业默认" in html
    post(client, f"/admin/enterprises/{ENT_A}/profile", {"business_days": "custom", "open_weekday": ["1", "2", "3", "4",
                                                                                                    "5", "6"],
                                                          "open_holidays": "true"})
    saved = {e.code: e for e in engine.list_enterprises().items}[ENT_A]
    assert saved.business_days == "days:1,2,3,4,5,6;holidays"
    html = get(client, "/admin/enterprises").get_data(as_text=True)
    assert "自定义：周一、周二、周三、周四、周五、周六（节假日营业）" in html
    # custom without a weekday is refused with a message, and nothing changes
    html = post(client, f"/admin/enterprises/{ENT_A}/profile", {"business_days": "custom"},
                follow_redirects=True).get_data(as_text=True)
    assert "营业日无效" in html
    assert {e.code: e for e in engine.list_enterprises().items}[ENT_A].business_days == "days:1,2,3,4,5,6;holidays"
    post(client, f"/admin/enterprises/{ENT_A}/profile", {"business_days": ""})  # back to the industry's
    assert {e.code: e for e in engine.list_enterprises().items}[ENT_A].business_days is None


def test_the_import_takes_business_days_in_chinese_and_refuses_a_bad_one(client, people):
    log_in_as(client, "admin")
    bad = "code,name,industry,营业日\n91220881MA00000013,洮南市丙粮食批发部,grain_storage,每周营业\n".encode("utf-8")
    response = post(client, "/admin/enterprises/import", {"file": (io.BytesIO(bad), "ent.csv")})
    assert response.status_code == 422 and "<code>business_days</code>" in response.get_data(as_text=True)
    assert engine.list_enterprises().total == 2
    good = "code,name,industry,营业日\n91220881MA00000013,洮南市丙粮食批发部,grain_storage,周一至周六\n".encode("utf-8")
    post(client, "/admin/enterprises/import", {"file": (io.BytesIO(good), "ent.csv")})
    saved = {e.code: e for e in engine.list_enterprises().items}["91220881MA00000013"]
    assert (saved.business_days, saved.business_days_effective) == ("days:1,2,3,4,5,6", "days:1,2,3,4,5,6")
