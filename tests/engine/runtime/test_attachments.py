"""Evidence files: checked, content-addressed, scoped to the case, and safe when the disk fails."""
from __future__ import annotations

import os
import stat

import pytest

import engine
from engine.runtime import attachments

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _case(people):
    return engine.start_instance(people["officer_a"], "review", {"case_title": "附件", "spawn": False})


def test_photo_is_stored_once_and_readable_by_those_who_see_the_case(review, people):
    case = _case(people)
    a = attachments.store(people["officer_a"], "../../etc/现场照片.png", "image/png", PNG, instance_id=case.id)
    b = attachments.store(people["officer_a"], "again.png", "image/png", PNG, instance_id=case.id)
    assert a.sha256 == b.sha256 and a.id != b.id and a.filename == "现场照片.png"
    view, data = attachments.get(people["inspector_catering"], a.id)
    assert data == PNG and view.content_type == "image/png"
    with pytest.raises(engine.NotFound):
        attachments.get(people["officer_b"], a.id)
    assert [x.id for x in attachments.list_for_case(people["chief"], case.id)] == [a.id, b.id]


@pytest.mark.parametrize("name,ctype,data,error", [
    ("x.exe", "application/x-msdownload", b"MZ\x90\x00", engine.BadRequest),
    ("fake.png", "image/png", b"<script>alert(1)</script>", engine.BadRequest),
    ("empty.pdf", "application/pdf", b"", engine.BadRequest),
])
def test_wrong_or_disguised_files_are_refused(review, people, name, ctype, data, error):
    with pytest.raises(error):
        attachments.store(people["officer_a"], name, ctype, data)


def test_oversized_file_is_refused(review, people):
    with pytest.raises(engine.TooLarge):
        attachments.store(people["officer_a"], "big.pdf", "application/pdf", b"%PDF-" + b"0" * (21 * 1024 * 1024))


def test_cannot_attach_to_another_enterprises_case(review, people):
    case = _case(people)
    with pytest.raises(engine.NotFound):
        attachments.store(people["officer_b"], "x.png", "image/png", PNG, instance_id=case.id)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions; covered by the monkeypatched test")
def test_read_only_data_dir_gives_a_clear_error(review, people, tmp_path):
    folder = engine.runtime.db.settings().data_dir / "attachments"
    folder.mkdir(exist_ok=True)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    with pytest.raises(engine.StorageError):
        attachments.store(people["officer_a"], "x.png", "image/png", PNG + b"1")


def test_disk_failure_leaves_no_row_and_no_audit(review, people, monkeypatch):
    case = _case(people)
    before = len(engine.instance_history(people["admin"], case.id))

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(attachments.os, "fsync", full)
    with pytest.raises(engine.StorageError) as info:
        attachments.store(people["officer_a"], "x.png", "image/png", PNG + b"2", instance_id=case.id)
    assert info.value.status == 503
    assert len(engine.instance_history(people["admin"], case.id)) == before
    assert attachments.list_for_case(people["admin"], case.id) == []
