"""Enterprises, users, roles and industries; passwords hashed with argon2."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from . import audit, clock, token_revocations
from .db import unit_of_work
from .errors import BadRequest, Conflict, NotAuthenticated, ValidationFailed, not_found
from .models import Enterprise, Industry, Role, User, UserIndustry, UserRole
from .views import Actor, EnterpriseView, Page, UserView

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def _enterprise_view(e: Enterprise) -> EnterpriseView:
    from . import business_days
    return EnterpriseView(e.id, e.code, e.name, e.industry_key, e.category, e.risk_grade, e.township, e.scale,
                          e.standard_grade, bool(e.benchmark), e.business_days,
                          business_days.effective(e.business_days, e.industry_key))


def add_enterprise(code: str, name: str, industry: str, *, actor: str = "system", category: str | None = None,
                   risk_grade: str | None = None, township: str | None = None, address: str | None = None,
                   check_code: bool = True, scale: str | None = None, standard_grade: str | None = None,
                   benchmark: bool = False, business_days: str | None = None) -> EnterpriseView:
    """Register an enterprise by its unified social credit code (checked), with its scale, standardisation grade
    and benchmark flag (item 17) where known, and its own business days (None: its industry's)."""
    from . import credit_code
    code = code.strip().upper()
    scale, standard_grade, benchmark = _profile(scale, standard_grade, benchmark)
    business_days = _business_days(business_days)
    if check_code and not credit_code.is_valid(code):
        raise ValidationFailed(f"统一社会信用代码无效：{code}", f"Invalid unified social credit code: {code}",
                               [{"field": "code", "message_zh": "校验位不符或格式错误", "message_en": "bad format or check digit"}])
    with unit_of_work() as s:
        if s.get(Industry, industry) is None:
            raise ValidationFailed(f"行业不存在：{industry}", f"No such industry: {industry}", [{"field": "industry"}])
        if s.scalar(select(Enterprise).where(Enterprise.code == code)) is not None:
            raise Conflict(f"企业已存在：{code}", f"Enterprise already exists: {code}")
        e = Enterprise(code=code, name=name, industry_key=industry, category=category, risk_grade=risk_grade,
                       township=township, address=address, active=True, scale=scale, standard_grade=standard_grade,
                       benchmark=benchmark, business_days=business_days)
        s.add(e)
        s.flush()
        audit.record(s, "enterprise.add", actor=actor, after={"code": code, "name": name, "industry": industry,
                                                              "scale": scale, "standard_grade": standard_grade,
                                                              "benchmark": benchmark, "business_days": business_days})
        return _enterprise_view(e)


def _profile(scale: object, standard_grade: object, benchmark: object) -> tuple[str | None, str | None, bool]:
    """Scale, grade and flag as keys; ValidationFailed naming each bad one."""
    from . import enterprise_fields
    out: list[object] = []
    problems = []
    for name, parse, value in (("scale", enterprise_fields.scale, scale),
                               ("standard_grade", enterprise_fields.standard_grade, standard_grade),
                               ("benchmark", enterprise_fields.benchmark, benchmark)):
        try:
            out.append(parse(value))
        except ValueError as err:
            problems.append({"field": name, "message_zh": str(err), "message_en": f"invalid {name}: {value}"})
    if problems:
        raise ValidationFailed("规模、标准化等级或标杆企业标记无效：" + "；".join(p["message_zh"] for p in problems),
                               "Invalid scale, standardisation grade or benchmark flag", problems)
    return out[0], out[1], bool(out[2])  # type: ignore[return-value]


_UNCHANGED = "unchanged"


def _business_days(value: object) -> str | None:
    """An enterprise's own business-days rule as stored (None: follow the industry); ValidationFailed otherwise."""
    from . import business_days
    try:
        return business_days.normalise(value)
    except ValueError as err:
        raise ValidationFailed(f"营业日无效：{err}", "Invalid business days: every_day, working_days or days:<1-7,…>"
                               "[;holidays]", [{"field": "business_days", "message_zh": str(err),
                                                "message_en": f"invalid business days: {value}"}]) from None


def set_enterprise_profile(code: str, *, actor: str, scale: str | None, standard_grade: str | None,
                           benchmark: bool, business_days: str | None = _UNCHANGED) -> EnterpriseView:
    """Change an enterprise's scale, standardisation grade, benchmark flag and (when given; None = follow the
    industry) its business days, audited as `enterprise.profile`."""
    scale, standard_grade, benchmark = _profile(scale, standard_grade, benchmark)
    keep = business_days == _UNCHANGED
    rule = None if keep else _business_days(business_days)
    with unit_of_work() as s:
        e = s.scalar(select(Enterprise).where(Enterprise.code == code.strip().upper()))
        if e is None:
            raise not_found("企业", "enterprise", code)
        before = {"scale": e.scale, "standard_grade": e.standard_grade, "benchmark": bool(e.benchmark),
                  "business_days": e.business_days}
        e.scale, e.standard_grade, e.benchmark = scale, standard_grade, benchmark
        if not keep:
            e.business_days = rule
        audit.record(s, "enterprise.profile", actor=actor, before={"code": e.code, **before},
                     after={"code": e.code, "scale": scale, "standard_grade": standard_grade, "benchmark": benchmark,
                            "business_days": e.business_days})
        return _enterprise_view(e)


def list_enterprises(actor: Actor | None = None, *, industry: str | None = None, limit: int = 100,
                     offset: int = 0) -> Page:
    """Enterprises visible to the actor (an enterprise user sees only its own)."""
    with unit_of_work(write=False) as s:
        stmt = select(Enterprise).order_by(Enterprise.code)
        if actor is not None and actor.enterprise_id is not None:
            stmt = stmt.where(Enterprise.id == actor.enterprise_id)
        if industry:
            stmt = stmt.where(Enterprise.industry_key == industry)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = tuple(_enterprise_view(e) for e in s.scalars(stmt.limit(limit).offset(offset)))
        return Page(items, total, limit, offset)


def _user_view(s: Session, u: User, enterprise_code: str | None = None) -> UserView:
    """A user's roles, industries and enterprise code: one query (two when the code is not given)."""
    scope = union_all(select(literal("role"), UserRole.role_key).where(UserRole.user_id == u.id),
                      select(literal("industry"), UserIndustry.industry_key).where(UserIndustry.user_id == u.id))
    rows = list(s.execute(scope))
    roles = tuple(sorted(key for kind, key in rows if kind == "role"))
    inds = tuple(sorted(key for kind, key in rows if kind == "industry"))
    if enterprise_code is None and u.enterprise_id:
        enterprise_code = s.scalar(select(Enterprise.code).where(Enterprise.id == u.enterprise_id))
    return UserView(u.id, u.username, u.display_name, roles, enterprise_code, inds, u.active)


def add_user(username: str, *, roles: list[str], display_name: str | None = None, enterprise: str | None = None,
             industries: list[str] | None = None, password: str | None = None, actor: str = "system",
             email: str | None = None) -> UserView:
    """Create a user with roles and scope; the password is hashed with argon2."""
    username = username.strip()
    if not username or len(username) > 80:
        raise BadRequest("用户名不能为空且不超过 80 字", "Username must be 1–80 characters")
    if password is not None and len(password) < 8:
        raise ValidationFailed("密码至少 8 位", "Password must have at least 8 characters", [{"field": "password"}])
    with unit_of_work() as s:
        if s.scalar(select(User).where(User.username == username)):
            raise Conflict(f"用户已存在：{username}", f"User already exists: {username}")
        unknown = [r for r in roles if s.get(Role, r) is None]
        if unknown or not roles:
            raise ValidationFailed(f"角色不存在：{', '.join(unknown) or '（未指定）'}",
                                   f"Unknown role(s): {', '.join(unknown) or '(none given)'}", [{"field": "role"}])
        ent_id = None
        if enterprise:
            ent = s.scalar(select(Enterprise).where(Enterprise.code == enterprise.strip().upper()))
            if ent is None:
                raise not_found("企业", "enterprise", enterprise)
            ent_id = ent.id
        for ind in industries or []:
            if s.get(Industry, ind) is None:
                raise ValidationFailed(f"行业不存在：{ind}", f"No such industry: {ind}", [{"field": "industry"}])
        user = User(username=username, display_name=display_name or username, enterprise_id=ent_id, active=True,
                    password_hash=_hasher.hash(password) if password else None, created_at=clock.now(), email=email)
        s.add(user)
        s.flush()
        s.add_all([UserRole(user_id=user.id, role_key=r) for r in sorted(set(roles))])
        s.add_all([UserIndustry(user_id=user.id, industry_key=i) for i in sorted(set(industries or []))])
        s.flush()
        audit.record(s, "user.add", actor=actor, after={"username": username, "roles": sorted(roles),
                                                        "enterprise": enterprise, "industries": industries or []})
        return _user_view(s, user)


def set_password(username: str, password: str, *, actor: str = "system") -> None:
    """Replace a user's password."""
    if len(password) < 8:
        raise ValidationFailed("密码至少 8 位", "Password must have at least 8 characters", [{"field": "password"}])
    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise not_found("用户", "user", username)
        user.password_hash = _hasher.hash(password)
        token_revocations.cut_off(s, username)  # API tokens got with the old password stop working
        audit.record(s, "user.password", actor=actor, after={"username": username})


def actor_of(s: Session, user: User, enterprise_code: str | None = None) -> Actor:
    view = _user_view(s, user, enterprise_code)
    return Actor(username=user.username, display_name=user.display_name, roles=frozenset(view.roles),
                 enterprise_id=user.enterprise_id, enterprise_code=view.enterprise_code,
                 industries=frozenset(view.industries), user_id=user.id)


def get_actor(username: str) -> Actor:
    """The acting identity of an active user."""
    with unit_of_work(write=False) as s:
        found = s.execute(select(User, Enterprise.code).outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
                          .where(User.username == username, User.active.is_(True))).first()
        if found is None:
            raise NotAuthenticated("用户不存在或已停用", "Unknown or disabled user")
        return actor_of(s, found[0], found[1])  # two queries per request: the user, then roles and industries


def display_names(usernames: set[str] | frozenset[str]) -> dict[str, str]:
    """username → display name for those of `usernames` that exist (for showing who did what)."""
    wanted = sorted(u for u in usernames if u)[:1000]
    if not wanted:
        return {}
    with unit_of_work(write=False) as s:
        rows = s.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
        return {name: shown or name for name, shown in rows}


def authenticate(username: str, password: str) -> Actor:
    """Check a password (in constant-ish time for unknown users) and return the actor."""
    with unit_of_work(write=False) as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        try:
            _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            user = None
        if user is None:
            raise NotAuthenticated("用户名或密码错误", "Wrong username or password")
        return actor_of(s, user)


def list_users(*, limit: int = 100, offset: int = 0) -> Page:
    """All users (admin use)."""
    with unit_of_work(write=False) as s:
        total = s.scalar(select(func.count(User.id))) or 0
        users = s.scalars(select(User).order_by(User.username).limit(limit).offset(offset))
        return Page(tuple(_user_view(s, u) for u in users), total, limit, offset)


def enterprise_profiles(codes: list[str]) -> dict[str, EnterpriseView]:
    """The enterprises of these codes by code (unknown codes left out): their scale, grade and benchmark flag."""
    with unit_of_work(write=False) as s:
        found = s.scalars(select(Enterprise).where(Enterprise.code.in_(sorted(set(codes))[:1000])))
        return {e.code: _enterprise_view(e) for e in found}
