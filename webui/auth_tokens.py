"""Bearer tokens for the JSON API: signed, expiring, revocable; failed logins rate-limited.

A token is `itsdangerous.URLSafeTimedSerializer(SECRET_KEY)` over `{"u": username, "jti": id}`
(a random token id), valid for `TOKEN_TTL` (8 hours). Nothing is stored for a valid token: the
signature and the timestamp prove it. Revocation is a set of token ids (and, per user, a
"not before" time) kept **in this process's memory**: it is lost on restart and not shared
between worker processes (see docs/api.md).

Failed logins are counted in a sliding window per username and per remote address; over
`LOGIN_MAX_FAILURES` within `LOGIN_WINDOW_SECONDS` further attempts get 429 without the
password being checked.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask, current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

TOKEN_TTL = timedelta(hours=8)
TOKEN_SALT = "safeloop-api-token-v1"
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 300.0
EXTENSION_KEY = "safeloop_api_tokens"

log = logging.getLogger("safeloop.auth")


class TokenInvalid(Exception):
    """The bearer token is missing, forged, expired or revoked; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: str
    username: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenClaims:
    username: str
    token_id: str
    issued_at: datetime


class SlidingWindowLimiter:
    """Counts events per key over the last `window` seconds (in memory, thread-safe)."""

    MAX_KEYS = 10_000

    def __init__(self, limit: int, window: float, now: Any = time.monotonic) -> None:
        self.limit, self.window, self._now = limit, window, now
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str) -> deque[float]:
        events = self._events[key]
        cutoff = self._now() - self.window
        while events and events[0] <= cutoff:
            events.popleft()
        return events

    def blocked(self, key: str) -> float | None:
        """Seconds until the key may try again, or None when it is not blocked."""
        with self._lock:
            events = self._trim(key)
            if len(events) < self.limit:
                if not events:
                    self._events.pop(key, None)
                return None
            return max(1.0, events[0] + self.window - self._now())

    def hit(self, key: str) -> None:
        with self._lock:
            self._trim(key).append(self._now())
            if len(self._events) > self.MAX_KEYS:  # many distinct keys: forget the stale ones
                for stale in [k for k in self._events if k != key]:
                    if not self._trim(stale):
                        del self._events[stale]

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


class TokenService:
    """Issue, verify and revoke API tokens for one app."""

    def __init__(self, secret_key: str, ttl: timedelta = TOKEN_TTL) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)
        self.ttl = ttl
        self._revoked_ids: set[str] = set()
        self._not_before: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self.failures_by_user = SlidingWindowLimiter(LOGIN_MAX_FAILURES, LOGIN_WINDOW_SECONDS)
        self.failures_by_address = SlidingWindowLimiter(LOGIN_MAX_FAILURES, LOGIN_WINDOW_SECONDS)

    def issue(self, username: str) -> IssuedToken:
        token_id = secrets.token_urlsafe(16)
        token = self._serializer.dumps({"u": username, "jti": token_id})
        # itsdangerous stamps whole seconds of wall-clock time; the expiry follows the same clock.
        issued = datetime.now(timezone.utc).replace(microsecond=0)
        return IssuedToken(token, token_id, username, issued + self.ttl)

    def verify(self, token: str) -> TokenClaims:
        try:
            payload, issued = self._serializer.loads(token, max_age=int(self.ttl.total_seconds()), return_timestamp=True)
        except SignatureExpired as err:
            raise TokenInvalid("expired") from err
        except BadSignature as err:
            raise TokenInvalid("invalid") from err
        if not isinstance(payload, dict) or not isinstance(payload.get("u"), str) or not isinstance(payload.get("jti"), str):
            raise TokenInvalid("invalid")
        claims = TokenClaims(payload["u"], payload["jti"], issued)
        with self._lock:
            if claims.token_id in self._revoked_ids:
                raise TokenInvalid("revoked")
            cutoff = self._not_before.get(claims.username)
        if cutoff is not None and claims.issued_at <= cutoff:
            raise TokenInvalid("revoked")
        return claims

    def revoke_token(self, token: str) -> TokenClaims:
        """Revoke one token (it must still be a valid one)."""
        claims = self.verify(token)
        self.revoke_id(claims.token_id)
        return claims

    def revoke_id(self, token_id: str) -> None:
        with self._lock:
            self._revoked_ids.add(token_id)

    def revoke_user(self, username: str) -> None:
        """Revoke every token of a user issued up to now."""
        with self._lock:
            self._not_before[username] = datetime.now(timezone.utc)


def init_app(app: Flask) -> TokenService:
    """The app's token service (created once per app)."""
    service = app.extensions.get(EXTENSION_KEY)
    if service is None:
        service = TokenService(app.config["SECRET_KEY"])
        app.extensions[EXTENSION_KEY] = service
    return service


def tokens() -> TokenService:
    """The token service of the current app."""
    return init_app(current_app)


def audit_auth_event(action: str, *, actor: str | None, after: dict[str, Any]) -> None:
    """Record a login/token event in the engine's `system` audit chain, and in the log.

    The engine has no public function for this yet, so this appends through `engine.audit`
    in its own unit of work (best effort: a failure to record is logged, never raised).
    """
    log.info("%s actor=%s %s", action, actor, after)
    try:
        from engine import audit, db
        with db.unit_of_work() as session:
            audit.record(session, action, actor=actor, after=after)
    except Exception:  # noqa: BLE001 - auditing a login must not turn it into a 500
        log.exception("could not audit %s", action)
