"""Evidence files: size- and type-checked, stored content-addressed under the data dir, linked to a case.

A file is part of the transaction that records it: the bytes are written aside (temp file, fsync) before the
row is committed, moved into place after the commit, and deleted when the transaction rolls back (`staging`).
So a full or read-only disk raises StorageError and nothing is recorded, and a refused or conflicting step
leaves neither a row nor a file. Identical content is stored once.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access, audit, clock, db, instances
from .db import unit_of_work
from .errors import BadRequest, StorageError, TooLarge, not_found
from .models import Attachment, ProcessInstance
from .views import Actor

# content type -> magic prefixes; the declared type must match what the bytes are
ALLOWED: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff ]+")
log = logging.getLogger("safeloop.attachments")


@dataclass(frozen=True)
class Upload:
    """A file sent with a form, for its file field `field` (the bytes as received)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class AttachmentView:
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    instance_id: int | None
    task_id: str | None


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(row.id, row.filename, row.content_type, row.size, row.sha256, row.uploaded_by,
                          row.uploaded_at, row.instance_id, row.task_id)


def safe_filename(name: str) -> str:
    """The last path component, without traversal or control characters (never empty)."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    cleaned = _UNSAFE.sub("_", base)[:200]
    return cleaned or "file"


def _check(data: bytes, content_type: str) -> None:
    limit = db.settings().max_upload_bytes
    if len(data) > limit:
        raise TooLarge(f"文件过大（上限 {limit // (1024 * 1024)} MB）", f"File too large (limit {limit // (1024 * 1024)} MB)")
    if not data:
        raise BadRequest("文件为空", "The file is empty")
    magics = ALLOWED.get(content_type)
    if magics is None:
        raise BadRequest("只接受 JPEG、PNG、GIF、WebP 图片和 PDF 文件", "Only JPEG, PNG, GIF, WebP images and PDF files are accepted",
                         {"allowed": sorted(ALLOWED)})
    if not data.startswith(magics):
        raise BadRequest("文件内容与类型不符", "The file's content does not match its type")


def _blob_path(sha: str) -> Path:
    return db.settings().data_dir / "attachments" / sha[:2] / sha[2:4] / sha


class Staging:
    """Blobs written aside during one transaction: moved into place after it commits, deleted if it does not."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def write(self, sha: str, data: bytes) -> None:
        """Write the bytes beside their final path (fsync'd): StorageError when the disk cannot take them."""
        final = _blob_path(sha)
        if final.exists() or any(f == final for _, f in self._pending):
            return
        tmp = final.with_name(f"{sha}.{uuid.uuid4().hex}.tmp")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise StorageError("附件存储不可用（磁盘已满或只读），事项未改变", "Attachment storage is unavailable "
                               "(disk full or read-only); the case is unchanged", {"errno": err.errno}) from err
        self._pending.append((tmp, final))

    def publish(self) -> None:
        """After the commit: move every blob into place (a failure is logged; `get` finishes the move later)."""
        for tmp, final in self._pending:
            try:
                os.replace(tmp, final)
            except OSError:
                if not final.exists():
                    log.exception("attachment blob %s committed but not moved into place", final.name)
        self._pending.clear()

    def discard(self) -> None:
        """After a rollback: delete what was written aside."""
        for tmp, _final in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()


@contextmanager
def staging() -> Iterator[Staging]:
    """Around a unit of work (`with staging() as staged, unit_of_work() as s:`): blobs follow its outcome."""
    staged = Staging()
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
    staged.publish()


def _read_blob(sha: str) -> bytes:
    path = _blob_path(sha)
    if not path.exists():  # committed, but the process stopped before moving the blob into place
        for tmp in path.parent.glob(f"{sha}.*.tmp"):
            if hashlib.sha256(tmp.read_bytes()).hexdigest() == sha:
                os.replace(tmp, path)
                break
    return path.read_bytes()


def check(upload: Upload) -> None:
    """Raise TooLarge or BadRequest unless the file may be stored (size, type, content matching the type)."""
    _check(upload.data, upload.content_type)


def add(s: Session, staged: Staging, actor: Actor, upload: Upload, *, instance_id: int | None, task_id: str | None,
        attachment_id: str | None = None) -> AttachmentView:
    """Record a checked file inside an open transaction: row and audit in `s`, bytes in `staged`."""
    sha = hashlib.sha256(upload.data).hexdigest()
    staged.write(sha, upload.data)
    row = Attachment(id=attachment_id or str(uuid.uuid4()), sha256=sha, filename=safe_filename(upload.filename),
                     content_type=upload.content_type, size=len(upload.data), uploaded_by=actor.username,
                     uploaded_at=clock.now(), instance_id=instance_id, task_id=task_id)
    s.add(row)
    audit.record(s, "attachment.add", actor=actor.username, instance_id=instance_id, task_id=task_id,
                 after={"id": row.id, "filename": row.filename, "sha256": sha, "size": row.size})
    return _view(row)


def _linked_case(s: Session, actor: Actor, instance_id: int | None) -> ProcessInstance | None:
    return instances.visible(s, actor, instance_id) if instance_id is not None else None


def store(actor: Actor, filename: str, content_type: str, data: bytes, *, instance_id: int | None = None,
          task_id: str | None = None) -> AttachmentView:
    """Check and store one file on its own; returns its id (put it in the form field)."""
    _check(data, content_type)
    with staging() as staged, unit_of_work() as s:
        _linked_case(s, actor, instance_id)
        return add(s, staged, actor, Upload("", filename, content_type, data), instance_id=instance_id,
                   task_id=task_id)


_SHARED_WITH_CHILDREN: set[str] = set()


def share_with_children(process_key: str) -> None:
    """Let whoever sees one child case of a `process_key` case read the parent's files (the campaign's notices:
    the notice's attachments reach every enterprise it was sent to). No other parent shares its files."""
    _SHARED_WITH_CHILDREN.add(process_key)


def _may_read(s: Session, actor: Actor, instance_id: int) -> bool:
    """The case is visible to the actor, or its process shares its files with its children
    (`share_with_children`) and one of its children is."""
    case = s.get(ProcessInstance, instance_id)
    if case is None:
        return False
    if access.can_see(actor, case):
        return True
    if case.process_key not in _SHARED_WITH_CHILDREN:
        return False
    receipts = select(ProcessInstance.id).where(ProcessInstance.parent_id == instance_id, access.instance_clause(actor))
    return s.scalar(receipts.limit(1)) is not None


def get(actor: Actor, attachment_id: str) -> tuple[AttachmentView, bytes]:
    """A file the actor may see: its case is visible to them (or, for a notice, one of its receipts), or they
    uploaded it."""
    with unit_of_work(write=False) as s:
        row = s.get(Attachment, attachment_id)
        if row is None:
            raise not_found("附件", "attachment", attachment_id)
        if row.uploaded_by != actor.username:
            if row.instance_id is None or not _may_read(s, actor, row.instance_id):
                raise not_found("附件", "attachment", attachment_id)
        view = _view(row)
    try:
        return view, _read_blob(view.sha256)
    except OSError as err:
        raise StorageError("附件文件不可读", "The attachment file cannot be read") from err


def list_for_case(actor: Actor, instance_id: int) -> list[AttachmentView]:
    """The files linked to a visible case, oldest first."""
    with unit_of_work(write=False) as s:
        instances.visible(s, actor, instance_id)
        rows = s.scalars(select(Attachment).where(Attachment.instance_id == instance_id).order_by(Attachment.uploaded_at))
        return [_view(r) for r in rows]
