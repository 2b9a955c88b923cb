"""Configuration from the environment (SAFELOOP_*), with embedded defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how big things may be."""

    data_dir: Path
    database_url: str
    max_bpmn_bytes: int = 5 * 1024 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024
    holidays_file: Path | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Read SAFELOOP_DATA_DIR, SAFELOOP_DATABASE_URL, SAFELOOP_HOLIDAYS_FILE; keywords override."""
        data_dir = Path(str(overrides.pop("data_dir", None) or os.environ.get("SAFELOOP_DATA_DIR") or "var"))
        url = str(overrides.pop("database_url", None) or os.environ.get("SAFELOOP_DATABASE_URL")
                  or f"sqlite:///{(data_dir / 'safeloop.db').absolute()}")
        holidays = overrides.pop("holidays_file", None) or os.environ.get("SAFELOOP_HOLIDAYS_FILE")
        return cls(data_dir=data_dir.absolute(), database_url=url,
                   holidays_file=Path(str(holidays)) if holidays else None, **overrides)  # type: ignore[arg-type]
