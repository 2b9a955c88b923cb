"""Public reports: filed with photos and a one-time secret; their stage and public replies for the secret's holder."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import engine
from engine.campaign import bootstrap, public_reports
from engine.campaign.campaign_models import ReportReceipt
from engine.runtime import attachments, db

ROOT = Path(__file__).parents[3]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REPORT = {"enterprise_name": "某某饭店", "enterprise_address": "洮南市光明街 1 号", "description": "安全出口被杂物堵塞。",
          "anonymous": True}
SCREENED = {"screening_result": "unfounded", "screening_opinion": "现场核查，出口畅通。", "verified_on": "2025-03-04"}


@pytest.fixture
def intake(people: dict[str, engine.Actor]) -> engine.ProcessVersion:
    forms = bootstrap.read_forms(ROOT / "forms")
    for key in ("whistleblower_intake", "hazard_closure"):
        result = engine.deploy((ROOT / "processes" / f"{key}.bpmn").read_bytes(), actor="owner", forms_given=forms)
    return result.process


def photo(name: str = "exit.png", data: bytes = PNG, content_type: str = "image/png") -> attachments.Upload:
    return attachments.Upload("photos", name, content_type, data)


def open_task(actor: engine.Actor, case_id: int, element: str) -> str:
    [task] = [t for t in engine.get_instance(actor, case_id).open_tasks if t.element_id == element]
    return task.id


def test_a_report_starts_its_case_with_the_photos_attached(people, intake):
    filed = engine.file_report("whistleblower_intake", REPORT, [photo("a.png"), photo("b.png", PNG + b"b")])
    handler = people["handler"]
    case = engine.get_instance(handler, filed.instance_id)
    assert case.business_key == filed.reference and filed.reference.startswith("JB-")
    files = attachments.list_for_case(handler, case.id)
    assert sorted(f.filename for f in files) == ["a.png", "b.png"]
    assert sorted(case.data["photos"]) == sorted(f.id for f in files)
    assert all(f.uploaded_by == "system" and f.instance_id == case.id for f in files)


def test_only_a_hash_of_the_secret_is_kept(people, intake):
    filed = engine.file_report("whistleblower_intake", REPORT)
    assert len(filed.secret) == 19 and filed.secret.count("-") == 3
    with db.unit_of_work(write=False) as s:
        [row] = s.scalars(select(ReportReceipt)).all()
        assert row.reference == filed.reference and filed.secret not in row.secret_hash
        assert len(row.secret_hash) == 64


@pytest.mark.parametrize(("upload", "message"), [
    (photo("virus.exe", b"MZ\x90\x00", "application/x-msdownload"), "只接受"),
    (photo("fake.png", b"GIF89a" + b"\x00" * 10), "不符"),
])
def test_a_refused_photo_stores_nothing_and_names_the_file(people, intake, upload, message):
    with pytest.raises(engine.FormInvalid) as err:
        engine.file_report("whistleblower_intake", REPORT, [upload])
    [problem] = err.value.details
    assert problem["field"] == "photos" and upload.filename in problem["message_zh"] and message in problem["message_zh"]
    assert engine.list_instances(people["admin"], process_key="whistleblower_intake").total == 0


def test_more_photos_than_the_form_allows_are_refused(people, intake):
    with pytest.raises(engine.FormInvalid) as err:
        engine.file_report("whistleblower_intake", REPORT, [photo(f"{i}.png", PNG + bytes([i])) for i in range(11)])
    assert any("最多上传 10 个文件" in p["message_zh"] for p in err.value.details)


def test_an_oversized_photo_is_refused(people, intake):
    with pytest.raises(engine.FormInvalid) as err:
        engine.file_report("whistleblower_intake", REPORT, [photo("big.png", PNG + b"\x00" * (21 * 1024 * 1024))])
    assert "文件过大" in err.value.details[0]["message_zh"]


def test_the_public_cannot_name_stored_files(people, intake):
    filed = engine.file_report("whistleblower_intake", {**REPORT, "photos": ["someone-elses-file"]})
    assert "photos" not in engine.get_instance(people["handler"], filed.instance_id).data


def test_a_process_without_a_public_start_form_takes_no_public_reports(people, intake):
    with pytest.raises(engine.Forbidden):
        engine.file_report("hazard_closure", {"case_title": "x"})


def test_the_status_follows_the_case_from_received_to_closed(people, intake):
    filed = engine.file_report("whistleblower_intake", REPORT)
    status = engine.report_status(filed.reference, filed.secret)
    assert status.stage is engine.ReportStage.RECEIVED and status.replies == ()
    handler = people["handler"]
    task_id = open_task(handler, filed.instance_id, "screen_report")
    engine.claim(handler, task_id)
    assert engine.report_status(filed.reference, filed.secret).stage is engine.ReportStage.CHECKING
    engine.complete_task(handler, task_id, {**SCREENED, "public_reply": "经现场核查，安全出口畅通，未发现举报问题。"})
    status = engine.report_status(filed.reference.lower(), filed.secret.replace("-", " ").lower())
    assert status.stage is engine.ReportStage.CLOSED  # anonymous and unfounded: the case ends
    assert [r.text for r in status.replies] == ["经现场核查，安全出口畅通，未发现举报问题。"]


def test_only_fields_marked_public_reach_the_reporter(people, intake):
    filed = engine.file_report("whistleblower_intake", REPORT)
    handler = people["handler"]
    task_id = open_task(handler, filed.instance_id, "screen_report")
    engine.claim(handler, task_id)
    engine.complete_task(handler, task_id, SCREENED)
    status = engine.report_status(filed.reference, filed.secret)
    assert status.replies == () and "出口畅通" not in repr(status)


@pytest.mark.parametrize("wrong", ["reference", "secret", "both"])
def test_a_wrong_reference_or_secret_fails_alike(people, intake, wrong):
    filed = engine.file_report("whistleblower_intake", REPORT)
    other = engine.file_report("whistleblower_intake", REPORT)
    reference = "JB-00000000" if wrong in ("reference", "both") else filed.reference
    secret = other.secret if wrong in ("secret", "both") else filed.secret
    with pytest.raises(engine.NotFound) as err:
        engine.report_status(reference, secret)
    assert err.value.message_zh == "举报编号或查询码不正确" and err.value.details is None


def test_secrets_are_random_and_readable(people, intake):
    secrets = {public_reports._new_secret() for _ in range(200)}
    assert len(secrets) == 200
    assert all(set(s.replace("-", "")) <= set(public_reports.SECRET_ALPHABET) for s in secrets)
