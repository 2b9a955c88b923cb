"""A small in-process rate limit by key (an address): at most `limit` hits per sliding window.

Per worker process, which is enough to slow down a guesser or a flood of public reports;
a shared limit across many workers belongs on the reverse proxy.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class Throttle:
    """Counts hits per key over the last `window_seconds`."""

    def __init__(self, *, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        cutoff = self.clock() - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits

    def blocked(self, key: str) -> bool:
        """True when `key` has used up its hits in the current window."""
        with self._lock:
            return len(self._recent(key)) >= self.limit

    def hit(self, key: str) -> None:
        """Count one hit for `key`."""
        with self._lock:
            self._recent(key).append(self.clock())

    def reset(self) -> None:
        """Forget every hit (tests)."""
        with self._lock:
            self._hits.clear()
