"""Staff accounts, areas and API tokens: create, sign in (with lockout), verify tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from mara.clock import utcnow
from mara.db.models import ApiToken, Area, StaffUser
from mara.db.unit_of_work import UnitOfWork
from mara.policy.areas import load_areas
from mara.policy.staff_texts import staff_text

ROLES = ("au", "area", "trainer", "admin")
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

# Checked against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A request the account rules refuse, by key of `accounts` in config/staff_texts.yml
    (`code`); its message, worded there, is for staff."""

    def __init__(self, code: str, **values: object):
        super().__init__(staff_text(f"accounts.{code}", **values))
        self.code = code


@dataclass(frozen=True)
class StaffAccount:
    id: int
    email: str
    name: str
    role: str
    area_slug: str | None
    active: bool
    locked_until: datetime | None = None
    last_login_at: datetime | None = None


@dataclass(frozen=True)
class AreaView:
    slug: str
    name: str
    email: str | None
    active: bool


def _account(row: StaffUser) -> StaffAccount:
    return StaffAccount(
        row.id,
        row.email,
        row.name,
        row.role,
        row.area_slug,
        row.active,
        row.locked_until,
        row.last_login_at,
    )


def normalize_email(email: str) -> str:
    return email.strip().lower()


def sync_areas(uow: UnitOfWork) -> int:
    """Make the areas table match config/areas.yml; areas no longer listed are deactivated."""
    session = uow.session
    configured = {a.slug: a for a in load_areas()}
    rows = {a.slug: a for a in session.scalars(select(Area))}
    for slug, info in configured.items():
        row = rows.get(slug)
        if row is None:
            row = Area(slug=slug)
            session.add(row)
        row.name, row.email, row.active = info.name, info.email, True
    for slug, row in rows.items():
        if slug not in configured:
            row.active = False
    return len(configured)


def areas(uow: UnitOfWork, include_inactive: bool = False) -> list[AreaView]:
    query = select(Area).order_by(Area.name)
    if not include_inactive:
        query = query.where(Area.active.is_(True))
    return [AreaView(a.slug, a.name, a.email, a.active) for a in uow.session.scalars(query)]


def create_user(
    uow: UnitOfWork,
    email: str,
    password: str,
    role: str,
    name: str | None = None,
    area_slug: str | None = None,
) -> StaffAccount:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("bad_email")
    if role not in ROLES:
        raise AccountError("unknown_role", role=role, roles=", ".join(ROLES))
    if role == "area":
        if not area_slug:
            raise AccountError("area_required")
        if uow.session.get(Area, area_slug) is None:
            raise AccountError("unknown_area", area=area_slug)
    elif area_slug:
        raise AccountError("area_only_for_area_role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("short_password", length=MIN_PASSWORD_LENGTH)
    if uow.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
        raise AccountError("email_taken")
    row = StaffUser(
        email=email,
        name=(name or email.split("@")[0]).strip()[:120],
        role=role,
        area_slug=area_slug,
        password_hash=generate_password_hash(password),
        failed_logins=0,
        active=True,
        created_at=utcnow(),
    )
    uow.session.add(row)
    uow.session.flush()
    return _account(row)


def set_password(uow: UnitOfWork, user_id: int, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("short_password", length=MIN_PASSWORD_LENGTH)
    row = uow.session.get(StaffUser, user_id)
    if row is None:
        raise AccountError("unknown_user")
    row.password_hash = generate_password_hash(password)
    row.failed_logins, row.locked_until = 0, None


def set_active(uow: UnitOfWork, user_id: int, active: bool) -> None:
    row = uow.session.get(StaffUser, user_id)
    if row is None:
        raise AccountError("unknown_user")
    row.active = active


def authenticate(uow: UnitOfWork, email: str, password: str, now: datetime) -> StaffAccount | None:
    """The account when the password is right and the account is neither locked nor off.

    Five wrong passwords in a row lock it for 15 minutes; while locked even the right
    password is refused, with the same answer (nothing tells an attacker which case it is).
    """
    row = uow.session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if row.locked_until is not None and row.locked_until > now:
        return None
    if not check_password_hash(row.password_hash, password):
        row.failed_logins += 1
        if row.failed_logins >= MAX_FAILED_LOGINS:
            row.locked_until = now + LOCKOUT
            row.failed_logins = 0
        return None
    if not row.active:
        return None
    row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
    return _account(row)


def get_user(uow: UnitOfWork, user_id: int) -> StaffAccount | None:
    row = uow.session.get(StaffUser, user_id)
    return None if row is None else _account(row)


def users(uow: UnitOfWork, role: str | None = None, area_slug: str | None = None):
    query = select(StaffUser).order_by(StaffUser.role, StaffUser.name)
    if role:
        query = query.where(StaffUser.role == role)
    if area_slug:
        query = query.where(StaffUser.area_slug == area_slug)
    return [_account(r) for r in uow.session.scalars(query)]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(uow: UnitOfWork, name: str, created_by: str) -> str:
    """A new token for another system; returned once, only its hash is kept."""
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError("token_name_length")
    if uow.session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise AccountError("token_name_taken")
    token = "mara_" + secrets.token_urlsafe(32)
    uow.session.add(
        ApiToken(
            name=name, token_hash=_token_hash(token), created_by=created_by, created_at=utcnow()
        )
    )
    return token


def verify_api_token(uow: UnitOfWork, token: str) -> str | None:
    """The token's name when it is valid and not revoked."""
    if not token:
        return None
    row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return row.name


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def api_tokens(uow: UnitOfWork) -> list[TokenView]:
    return [
        TokenView(t.id, t.name, t.created_by, t.created_at, t.last_used_at, t.revoked_at)
        for t in uow.session.scalars(select(ApiToken).order_by(ApiToken.name))
    ]


def revoke_api_token(uow: UnitOfWork, token_id: int) -> None:
    row = uow.session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
