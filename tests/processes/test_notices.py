"""Notices with read receipts: notice_distribution (draft → approve / return → publish) starts one
notice_acknowledgement case per target enterprise; engine.campaign.notices.coverage counts the receipts."""
from __future__ import annotations

from collections import Counter

import pytest

import engine
from engine.campaign import notices
from engine.runtime import attachments
from tests.processes.campaign_support import CATERING, DEMO, ENTERPRISES, GRAIN, OIL, USERS, Campaign

NOTICE = {"title": "关于做好节前安全生产工作的通知", "body": "请各单位开展节前安全检查。", "target_type": "all"}


@pytest.fixture
def board(campaign: Campaign) -> Campaign:
    """All 40 demo enterprises (the campaign fixture adds six) and both notice diagrams."""
    for code, e in DEMO.items():
        if code not in ENTERPRISES:
            engine.add_enterprise(code, e["name"], e["industry"], category=e["category"], risk_grade=e["risk_grade"],
                                  township=e["township"], address=e["address"])
    campaign.deploy("notice_acknowledgement", "study_receipt", "notice_distribution")
    return campaign


def publish(board: Campaign, **data) -> engine.InstanceView:
    case = board.start("inspector", "notice_distribution", {"title": NOTICE["title"]})
    case = board.do("inspector", case.id, "draft", **{**NOTICE, **data})
    assert board.steps(case.id) == ["approve"]
    return board.do("chief", case.id, "approve", approval_decision="approved")


def test_a_notice_to_all_40_enterprises_makes_40_receipts_and_the_coverage_follows_them(board):
    case = board.start("inspector", "notice_distribution", {"title": NOTICE["title"]})
    assert board.steps(case.id) == ["draft"]
    case = board.do("inspector", case.id, "draft", **NOTICE)
    assert board.steps(case.id) == ["approve"] and not board.children(case.id)
    case = board.do("chief", case.id, "approve", approval_decision="returned", approval_opinion="请补充检查重点。")
    assert board.steps(case.id) == ["draft"] and not board.children(case.id)
    case = board.do("inspector", case.id, "draft", **{**NOTICE, "body": "请各单位开展节前安全检查，重点检查燃气。"})
    case = board.do("chief", case.id, "approve", approval_decision="approved")
    assert case.status == "completed" and case.data["target_count"] == 40

    receipts = board.children(case.id, "notice_acknowledgement")
    assert len(receipts) == 40 and {r.enterprise_code for r in receipts} == set(DEMO)
    first = receipts[0]
    assert first.data["notice_body"] == "请各单位开展节前安全检查，重点检查燃气。" and first.title == "通知：" + NOTICE["title"]
    assert board.steps(first.id) == ["confirm_read"]

    cover = notices.coverage(board.actors["inspector"], case.id)
    assert (cover.total, cover.confirmed, cover.pending, cover.overdue) == (40, 0, 40, 0)
    assert all(r.due_at is not None for r in cover.rows)

    by_code = {r.enterprise_code: r for r in receipts}
    board.do("officer", by_code[CATERING].id, "confirm_read", read_confirmed=True, ack_remark="已在公告栏张贴")
    board.do("officer_oil", by_code[OIL].id, "confirm_read", read_confirmed=True)
    cover = notices.coverage(board.actors["chief"], case.id)
    assert (cover.confirmed, cover.pending, cover.overdue) == (2, 38, 0) and cover.rate == pytest.approx(0.05)
    rows = {r.enterprise_code: r for r in cover.rows}
    assert rows[CATERING].state == "confirmed" and rows[CATERING].confirmed_by == "officer"
    assert rows[GRAIN].state == "pending" and rows[GRAIN].confirmed_at is None

    # 3 working days from Monday 2025-03-03: due Thursday; a week later the rest are overdue and escalated
    board.go_to("2025-03-10T10:00")
    cover = notices.coverage(board.actors["inspector"], case.id)
    assert (cover.confirmed, cover.pending, cover.overdue) == (2, 0, 38)
    late = [t for r in board.children(case.id, "notice_acknowledgement") for t in r.open_tasks]
    assert len(late) == 38 and all(t.overdue and t.escalation_level >= 1 for t in late)

    with pytest.raises(engine.Forbidden):
        notices.coverage(board.actors["officer"], case.id)
    with pytest.raises(engine.NotFound):
        notices.coverage(board.actors["inspector"], first.id)  # a receipt is no notice


def test_reading_must_be_confirmed(board):
    case = publish(board, target_type="enterprises", target_enterprises=[CATERING])
    [receipt] = board.children(case.id, "notice_acknowledgement")
    task = receipt.open_tasks[0]
    with pytest.raises(engine.FormInvalid):
        engine.complete_task(board.actors["officer"], task.id, {"read_confirmed": False})
    assert notices.coverage(board.actors["inspector"], case.id).pending == 1


def test_the_principal_or_the_safety_officer_may_confirm_and_both_are_reminded(board):
    case = publish(board, target_type="enterprises", target_enterprises=[CATERING, OIL])
    by_code = {r.enterprise_code: r for r in board.children(case.id, "notice_acknowledgement")}
    task = by_code[CATERING].open_tasks[0]
    assert (task.role, engine.list_tasks(board.actors["principal"], scope="candidate").total) == (
        "enterprise_safety_officer", 1)
    assert [t.id for t in engine.list_tasks(board.actors["officer"], scope="candidate").items] == [task.id]
    with pytest.raises(engine.NotFound):  # another enterprise's principal does not even see it
        engine.complete_task(board.actors["principal_oil"], task.id, {"read_confirmed": True})

    board.go_to("2025-03-06T10:00")  # the last of the 3 working days: the reminder has reached both roles
    reminded = [h.after["recipients"] for h in engine.instance_history(engine.SYSTEM, by_code[CATERING].id)
                if h.action == "task.remind"]
    assert reminded == [["officer", "principal"]]

    board.do("principal", by_code[CATERING].id, "confirm_read", read_confirmed=True)
    rows = {r.enterprise_code: r for r in notices.coverage(board.actors["inspector"], case.id).rows}
    assert rows[CATERING].state == "confirmed" and rows[CATERING].confirmed_by == "principal"
    assert engine.list_tasks(board.actors["officer"], scope="candidate").total == 0


def test_the_receipt_shows_the_notice_read_only_and_its_attachments_reach_the_recipients_only(board):
    case = board.start("inspector", "notice_distribution", {"title": NOTICE["title"]})
    photo = attachments.store(board.actors["inspector"], "判定标准.pdf", "application/pdf", b"%PDF-1.4 standard",
                              instance_id=case.id)
    case = board.do("inspector", case.id, "draft", **{**NOTICE, "target_type": "enterprises",
                                                       "target_enterprises": [CATERING], "attachments": [photo.id]})
    case = board.do("chief", case.id, "approve", approval_decision="approved")
    [receipt] = board.children(case.id, "notice_acknowledgement")
    assert receipt.data["notice_body"] == NOTICE["body"] and receipt.data["notice_attachments"] == [photo.id]

    # the recipients (officer and principal) may open the notice's file; another enterprise may not
    assert attachments.get(board.actors["principal"], photo.id)[1] == b"%PDF-1.4 standard"
    assert attachments.get(board.actors["officer"], photo.id)[0].filename == "判定标准.pdf"
    with pytest.raises(engine.NotFound):
        attachments.get(board.actors["officer_oil"], photo.id)

    # a read-only field sent with the confirmation is not written into the case
    task = receipt.open_tasks[0]
    engine.complete_task(board.actors["officer"], task.id,
                         {"read_confirmed": True, "notice_body": "改写的正文", "notice_title": "改写"})
    done = engine.get_instance(engine.SYSTEM, receipt.id)
    assert done.status == "completed" and done.data["notice_body"] == NOTICE["body"]


@pytest.mark.parametrize("target,expected", [
    ({"target_type": "industries", "target_industries": ["catering"]},
     {c for c, e in DEMO.items() if e["industry"] == "catering"}),
    ({"target_type": "risk_grades", "target_risk_grades": ["red"]},
     {c for c, e in DEMO.items() if e["risk_grade"] == "red"}),
    ({"target_type": "enterprises", "target_enterprises": [OIL, GRAIN]}, {OIL, GRAIN}),
])
def test_the_target_picks_the_enterprises(board, target, expected):
    case = publish(board, **target)
    receipts = board.children(case.id, "notice_acknowledgement")
    assert expected and {r.enterprise_code for r in receipts} == expected
    assert Counter(r.enterprise_code for r in receipts).most_common(1)[0][1] == 1  # one case per enterprise
    assert case.data["target_count"] == len(expected)


def test_a_target_without_its_list_is_refused(board):
    case = board.start("inspector", "notice_distribution", {"title": NOTICE["title"]})
    with pytest.raises(engine.FormInvalid):
        board.do("inspector", case.id, "draft", **{**NOTICE, "target_type": "industries"})
    with pytest.raises(engine.FormInvalid):
        board.do("inspector", case.id, "draft", **{**NOTICE, "target_type": "risk_grades", "target_risk_grades": []})
    assert board.steps(case.id) == ["draft"]


# ---- the coverage page ---------------------------------------------------------------------------------------

def test_the_coverage_page_and_csv_for_bureau_users_only(board, tmp_path):
    from tests.webui.pages_support import get, log_in_as, make_app

    case = publish(board, target_type="enterprises", target_enterprises=[CATERING, OIL, GRAIN])
    by_code = {r.enterprise_code: r for r in board.children(case.id, "notice_acknowledgement")}
    board.do("officer", by_code[CATERING].id, "confirm_read", read_confirmed=True)
    client = make_app(tmp_path).test_client()

    log_in_as(client, "inspector")
    html = " ".join(get(client, f"/notices/{case.id}").get_data(as_text=True).split())
    assert 'data-count="total">3<' in html and 'data-count="confirmed">1<' in html
    assert 'data-count="pending">2<' in html and 'data-count="overdue">0<' in html
    assert html.count('data-state="confirmed"') == 1 and DEMO[CATERING]["name"] in html
    response = get(client, f"/notices/{case.id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("统一社会信用代码,企业,行业,状态") and len(lines) == 4
    assert sum(1 for line in lines if ",已确认," in line) == 1 and sum(1 for line in lines if ",待确认," in line) == 2

    board.go_to("2025-03-10T10:00")
    html = " ".join(get(client, f"/notices/{case.id}?lang=en").get_data(as_text=True).split())
    assert 'data-count="overdue">2<' in html and "Overdue" in html

    log_in_as(client, "officer")
    assert get(client, f"/notices/{case.id}").status_code == 403
    assert get(client, f"/notices/{case.id}.csv").status_code == 403
    log_in_as(client, "chief")
    assert get(client, f"/notices/{by_code[OIL].id}").status_code == 404


# ---- holiday safety warnings (engine.campaign.notice_schedule) --------------------------------------------------------

def test_holiday_warnings_are_drafted_three_working_days_before_counting_a_make_up_working_day(board):
    from datetime import date

    from engine.campaign import notice_schedule

    board.go_to("2025-09-20T08:00")  # a Saturday
    national_day = notice_schedule.upcoming(date(2025, 9, 20))[0]
    # Oct 1 minus 3 working days: Sep 30 (Tue), Sep 29 (Mon), Sep 28 (Sun, 调休 make-up working day)
    assert (national_day.holiday, national_day.first_day, national_day.last_day, national_day.draft_on) == \
        ("国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8), date(2025, 9, 28))
    five = notice_schedule.upcoming(date(2025, 9, 20), lead_working_days=5)[0]
    assert five.draft_on == date(2025, 9, 25)  # Sat 27 is no working day
    assert all(w.first_day != date(2025, 10, 1) for w in notice_schedule.upcoming(date(2025, 9, 29)))  # too late

    queued = notice_schedule.queue_holiday_warnings()
    assert queued and queued[0].business_key == "holiday_warning@2025-10-01"
    assert [w.first_day for w in queued] == sorted(w.first_day for w in queued)
    assert notice_schedule.queue_holiday_warnings() == []  # idempotent

    def warnings() -> list[engine.InstanceView]:
        page = engine.list_instances(board.admin, process_key="notice_distribution", limit=50)
        return [board.case(c.id) for c in page.items]

    board.go_to("2025-09-27T18:00")  # the Saturday before: nothing yet
    assert warnings() == []
    board.go_to("2025-09-28T09:01")  # the make-up working day, 09:00
    [case] = warnings()
    assert case.business_key == "holiday_warning@2025-10-01" and board.steps(case.id) == ["draft"]
    assert case.data["title"] == "关于做好2025年国庆节、中秋节期间安全防范工作的通知"
    assert case.data["target_type"] == "all" and "2025-10-08" in case.data["body"]

    # the bureau reviews the prefilled draft and publishes it as any notice
    case = board.do("inspector", case.id, "draft", title=case.data["title"], body=case.data["body"], target_type="all")
    case = board.do("chief", case.id, "approve", approval_decision="approved")
    assert len(board.children(case.id, "notice_acknowledgement")) == 40

    board.go_to("2025-10-02T09:00")
    assert len(warnings()) == 1  # the next holiday's warning waits for its own day


# ---- cadre study records (item 21): a notice of kind `study`, one receipt per bureau person -------------------
STUDY = {"title": "学习习近平总书记关于安全生产的重要论述", "body": "请认真学习并结合工作谈体会。", "notice_kind": "study",
         "study_type": "theory_study", "target_roles": ["bureau_inspector", "section_chief"]}


def test_study_material_goes_to_bureau_staff_and_each_person_confirms(board):
    from engine.runtime import user_admin
    engine.add_user("inspector_gone", roles=["bureau_inspector"])
    user_admin.set_user_active(board.admin, "inspector_gone", False)  # left the bureau: not a reader
    case = board.start("inspector", "notice_distribution", {"title": STUDY["title"]})
    case = board.do("inspector", case.id, "draft", **STUDY)
    case = board.do("chief", case.id, "approve", approval_decision="approved")
    assert case.status == "completed" and case.title == "学习：" + STUDY["title"] and case.data["notice_kind"] == "study"
    receipts = board.children(case.id, "study_receipt")
    readers = {r.data["reader"] for r in receipts}
    expected = {"inspector", "chief"}  # inspector_oil etc. of the campaign: see USERS
    expected |= {u for u, spec in USERS.items() if set(spec["roles"]) & {"bureau_inspector", "section_chief"}
                 and not spec.get("enterprise")}
    assert readers == expected and case.data["target_count"] == len(expected)
    assert not board.children(case.id, "notice_acknowledgement")  # no enterprise gets study material
    assert all(r.enterprise_code is None and r.title == "学习：" + STUDY["title"] for r in receipts)

    # each task is the person's own: the other reader cannot take it; the enterprise never sees it
    by_reader = {r.data["reader"]: r for r in receipts}
    task = by_reader["chief"].open_tasks[0]
    assert (task.element_id, task.assignee) == ("confirm_study", "chief")
    with pytest.raises((engine.Forbidden, engine.NotFound)):
        engine.complete_task(board.actors["inspector"], task.id, {"study_confirmed": True})
    with pytest.raises(engine.FormInvalid):
        engine.complete_task(board.actors["chief"], task.id, {"study_confirmed": False})
    assert engine.list_tasks(board.actors["officer"], scope="mine").total == 0
    board.do("chief", by_reader["chief"].id, "confirm_study", study_confirmed=True, study_notes="结合岗位抓落实。")

    cover = notices.coverage(board.actors["inspector"], case.id)
    assert cover.kind == "study" and (cover.total, cover.confirmed) == (len(expected), 1)
    rows = {r.reader: r for r in cover.rows}
    assert rows["chief"].state == "confirmed" and rows["chief"].confirmed_by == "chief"
    assert rows["inspector"].state == "pending" and rows["inspector"].enterprise_code is None
    # five working days from Monday 2025-03-03: due Monday the 10th; on the 12th the rest are overdue
    board.go_to("2025-03-12T10:00")
    cover = notices.coverage(board.actors["inspector"], case.id)
    assert (cover.confirmed, cover.overdue) == (1, len(expected) - 1)

    from engine.campaign import registers
    found = registers.rows(board.admin, "notices", registers.Filters(), limit=50)
    study_rows = [r for r in found.items if r.process_key == "study_receipt"]
    assert {r.fields["reader_name"] for r in study_rows} >= {"chief", "inspector"}
    assert {r.fields["notice_kind"] for r in study_rows} == {"study"}
    assert registers.counts(board.actors["officer"], "notices").due == 0  # an enterprise sees no study record


def test_study_material_needs_its_roles_and_the_old_kind_still_goes_to_enterprises(board):
    case = board.start("inspector", "notice_distribution", {"title": STUDY["title"]})
    with pytest.raises(engine.FormInvalid):
        board.do("inspector", case.id, "draft", **{k: v for k, v in STUDY.items() if k != "target_roles"})
    with pytest.raises(engine.FormInvalid):
        board.do("inspector", case.id, "draft", **{**STUDY, "target_roles": ["enterprise_principal"]})
    notice = publish(board, target_type="enterprises", target_enterprises=[CATERING])  # no kind: a notice
    [receipt] = board.children(notice.id, "notice_acknowledgement")
    assert receipt.data["notice_kind"] == "notice" and notices.coverage(board.admin, notice.id).kind == "notice"


def test_the_receipts_page_and_csv_of_study_material_list_people(board, tmp_path):
    from tests.webui.pages_support import get, log_in_as, make_app

    case = board.start("inspector", "notice_distribution", {"title": STUDY["title"]})
    board.do("inspector", case.id, "draft", **{**STUDY, "study_type": "party_group_agenda",
                                               "target_roles": ["section_chief"]})
    case = board.do("chief", case.id, "approve", approval_decision="approved")
    [receipt] = board.children(case.id, "study_receipt")
    board.do("chief", receipt.id, "confirm_study", study_confirmed=True)
    client = make_app(tmp_path).test_client()
    log_in_as(client, "inspector")
    html = " ".join(get(client, f"/notices/{case.id}").get_data(as_text=True).split())
    assert 'data-kind="study"' in html and "应学习人数" in html and "<th scope=\"col\">人员</th>" in html
    assert 'data-count="total">1<' in html and 'data-count="confirmed">1<' in html
    lines = get(client, f"/notices/{case.id}.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("用户名,人员,") and lines[1].startswith("chief,chief,") and ",已确认," in lines[1]
    log_in_as(client, "officer")
    assert get(client, f"/notices/{case.id}").status_code == 403
