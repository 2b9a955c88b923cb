"""Backup and restore of the embedded SQLite database.

`backup(dest)` takes an online, consistent copy with SQLite's backup API (the app may keep running;
writers wait a moment, readers never do). `restore(src)` writes a backup back over the database;
stop the web app and the workers first. PostgreSQL is backed up with its own tools:
`pg_dump -Fc` and `pg_restore` (see docs/operations.md); both functions say so instead of guessing.
"""
from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from ..runtime import db
from ..runtime.errors import BadRequest, StorageError

PG_HINT_ZH = ("PostgreSQL 请使用其自带工具备份与恢复：pg_dump -Fc -f safeloop.dump <数据库>；"
              "恢复：pg_restore --clean --if-exists -d <数据库> safeloop.dump（恢复前停止网页和定时任务进程）")
PG_HINT_EN = ("On PostgreSQL use its own tools: pg_dump -Fc -f safeloop.dump <database>; "
              "restore with pg_restore --clean --if-exists -d <database> safeloop.dump (stop the web app and workers first)")
PAGES_PER_STEP = 1024  # copy in slices so that writers are held up for milliseconds, not for the whole copy


def database_file() -> Path:
    """The SQLite file in use; raises BadRequest with pg_dump/pg_restore guidance on PostgreSQL."""
    url = make_url(db.settings().database_url)
    if url.get_backend_name() != "sqlite":
        raise BadRequest(PG_HINT_ZH, PG_HINT_EN)
    if not url.database or url.database == ":memory:":
        raise BadRequest("内存数据库无法备份", "An in-memory database cannot be backed up")
    return Path(url.database)


def backup(dest: Path) -> Path:
    """Copy the live SQLite database to `dest` (a file, or a folder for a time-stamped file); returns the file.

    Raises:
        BadRequest: the database is PostgreSQL (use pg_dump), or `dest` already exists as a file.
        StorageError: the copy could not be written (disk full, read-only, …); nothing is left behind.
    """
    source = database_file()
    dest = Path(dest)
    if dest.is_dir():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        dest = dest / f"safeloop-{stamp}.db"
    if dest.exists():
        raise BadRequest(f"备份文件已存在：{dest}", f"The backup file already exists: {dest}", {"path": str(dest)})
    draft = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        _copy(source, draft)
        _check(draft)
        os.replace(draft, dest)
    except OSError as err:
        _discard(draft)
        raise StorageError(f"备份写入失败：{err}", f"Could not write the backup: {err}", {"path": str(dest)}) from err
    except sqlite3.Error as err:
        _discard(draft)
        raise StorageError(f"备份失败：{err}", f"The backup failed: {err}", {"path": str(dest)}) from err
    return dest


def restore(src: Path) -> None:
    """Replace the database's content with the backup `src` (stop the web app and workers first).

    The current database is first kept beside it as `<name>.before-restore-<time>`.

    Raises:
        BadRequest: PostgreSQL (use pg_restore), or `src` is missing or not a Safeloop SQLite backup.
        StorageError: the database could not be written.
    """
    target = database_file()
    src = Path(src)
    if not src.is_file():
        raise BadRequest(f"备份文件不存在：{src}", f"No such backup file: {src}", {"path": str(src)})
    try:
        _check(src)
    except sqlite3.Error as err:
        raise BadRequest(f"不是有效的 Safeloop 备份：{err}", f"Not a valid Safeloop backup: {err}", {"path": str(src)}) from err
    settings = db.settings()
    db.dispose()  # our own pooled connections must not keep reading the old pages
    try:
        if target.exists():
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            _copy(target, target.with_name(f"{target.name}.before-restore-{stamp}"))
        _copy(src, target)
    except (OSError, sqlite3.Error) as err:
        raise StorageError(f"恢复失败：{err}", f"The restore failed: {err}", {"path": str(target)}) from err
    finally:
        db.configure(settings)


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # its folder is gone or unwritable: there is nothing left to clean


def _copy(source: Path, dest: Path) -> None:
    """SQLite's backup API: a consistent copy even while others write (WAL content included)."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    out = sqlite3.connect(dest, timeout=30)
    try:
        src.backup(out, pages=PAGES_PER_STEP)
        out.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
    finally:
        out.close()
        src.close()


def _check(path: Path) -> None:
    """The file is an intact SQLite database with Safeloop's schema (raises sqlite3.Error otherwise)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {result}")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "process_instance", "audit_event"} <= tables:
            raise sqlite3.DatabaseError("the file has no Safeloop schema")
    finally:
        conn.close()
