"""Injected time: engine code reads a clock object, never the system clock directly."""
from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

CHINA_TZ = timezone(timedelta(hours=8), name="Asia/Shanghai")


class Clock(Protocol):
    """Anything that can tell the current time (timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class ManualClock:
    """A clock that only moves when told to; used by tests and the simulator."""

    current: datetime = field(default_factory=lambda: datetime(2024, 4, 8, 1, 0, tzinfo=timezone.utc))

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        """Jump to an absolute instant (must be timezone-aware)."""
        if when.tzinfo is None:
            raise ValueError("clock time must be timezone-aware")
        self.current = when.astimezone(timezone.utc)

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta given as keywords (days=, hours=, …)."""
        self.current = self.current + timedelta(**delta)
        return self.current


_current: contextvars.ContextVar[Clock] = contextvars.ContextVar("safeloop_clock", default=SystemClock())


def get_clock() -> Clock:
    """The clock in force for this context."""
    return _current.get()


def set_clock(clock: Clock) -> contextvars.Token[Clock]:
    """Install a clock for this context (returns a token for reset_clock)."""
    return _current.set(clock)


def reset_clock(token: contextvars.Token[Clock]) -> None:
    """Restore the clock that was in force before set_clock."""
    _current.reset(token)


def now() -> datetime:
    """The current instant (UTC) by the injected clock."""
    return get_clock().now()


def china_today_iso() -> str:
    """Today's date in China Standard Time as YYYY-MM-DD."""
    return now().astimezone(CHINA_TZ).date().isoformat()
