"""Engine errors. Each carries a stable code, a Chinese and an English message, and details.

The web layer maps ``status`` to the HTTP status; the CLI prints the message and exits non-zero.
"""
from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base class: a user-facing error with bilingual text."""

    code = "error"
    status = 400

    def __init__(self, message_zh: str, message_en: str, details: Any = None) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details

    def message(self, lang: str = "zh") -> str:
        """The message in the given language ('zh' or 'en')."""
        return self.message_en if lang.startswith("en") else self.message_zh

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class BadRequest(EngineError):
    code, status = "bad_request", 400


class NotAuthenticated(EngineError):
    code, status = "unauthenticated", 401


class Forbidden(EngineError):
    code, status = "forbidden", 403


class NotFound(EngineError):
    code, status = "not_found", 404


class Conflict(EngineError):
    code, status = "conflict", 409


class TooLarge(EngineError):
    code, status = "too_large", 413


class ValidationFailed(EngineError):
    """Input that does not meet its contract; ``details`` lists the problems."""

    code, status = "validation_failed", 422


class DefinitionInvalid(ValidationFailed):
    """A BPMN diagram refused at deploy; details: [{element_id, line, message_zh, message_en}]."""

    code = "invalid_definition"


class PathTestsFailed(DefinitionInvalid):
    """A deploy blocked by a failing path test; details: [{scenario, step, element_id, line, message_zh, message_en}]."""

    code = "path_tests_failed"


class FormInvalid(ValidationFailed):
    """Form data refused; details: [{field, message_zh, message_en}]."""

    code = "invalid_form_data"


class SandboxViolation(EngineError):
    """An expression or script tried something the sandbox forbids."""

    code, status = "sandbox_violation", 422


class StorageError(EngineError):
    """The data dir or database could not take a write."""

    code, status = "storage_unavailable", 503


RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(StorageError):
    """The database refused, dropped or timed out the connection; the unit of work rolled back."""

    code = "database_unavailable"

    def __init__(self, cause: BaseException | None = None) -> None:
        super().__init__("数据库暂时无法访问，请几秒后重试。",
                         "The database cannot be reached right now; try again in a few seconds.",
                         {"retry_after": RETRY_AFTER_SECONDS})
        self.cause = cause


def not_found(kind_zh: str, kind_en: str, ident: object) -> NotFound:
    """A uniform 'no such thing' error (also used where the caller may not see it)."""
    return NotFound(f"{kind_zh}不存在：{ident}", f"No such {kind_en}: {ident}", {"id": str(ident)})
