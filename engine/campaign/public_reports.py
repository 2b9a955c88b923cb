"""Reports filed by the public (举报): a case started without an account, its photos, and a status lookup.

`file_report` starts a case whose start form is marked `"x-public": true`, attaches the uploaded photos to it
(the same type and size checks as any attachment; the count is the form's `maxItems`) and returns the
reference number with a secret shown once: only a hash of the secret is kept. `report_status` answers the
holder of both with the report's stage and the replies the handlers marked public (form fields with
`"x-public-reply": true`), never anything else of the case. A wrong reference and a wrong secret fail alike.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..runtime import attachments, case_data, clock, definitions, forms, instances
from ..runtime.attachments import Upload
from ..runtime.db import unit_of_work
from ..runtime.errors import EngineError, Forbidden, FormInvalid, NotFound
from ..runtime.instances import Status
from ..runtime.models import AuditEvent, ProcessInstance, Task
from ..runtime.views import SYSTEM
from .campaign_models import ReportReceipt

SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed from paper
SECRET_GROUPS, GROUP_LENGTH = 4, 4  # 16 characters, about 79 bits
_NOT_TYPED = re.compile(r"[^0-9A-Z]")


class ReportStage(str, enum.Enum):
    """What a reporter may know of a report's progress."""

    RECEIVED = "received"  # 已受理: filed, nobody has taken it up yet
    CHECKING = "checking"  # 核查中: a handler took it up (or later steps run)
    CLOSED = "closed"  # 已办结: the case has ended


@dataclass(frozen=True)
class FiledReport:
    """What the reporter is shown once: the reference number and the secret (not stored)."""

    reference: str
    secret: str
    instance_id: int


@dataclass(frozen=True)
class PublicReply:
    at: datetime
    text: str


@dataclass(frozen=True)
class ReportStatus:
    reference: str
    stage: ReportStage
    received_at: datetime
    replies: tuple[PublicReply, ...]


def _normal(text: str) -> str:
    return _NOT_TYPED.sub("", (text or "").upper())


def _new_secret() -> str:
    chars = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_GROUPS * GROUP_LENGTH))
    return "-".join(chars[i:i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def _hash(reference: str, secret: str) -> str:
    # The secret is random (not a password), so one salted SHA-256 is enough; the reference is the salt.
    return hashlib.sha256(f"{_normal(reference)}:{_normal(secret)}".encode()).hexdigest()


def _new_reference(s: Session, prefix: str) -> str:
    for _ in range(8):
        reference = f"{prefix}-{secrets.token_hex(4).upper()}"
        if not s.scalar(select(exists().where(ReportReceipt.reference == reference))):
            return reference
    raise EngineError("未能生成举报编号，请重试", "No reference number could be made; please try again")


def _public_schema(s: Session, process_key: str) -> tuple[Any, dict[str, Any]]:
    definition = definitions.load_definition(s, process_key)
    key = definition.meta.get("start_form")
    schema = forms.latest_schema(s, key) if key else None
    if not schema or schema.get("x-public") is not True:
        raise Forbidden("该流程不接受公开提交", "This process does not take reports from the public")
    return definition, schema


def _file_fields(schema: dict[str, Any]) -> list[str]:
    return [name for name, spec in (schema.get("properties") or {}).items()
            if isinstance(spec, dict) and (spec.get("x-ui") or {}).get("widget") == "file"]


def _by_field(uploads: Sequence[Upload]) -> dict[str, list[Upload]]:
    out: dict[str, list[Upload]] = {}
    for upload in uploads:
        out.setdefault(upload.field, []).append(upload)
    return out


def _file_errors(schema: dict[str, Any], uploads: Sequence[Upload]) -> list[dict[str, str]]:
    """Every refused file (not a file field, too many, wrong type, too large) as a field error."""
    props = schema.get("properties") or {}
    details = []
    for field, files in _by_field(uploads).items():
        spec = props.get(field) or {}
        if field not in _file_fields(schema):
            details.append({"field": field, "message_zh": "此项不接受文件", "message_en": "This field takes no files"})
            continue
        limit = spec.get("maxItems")
        if isinstance(limit, int) and len(files) > limit:
            details.append({"field": field, "message_zh": f"最多上传 {limit} 个文件",
                            "message_en": f"At most {limit} files"})
        for upload in files:
            try:
                attachments.check(upload)
            except EngineError as err:
                details.append({"field": field, "message_zh": f"{upload.filename}：{err.message_zh}",
                                "message_en": f"{upload.filename}: {err.message_en}"})
    return details


def file_report(process_key: str, data: dict[str, Any], uploads: Sequence[Upload] = (), *,
                reference_prefix: str = "JB") -> FiledReport:
    """Start a public report's case with its files attached; returns the reference and the one-time secret.

    Raises:
        Forbidden: the process's start form is not marked public (`"x-public": true`).
        FormInvalid: field by field, refused files included (nothing is stored then).
    """
    payload = dict(data)
    case_data.check_input(payload)
    with attachments.staging() as staged, unit_of_work() as s:
        definition, schema = _public_schema(s, process_key)
        problems = _file_errors(schema, uploads)
        if problems:
            raise FormInvalid("上传的文件有误，请按提示修改", "Some files were refused; see the marked fields", problems)
        for name in _file_fields(schema):  # the public names no stored file: only what it uploads now
            payload.pop(name, None)
        ids = [str(uuid.uuid4()) for _ in uploads]  # in the start data, so the case's first step shows the photos
        for attachment_id, upload in zip(ids, uploads):
            payload.setdefault(upload.field, []).append(attachment_id)
        instances.start_form_check(s, definition, payload)
        reference = _new_reference(s, reference_prefix)
        inst = instances.create(s, definition, payload, actor=SYSTEM, business_key=reference)
        for attachment_id, upload in zip(ids, uploads):
            attachments.add(s, staged, SYSTEM, upload, instance_id=inst.id, task_id=None, attachment_id=attachment_id)
        secret = _new_secret()
        s.add(ReportReceipt(reference=reference, instance_id=inst.id, secret_hash=_hash(reference, secret),
                            created_at=clock.now()))
        s.flush()
        return FiledReport(reference, secret, inst.id)


def _stage(s: Session, inst: ProcessInstance) -> ReportStage:
    if inst.status in (Status.COMPLETED.value, Status.TERMINATED.value):
        return ReportStage.CLOSED
    taken = select(Task.id).where(Task.instance_id == inst.id,
                                  (Task.status == "completed") | Task.assignee.is_not(None)).limit(1)
    return ReportStage.CHECKING if s.scalar(taken) is not None else ReportStage.RECEIVED


def _public_fields(s: Session, form_key: str | None, cache: dict[str, set[str]]) -> set[str]:
    if not form_key:
        return set()
    if form_key not in cache:
        props = (forms.latest_schema(s, form_key) or {}).get("properties") or {}
        cache[form_key] = {name for name, spec in props.items() if isinstance(spec, dict) and spec.get("x-public-reply")}
    return cache[form_key]


def _replies(s: Session, instance_id: int) -> tuple[PublicReply, ...]:
    """The values of fields marked `x-public-reply`, from each completed step, oldest first."""
    rows = s.execute(select(AuditEvent.at, AuditEvent.after, Task.form_key)
                     .join(Task, Task.id == AuditEvent.task_id)
                     .where(AuditEvent.instance_id == instance_id, AuditEvent.action == "task.complete")
                     .order_by(AuditEvent.at, AuditEvent.id))
    cache: dict[str, set[str]] = {}
    out = []
    for at, after, form_key in rows:
        submitted = (after or {}).get("data") or {}
        for name in sorted(_public_fields(s, form_key, cache)):
            text = submitted.get(name)
            if isinstance(text, str) and text.strip():
                out.append(PublicReply(at, text.strip()))
    return tuple(out)


def report_status(reference: str, secret: str) -> ReportStatus:
    """A report's stage and public replies, for the holder of its reference number and secret.

    Raises:
        NotFound: the same error for an unknown reference and a wrong secret.
    """
    with unit_of_work(write=False) as s:
        receipt = s.get(ReportReceipt, _normal_reference(reference))
        expected = receipt.secret_hash if receipt is not None else _hash("-", "-")
        matches = hmac.compare_digest(expected, _hash(reference, secret))  # same work whether or not it exists
        if receipt is None or not matches:
            raise NotFound("举报编号或查询码不正确", "The reference number or the secret is not correct")
        inst = s.get(ProcessInstance, receipt.instance_id)
        assert inst is not None  # a foreign key
        return ReportStatus(receipt.reference, _stage(s, inst), inst.started_at, _replies(s, inst.id))


def _normal_reference(reference: str) -> str:
    """`jb 1a2b3c4d`, `JB-1A2B3C4D` → `JB-1A2B3C4D`."""
    text = _normal(reference)
    match = re.fullmatch(r"([A-Z]{1,8})([0-9A-F]{8})", text)
    return f"{match.group(1)}-{match.group(2)}" if match else text
