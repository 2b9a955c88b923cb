"""The audit trail's HMAC keys, kept outside the database.

`SAFELOOP_AUDIT_KEY` (any string of 32+ characters) gives one key, id `env`; otherwise the keyring is the file
`<data dir>/audit-keys.json` (created on first use, mode 0600): `{"current": "k1", "keys": {"k1": "<hex>"}}`.
`rotate()` (`safeloop audit rotate-key`) adds a key and makes it current; old keys stay to verify old rows.
Someone who can write the database but cannot read this file cannot recompute a chain, a head or a checkpoint.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path

from .errors import BadRequest

ENV = "SAFELOOP_AUDIT_KEY"
FILE = "audit-keys.json"
_lock = threading.Lock()
_cache: dict[Path, dict] = {}


def _path() -> Path:
    from .db import settings
    data_dir = settings().data_dir
    path = _paths.get(data_dir)
    if path is None:
        path = _paths[data_dir] = data_dir / FILE
    return path


_paths: dict[Path, Path] = {}  # data dir -> its keyring's path (a step signs several times)


def _write(path: Path, ring: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(ring, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(draft, path)


def _ring() -> dict:
    env = os.environ.get(ENV)
    if env:
        if len(env) < 32:
            raise BadRequest(f"{ENV} 至少需要 32 个字符", f"{ENV} must be at least 32 characters")
        return {"current": "env", "keys": {"env": hashlib.sha256(env.encode()).hexdigest()}}
    path = _path()
    with _lock:
        if path in _cache:
            return _cache[path]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:  # first use: create it, unless another process just did
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump({"current": "k1", "keys": {"k1": secrets.token_hex(32)}}, handle)
        for _ in range(50):  # a process that just created the file may still be writing it
            try:
                ring = json.loads(path.read_text(encoding="utf-8"))
                break
            except ValueError:
                time.sleep(0.02)
        else:
            raise BadRequest(f"审计密钥文件无法读取：{path}", f"The audit keyring cannot be read: {path}")
        _cache[path] = ring
        return ring


def current() -> str:
    """The id of the key new rows are signed with."""
    return _ring()["current"]


def mac(key_id: str, text: str) -> str:
    """HMAC-SHA256 of `text` under the key `key_id` (hex); an unknown key gives a value that never matches."""
    key = _ring()["keys"].get(key_id)
    if key is None:
        return "unknown-key:" + key_id
    return hmac.new(bytes.fromhex(key), text.encode("utf-8"), hashlib.sha256).hexdigest()


def rotate() -> str:
    """Add a fresh key and make it current; returns its id."""
    if os.environ.get(ENV):
        raise BadRequest(f"密钥由环境变量 {ENV} 提供，请在部署配置中更换",
                         f"The key comes from {ENV}; change it in the deployment's configuration")
    ring = json.loads(json.dumps(_ring()))
    key_id = f"k{len(ring['keys']) + 1}"
    ring["keys"][key_id] = secrets.token_hex(32)
    ring["current"] = key_id
    path = _path()
    with _lock:
        _write(path, ring)
        _cache[path] = ring
    return key_id


def forget_cache() -> None:
    with _lock:
        _cache.clear()
