"""Log output for `safeloop worker`, `safeloop serve` and the web app: plain lines or one JSON object per line.

`SAFELOOP_LOG_FORMAT=json` writes every record of the `safeloop` loggers to standard error as
`{"time", "level", "logger", "message", …}` plus the fields passed with `extra=` (job id, request
method, path, status, duration, request id). The default, `text`, writes `time logger message`.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone
from typing import TextIO

FORMATS = ("text", "json")
LOGGER = "safeloop"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format() -> str:
    """The format asked for by SAFELOOP_LOG_FORMAT (`text` unless it says `json`)."""
    wanted = os.environ.get("SAFELOOP_LOG_FORMAT", "text").strip().lower()
    return wanted if wanted in FORMATS else "text"


def configure(fmt: str | None = None, *, logger_name: str = LOGGER, level: int = logging.INFO,
              stream: TextIO | None = None) -> None:
    """Send `logger_name` (the `safeloop` loggers; "" for every logger) to `stream` (stderr) in `fmt`.

    Calling again replaces the handler it added, so app factories and tests may call it repeatedly."""
    logger = logging.getLogger(logger_name)
    for handler in [h for h in logger.handlers if getattr(h, "_safeloop", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if (fmt or log_format()) == "json" else logging.Formatter(TEXT_FORMAT))
    handler._safeloop = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    if logger_name:
        logger.propagate = False  # a host's root handler (gunicorn, basicConfig) would print each line twice
