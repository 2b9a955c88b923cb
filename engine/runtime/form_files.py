"""The file fields of a task's form: uploads stored with the step, references checked.

A file field (`x-ui.widget == "file"`, an array of attachment ids; also inside the rows of a repeatable group)
accepts only attachments that exist and belong to the task's case — linked to it when uploaded (uploading
needs a user who may see the case, `attachments.store`), or already carried in the task's data (a parent
case's photos handed to a child case by the engine). Anything else, a random string or another case's
attachment, is a field error; files sent with the step are checked, and stored in the step's own transaction
only when the whole step is accepted (see `attachments.staging`).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import attachments
from .attachments import Staging, Upload
from .errors import EngineError, FormInvalid
from .models import Attachment
from .views import Actor

MAX_ID_LENGTH = 64


@dataclass
class Submission:
    """Form data with the new attachments' ids in their fields, what is wrong with it, and the files to store."""

    data: dict[str, Any]
    problems: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[tuple[str, Upload]] = field(default_factory=list)


def is_file_field(spec: Any) -> bool:
    """True for a property holding attachment ids (`x-ui.widget == "file"`)."""
    return isinstance(spec, dict) and (spec.get("x-ui") or {}).get("widget") == "file"


def references(schema: dict[str, Any] | None, data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(field path, value) of every file field in `data`, rows of repeatable groups included (`hazards.0.photos`)."""
    if not isinstance(schema, dict) or not isinstance(data, dict):
        return
    for name, spec in (schema.get("properties") or {}).items():
        if name not in data or not isinstance(spec, dict):
            continue
        path, value = f"{prefix}{name}", data[name]
        if is_file_field(spec):
            yield path, value
        elif spec.get("type") == "object":
            yield from references(spec, value, path + ".")
        elif spec.get("type") == "array" and isinstance(value, list):
            for i, row in enumerate(value):
                yield from references(spec.get("items"), row, f"{path}.{i}.")


def _problem(path: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"field": path, "message_zh": zh, "message_en": en, **extra}


def _reference_problems(s: Session, case_id: int, refs: list[tuple[str, Any]],
                        task_data: Callable[[], Any]) -> list[dict[str, Any]]:
    ids = {v for _, value in refs for v in _items(value) if isinstance(v, str) and 0 < len(v) <= MAX_ID_LENGTH}
    linked = dict(s.execute(select(Attachment.id, Attachment.instance_id).where(Attachment.id.in_(ids))).all()) \
        if ids else {}
    carried: set[str] | None = None
    problems = []
    for path, value in refs:
        for item in _items(value):
            if not isinstance(item, str):
                problems.append(_problem(path, "应为附件编号", "Must be attachment ids"))
                continue
            if linked.get(item, -1) == case_id:
                continue
            carried = carried if carried is not None else _strings(task_data())
            if item in carried:  # the case carries it already: a parent's photo, or demo data
                continue
            # one answer for "no such file" and "another case's file": ids of other cases stay unconfirmed
            problems.append(_problem(path, f"附件不存在或不属于本事项：{item[:MAX_ID_LENGTH]}",
                                     f"No such attachment on this case: {item[:MAX_ID_LENGTH]}"))
    return problems


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> set[str]:
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def _upload_problems(schema: dict[str, Any] | None, upload: Upload) -> list[dict[str, Any]]:
    spec = ((schema or {}).get("properties") or {}).get(upload.field)
    name = attachments.safe_filename(upload.filename)
    if not is_file_field(spec):
        return [_problem(upload.field, f"表单中没有文件字段“{upload.field[:100]}”，{name} 未上传",
                         f"The form has no file field '{upload.field[:100]}'; {name} was not uploaded", file=name,
                         reason="not_a_file_field")]
    try:
        attachments.check(upload)
    except EngineError as err:
        return [_problem(upload.field, f"{name}: {err.message_zh}", f"{name}: {err.message_en}", file=name,
                         reason=err.code)]
    return []


def prepare(s: Session, case_id: int, schema: dict[str, Any] | None, data: dict[str, Any], uploads: list[Upload],
            task_data: Callable[[], Any], *, check_references: bool = True) -> Submission:
    """Check the references in `data` and the files sent with it; nothing is stored yet.

    `task_data` gives the task's data (called only when a reference is not to an attachment of this case).
    """
    refs = list(references(schema, data)) if check_references else []
    problems = _reference_problems(s, case_id, refs, task_data) if refs else []
    submission = Submission(dict(data), problems)
    for upload in uploads:
        refused = _upload_problems(schema, upload)
        if refused:
            submission.problems.extend(refused)
            continue
        new_id = str(uuid.uuid4())
        current = submission.data.get(upload.field)
        submission.data[upload.field] = [*(current if isinstance(current, list) else []), new_id]
        submission.accepted.append((new_id, upload))
    return submission


def raise_problems(submission: Submission, *, draft: bool = False) -> None:
    """FormInvalid listing the submission's problems, if it has any (a draft says it was not saved)."""
    if not submission.problems:
        return
    if draft:
        raise FormInvalid("草稿未保存：请按提示处理文件和附件", "The draft was not saved: see the file and attachment problems",
                          submission.problems)
    raise FormInvalid("表单填写有误，请按提示修改", "The form has errors; please correct the marked fields", submission.problems)


def store(s: Session, staged: Staging, actor: Actor, submission: Submission, *, case_id: int, task_id: str) -> None:
    """Record the accepted files of a submission in the step's transaction (rows, audit, staged bytes)."""
    for new_id, upload in submission.accepted:
        attachments.add(s, staged, actor, upload, instance_id=case_id, task_id=task_id, attachment_id=new_id)
