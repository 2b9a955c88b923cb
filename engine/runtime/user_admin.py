"""Administration of users: enable/disable, reset a password, roles and scope (enterprise, industries).
Each function is one audited unit of work; reading needs an administrator or an auditor, changing an administrator."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import audit, token_revocations
from .admin_rights import require_admin, require_reader
from .db import unit_of_work
from .errors import Conflict, ValidationFailed, not_found
from .models import Enterprise, Industry, Role, User, UserIndustry, UserRole
from .users import _hasher, _user_view
from .views import Actor, UserView


def _user(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise not_found("用户", "user", username)
    return user


def set_user_active(actor: Actor, username: str, active: bool) -> UserView:
    """Disable (or enable again) a user; a disabled user's sessions and tokens stop working at once."""
    require_admin(actor)
    if username == actor.username and not active:
        raise Conflict("不能停用自己的账号", "You cannot disable your own account")
    with unit_of_work() as s:
        user = _user(s, username)
        before = user.active
        user.active = active
        if not active:  # enabling again must not bring the old API tokens back
            token_revocations.cut_off(s, username)
        audit.record(s, "user.enable" if active else "user.disable", actor=actor.username,
                     before={"username": username, "active": before}, after={"username": username, "active": active})
        return _user_view(s, user)


def reset_password(actor: Actor, username: str) -> str:
    """Give a user a new random password (shown once to the administrator) and return it."""
    require_admin(actor)
    password = secrets.token_urlsafe(9)
    with unit_of_work() as s:
        user = _user(s, username)
        user.password_hash = _hasher.hash(password)
        token_revocations.cut_off(s, username)  # API tokens got with the old password stop working
        audit.record(s, "user.password_reset", actor=actor.username, after={"username": username})
    return password


def set_user_roles(actor: Actor, username: str, *, roles: list[str], industries: list[str],
                   enterprise: str | None) -> UserView:
    """Replace a user's roles and scope (enterprise, industries)."""
    require_admin(actor)
    with unit_of_work() as s:
        user = _user(s, username)
        _check_keys(s, Role, roles, "role", "角色")
        _check_keys(s, Industry, industries, "industry", "行业")
        if not roles:
            raise ValidationFailed("至少选择一个角色", "Choose at least one role", [{"field": "roles"}])
        ent_id = enterprise_id(s, enterprise)
        before = _user_view(s, user)
        s.execute(delete(UserRole).where(UserRole.user_id == user.id))
        s.execute(delete(UserIndustry).where(UserIndustry.user_id == user.id))
        s.add_all([UserRole(user_id=user.id, role_key=r) for r in sorted(set(roles))])
        s.add_all([UserIndustry(user_id=user.id, industry_key=i) for i in sorted(set(industries))])
        user.enterprise_id = ent_id
        s.flush()
        after = _user_view(s, user)
        audit.record(s, "user.roles", actor=actor.username,
                     before={"username": username, "roles": before.roles, "industries": before.industries,
                             "enterprise": before.enterprise_code},
                     after={"username": username, "roles": after.roles, "industries": after.industries,
                            "enterprise": after.enterprise_code})
        return after


def get_user(actor: Actor, username: str) -> UserView:
    """One user with roles and scope."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        return _user_view(s, _user(s, username))


def _check_keys(s: Session, model: type[Any], keys: list[str], field: str, kind_zh: str) -> None:
    unknown = [k for k in keys if s.get(model, k) is None]
    if unknown:
        raise ValidationFailed(f"{kind_zh}不存在：{', '.join(unknown)}", f"Unknown {field}: {', '.join(unknown)}",
                               [{"field": field}])


def enterprise_id(s: Session, code: str | None) -> int | None:
    if not code:
        return None
    ent = s.scalar(select(Enterprise).where(Enterprise.code == code.strip().upper()))
    if ent is None:
        raise not_found("企业", "enterprise", code)
    return ent.id
