"""Backup and restore: an online SQLite copy that restores a populated database whose cases continue."""
from __future__ import annotations

import sqlite3

import pytest

import engine
from engine.operations import backup

sqlite_only = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def _open_task(view: engine.InstanceView, element: str) -> str:
    return next(t.id for t in view.open_tasks if t.element_id == element)


def _case_at_accept(people) -> engine.InstanceView:  # noqa: ANN001
    view = engine.start_instance(people["officer_a"], "review", {"case_title": "通道堵塞", "spawn": False})
    return engine.complete_task(people["officer_a"], _open_task(view, "rectify"), {"measures": "清理通道"})


@sqlite_only
def test_a_restored_database_has_the_backed_up_cases_and_they_continue(database, review, people, tmp_path):
    case = _case_at_accept(people)
    written = backup.backup(tmp_path / "copy.db")
    engine.complete_task(people["inspector_catering"], _open_task(case, "accept"), {"result": "pass"})
    later = engine.start_instance(people["officer_a"], "review", {"case_title": "备份之后", "spawn": False})

    backup.restore(written)

    restored = engine.get_instance(people["admin"], case.id)
    assert restored.status == "running" and [t.element_id for t in restored.open_tasks] == ["accept"]
    with pytest.raises(engine.NotFound):
        engine.get_instance(people["admin"], later.id)
    done = engine.complete_task(people["inspector_catering"], _open_task(restored, "accept"), {"result": "pass"})
    assert done.status == "completed"
    assert engine.verify_audit().ok
    assert list(tmp_path.glob("safeloop.db.before-restore-*"))


@sqlite_only
def test_a_backup_into_a_folder_is_a_time_stamped_self_contained_file(database, review, people, tmp_path):
    _case_at_accept(people)
    folder = tmp_path / "backups"
    folder.mkdir()
    written = backup.backup(folder)
    assert written.parent == folder and written.name.startswith("safeloop-") and written.suffix == ".db"
    conn = sqlite3.connect(written)
    assert conn.execute("SELECT count(*) FROM process_instance").fetchone()[0] == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert not list(folder.glob(".*.part"))


@sqlite_only
def test_a_backup_never_overwrites_an_existing_file(database, people, tmp_path):
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"keep me")
    with pytest.raises(engine.BadRequest):
        backup.backup(taken)
    assert taken.read_bytes() == b"keep me"


@sqlite_only
def test_restore_refuses_a_file_that_is_not_a_safeloop_backup_and_changes_nothing(database, review, people, tmp_path):
    case = _case_at_accept(people)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(engine.BadRequest, match="Not a valid Safeloop backup"):
        backup.restore(junk)
    assert engine.get_instance(people["admin"], case.id).status == "running"


@sqlite_only
def test_an_unwritable_destination_is_a_clear_storage_error_and_leaves_nothing(database, people, tmp_path):
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("x")
    with pytest.raises(engine.StorageError, match="backup"):
        backup.backup(not_a_folder / "copy.db")
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_on_postgresql_backup_and_restore_point_to_pg_dump_and_pg_restore(database, tmp_path):
    with pytest.raises(engine.BadRequest, match="pg_dump"):
        backup.backup(tmp_path)
    with pytest.raises(engine.BadRequest, match="pg_restore"):
        backup.restore(tmp_path / "x.dump")
