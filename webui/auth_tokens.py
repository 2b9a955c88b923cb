"""Bearer tokens for the JSON API: signed, expiring, revocable; failed logins rate-limited.

A token is `itsdangerous.URLSafeTimedSerializer(SECRET_KEY)` over `{"u": username, "jti": id}`
(a random token id), valid for `TOKEN_TTL` (8 hours). Nothing is stored for a valid token: the
signature and the timestamp prove it. Revocations (by token id, or per user "not before" a time)
are stored in the database (`engine.runtime.token_revocations`), so every web process refuses a token
revoked on any other one at its next request.

Every verify asks the database (one round trip of primary-key lookups). Only *revoked* ids are
cached in this process (a revocation never ends before the token expires); "not revoked" is never
cached, so there is no window in which another process's revocation is missed. When the database
cannot answer, verify raises `engine.DatabaseUnavailable` (503): an outage never accepts a token.

Failed logins are counted in a sliding window per username and per remote address; over
`LOGIN_MAX_FAILURES` within `LOGIN_WINDOW_SECONDS` further attempts get 429 without the
password being checked. These counters stay per process (see docs/api.md).
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

from flask import Flask, current_app, g, has_request_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

import engine
from engine.runtime import (
    actor_unless_revoked,
    is_revoked,
    record_audit_event,
    token_revocations_revoke,
    token_revocations_revoke_user,
)

TOKEN_TTL = timedelta(hours=8)
TOKEN_SALT = "safeloop-api-token-v1"
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 300.0
REVOKED_CACHE_SIZE = 10_000
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


class RevokedCache:
    """Token ids known to be revoked, with their expiry (bounded; thread-safe). Never holds "not revoked"."""

    def __init__(self, size: int = REVOKED_CACHE_SIZE) -> None:
        self.size = size
        self._expires: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def __contains__(self, token_id: str) -> bool:
        with self._lock:
            return token_id in self._expires

    def add(self, token_id: str, expires_at: datetime) -> None:
        with self._lock:
            if len(self._expires) >= self.size:  # full: drop the expired ones, else start over
                now = datetime.now(timezone.utc)
                self._expires = {k: v for k, v in self._expires.items() if v > now}
                if len(self._expires) >= self.size:
                    self._expires.clear()
            self._expires[token_id] = expires_at


class TokenService:
    """Issue, verify and revoke API tokens for one app; revocations live in the database."""

    def __init__(self, secret_key: str, ttl: timedelta = TOKEN_TTL) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)
        self.ttl = ttl
        self.revoked = RevokedCache()
        self.failures_by_user = SlidingWindowLimiter(LOGIN_MAX_FAILURES, LOGIN_WINDOW_SECONDS)
        self.failures_by_address = SlidingWindowLimiter(LOGIN_MAX_FAILURES, LOGIN_WINDOW_SECONDS)

    def issue(self, username: str) -> IssuedToken:
        token_id = secrets.token_urlsafe(16)
        token = self._serializer.dumps({"u": username, "jti": token_id})
        # itsdangerous stamps whole seconds of wall-clock time; the expiry follows the same clock.
        issued = datetime.now(timezone.utc).replace(microsecond=0)
        return IssuedToken(token, token_id, username, issued + self.ttl)

    def verify(self, token: str) -> TokenClaims:
        """The token's claims if it is genuine, unexpired and not revoked (by any process).

        Raises:
            TokenInvalid: forged, expired or revoked.
            engine.DatabaseUnavailable: the revocation store cannot answer (never read as "valid").
        """
        claims = self._claims(token)
        if claims.token_id in self.revoked:
            raise TokenInvalid("revoked")
        if is_revoked(claims.token_id, claims.username, claims.issued_at):
            self.revoked.add(claims.token_id, claims.issued_at + self.ttl)
            raise TokenInvalid("revoked")
        return claims

    def verify_actor(self, token: str) -> tuple[TokenClaims, engine.Actor | None]:
        """`verify` and the token user's actor, read in one unit of work (None: the user is unknown or disabled).

        Raises:
            TokenInvalid: forged, expired or revoked.
            engine.DatabaseUnavailable: the database cannot answer (never read as "valid").
        """
        claims = self._claims(token)
        if claims.token_id in self.revoked:
            raise TokenInvalid("revoked")
        revoked, actor = actor_unless_revoked(claims.token_id, claims.username, claims.issued_at)
        if revoked:
            self.revoked.add(claims.token_id, claims.issued_at + self.ttl)
            raise TokenInvalid("revoked")
        return claims, actor

    def _claims(self, token: str) -> TokenClaims:
        try:
            payload, issued = self._serializer.loads(token, max_age=int(self.ttl.total_seconds()), return_timestamp=True)
        except SignatureExpired as err:
            raise TokenInvalid("expired") from err
        except BadSignature as err:
            raise TokenInvalid("invalid") from err
        if not isinstance(payload, dict) or not isinstance(payload.get("u"), str) or not isinstance(payload.get("jti"), str):
            raise TokenInvalid("invalid")
        return TokenClaims(payload["u"], payload["jti"], issued)

    def revoke_token(self, token: str) -> TokenClaims:
        """Revoke one token (it must still be a valid one) until it would expire."""
        claims = self.verify(token)
        expires_at = claims.issued_at + self.ttl
        token_revocations_revoke(claims.token_id, claims.username, expires_at, actor=_request_actor())
        self.revoked.add(claims.token_id, expires_at)
        return claims

    def revoke_id(self, token_id: str, username: str | None = None) -> None:
        """Revoke a token by its id; without its issue time, kept for a whole TTL from now."""
        expires_at = datetime.now(timezone.utc) + self.ttl
        token_revocations_revoke(token_id, username, expires_at, actor=_request_actor())
        self.revoked.add(token_id, expires_at)

    def revoke_user(self, username: str) -> None:
        """Revoke every token of a user issued up to now, in every process."""
        token_revocations_revoke_user(username, actor=_request_actor())


def _request_actor() -> str | None:
    # Who revokes, for the audit row: the request's actor (the caller logging out, or the admin).
    actor = g.get("actor") if has_request_context() else None
    return getattr(actor, "username", None)


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

    Best effort: a failure to record is logged, never raised.
    """
    log.info("%s actor=%s %s", action, actor, after)
    try:
        record_audit_event(action, actor=actor, after=after)
    except Exception:  # noqa: BLE001 - auditing a login must not turn it into a 500
        log.exception("could not audit %s", action)
