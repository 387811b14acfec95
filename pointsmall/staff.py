"""Staff accounts, roles and permissions, and logging in.

Permissions are checked here in the core, by every mutating service, not
only by hiding buttons in the client. Secrets (passwords or PINs) are hashed
with argon2id; five failed logins lock an account for five minutes.
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .clock import utc_now
from .db import Database
from .errors import AccountLocked, AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationError
from .ids import new_id
from .models import AuditHead, Staff, Store

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=5)
MIN_SECRET_LENGTH = 6
SYSTEM_USERNAME = "system"

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


class Role(str, enum.Enum):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    ADMIN = "admin"


class Permission(str, enum.Enum):
    MEMBER_VIEW = "view members"
    MEMBER_CREATE = "register members"
    MEMBER_EDIT = "edit members"
    MEMBER_FREEZE = "freeze or unfreeze members"
    PHONE_VIEW_FULL = "see full phone numbers"
    POINTS_EARN = "award points for purchases"
    POINTS_REFUND = "refund purchases"
    POINTS_ADJUST = "adjust points"
    POINTS_APPROVE = "approve large adjustments"
    POINTS_BULK_IMPORT = "import bulk adjustments"
    POINTS_EXPIRE = "run point expiry"
    REVIEW_RESOLVE = "clear review flags"
    TIER_MANUAL_SET = "set a member's tier by hand"
    TIER_CONFIGURE = "configure tiers"
    TIER_EVALUATE = "run the tier evaluation"
    CAMPAIGN_CONFIGURE = "configure campaigns"
    RULES_CONFIGURE = "configure earning rules"
    STAFF_MANAGE = "manage staff accounts"
    REDEEM = "redeem catalog items"
    VOUCHER_WRITE_OFF = "write off vouchers"
    REDEMPTION_CANCEL = "cancel redemptions"
    CATALOG_MANAGE = "manage the catalog"
    STOCK_MANAGE = "record stock changes"
    SIGN_IN = "sign members in"
    WHEEL_SPIN = "spin the wheel for members"
    GAMES_CONFIGURE = "configure sign-in and wheels"
    TASK_CLAIM = "record completed tasks"
    TASK_CONFIGURE = "configure tasks"
    RISK_CONFIGURE = "configure abuse rules"
    REVIEW_VIEW = "see the review queue"


_CASHIER = {
    Permission.MEMBER_VIEW,
    Permission.MEMBER_CREATE,
    Permission.MEMBER_EDIT,
    Permission.POINTS_EARN,
    Permission.REDEEM,
    Permission.VOUCHER_WRITE_OFF,
    Permission.SIGN_IN,
    Permission.WHEEL_SPIN,
    Permission.TASK_CLAIM,
}
_SUPERVISOR = _CASHIER | {
    Permission.REDEMPTION_CANCEL,
    Permission.STOCK_MANAGE,
    Permission.MEMBER_FREEZE,
    Permission.PHONE_VIEW_FULL,
    Permission.POINTS_REFUND,
    Permission.POINTS_ADJUST,
    Permission.POINTS_APPROVE,
    Permission.REVIEW_RESOLVE,
    Permission.REVIEW_VIEW,
}
_OPERATOR = {
    Permission.MEMBER_VIEW,
    Permission.PHONE_VIEW_FULL,
    Permission.POINTS_BULK_IMPORT,
    Permission.POINTS_EXPIRE,
    Permission.TIER_MANUAL_SET,
    Permission.TIER_CONFIGURE,
    Permission.TIER_EVALUATE,
    Permission.CAMPAIGN_CONFIGURE,
    Permission.RULES_CONFIGURE,
    Permission.CATALOG_MANAGE,
    Permission.STOCK_MANAGE,
    Permission.GAMES_CONFIGURE,
    Permission.TASK_CONFIGURE,
    Permission.RISK_CONFIGURE,
    Permission.REVIEW_VIEW,
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset(_CASHIER),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Actor:
    """Who is doing something, and where: passed to every service."""

    staff_id: uuid.UUID
    username: str
    display_name: str
    role: Role
    store_id: str
    store_name: str
    store_tz: str

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


@dataclass(frozen=True)
class StaffView:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    store_id: str
    active: bool
    locked_until: datetime | None


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise PermissionDenied(role=actor.role.value, action=permission.value)


def hash_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValidationError(
            "A password or PIN needs at least {n} characters.", field="secret", n=MIN_SECRET_LENGTH
        )
    return _hasher.hash(secret)


def _verify(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def actor_for(session: Session, staff: Staff) -> Actor:
    store = session.get(Store, staff.store_id)
    assert store is not None
    return Actor(staff.id, staff.username, staff.display_name, Role(staff.role), store.id, store.name, store.timezone)


def system_actor(session: Session) -> Actor:
    """The built-in account that command-line jobs (expiry, evaluation) act as."""
    staff = session.scalars(select(Staff).where(Staff.username == SYSTEM_USERNAME)).one()
    return actor_for(session, staff)


def _check_secret(session: Session, username: str, secret: str, now: datetime) -> tuple[Staff, bool]:
    """Verify a secret, counting failures and locking.

    Raises for an unknown or locked account; returns ``(staff, False)`` for a
    wrong secret so the caller can commit the failure count before refusing.
    """
    staff = session.scalars(
        select(Staff).where(func.lower(Staff.username) == username.strip().lower()).with_for_update()
    ).one_or_none()
    if staff is None or not staff.active or staff.username == SYSTEM_USERNAME:
        raise AuthenticationFailed()
    if staff.locked_until is not None and staff.locked_until > now:
        minutes = max(1, -(-int((staff.locked_until - now).total_seconds()) // 60))
        raise AccountLocked(minutes=minutes)
    if not _verify(staff.secret_hash, secret):
        staff.failed_logins += 1
        if staff.failed_logins >= MAX_FAILED_LOGINS:
            staff.failed_logins = 0
            staff.locked_until = now + LOCK_DURATION
            audit.record(session, actor_for(session, staff), "staff.locked", "staff", staff.id, None,
                         {"locked_until": staff.locked_until.isoformat()}, now)
        return staff, False
    if _hasher.check_needs_rehash(staff.secret_hash):
        staff.secret_hash = _hasher.hash(secret)
    staff.failed_logins = 0
    staff.locked_until = None
    return staff, True


def authenticate(db: Database, username: str, secret: str, now: datetime | None = None) -> Actor:
    """Log in. The failure count is committed even though the login is refused."""
    now = now or utc_now()
    with db.write() as session:
        staff, ok = _check_secret(session, username, secret, now)
        actor = actor_for(session, staff)
    if not ok:
        raise AuthenticationFailed()
    return actor


def verify_approver(session: Session, username: str, secret: str, permission: Permission, now: datetime) -> Actor:
    """A second staff member confirms in the same transaction as the change.

    A wrong secret still counts towards that account's lock-out; that count
    is lost with the refused change's rollback, so it is committed separately
    by ``authenticate`` when the client checks the approver first.
    """
    staff, ok = _check_secret(session, username, secret, now)
    if not ok:
        raise AuthenticationFailed()
    approver = actor_for(session, staff)
    require(approver, permission)
    return approver


def create_staff(db: Database, actor: Actor, *, username: str, display_name: str, role: Role | str,
                 secret: str, store_id: str | None = None) -> StaffView:
    require(actor, Permission.STAFF_MANAGE)
    # Stored in lower case so that the unique constraint, not only a check, keeps "Wang" and "wang" apart.
    username = username.strip().lower()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationError("A user name is 1 to 64 characters without spaces.", field="username")
    if username.lower() == SYSTEM_USERNAME:
        raise ValidationError("That user name is reserved.", field="username")
    display_name = display_name.strip() or username
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError("Unknown role: {role}", field="role", role=role) from None
    secret_hash = hash_secret(secret)
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "staff")  # head office's data: a replica's edit would be overwritten
        taken = session.scalar(select(Staff.id).where(func.lower(Staff.username) == username.lower()))
        if taken is not None:
            raise Conflict("The user name {username} is taken.", username=username)
        store_id = store_id or actor.store_id
        if session.get(Store, store_id) is None:
            raise NotFound("No store with code {store}.", store=store_id)
        staff = Staff(id=new_id(), username=username, display_name=display_name, role=role.value,
                      secret_hash=secret_hash, store_id=store_id, active=True, failed_logins=0,
                      locked_until=None, created_at=now)
        session.add(staff)
        session.flush()
        session.add(AuditHead(staff_id=staff.id, seq=0, hash=audit.GENESIS))  # the new account's own chain
        audit.record(session, actor, "staff.create", "staff", staff.id, None,
                     {"username": username, "role": role.value, "store": store_id}, now)
        return _view(staff)


def update_staff(db: Database, actor: Actor, staff_id: uuid.UUID, *, role: Role | str | None = None,
                 active: bool | None = None, secret: str | None = None,
                 display_name: str | None = None) -> StaffView:
    require(actor, Permission.STAFF_MANAGE)
    new_hash = hash_secret(secret) if secret is not None else None
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "staff")  # head office's data: a replica's edit would be overwritten
        staff = session.get(Staff, staff_id, with_for_update=True)
        if staff is None or staff.username == SYSTEM_USERNAME:
            raise NotFound("No such staff account.")
        before = {"role": staff.role, "active": staff.active, "display_name": staff.display_name}
        if role is not None:
            try:
                staff.role = Role(role).value
            except ValueError:
                raise ValidationError("Unknown role: {role}", field="role", role=role) from None
        if staff.id == actor.staff_id and (staff.role != Role.ADMIN.value or active is False):
            raise ValidationError("You cannot remove your own administrator access.", field="role")
        if active is not None:
            staff.active = active
        if display_name is not None and display_name.strip():
            staff.display_name = display_name.strip()
        if new_hash is not None:
            staff.secret_hash = new_hash
            staff.failed_logins = 0
            staff.locked_until = None
        after = {"role": staff.role, "active": staff.active, "display_name": staff.display_name,
                 "secret_changed": new_hash is not None}
        audit.record(session, actor, "staff.update", "staff", staff.id, before, after, now)
        return _view(staff)


def list_staff(session: Session) -> list[StaffView]:
    rows = session.scalars(select(Staff).where(Staff.username != SYSTEM_USERNAME).order_by(Staff.username))
    return [_view(s) for s in rows]


@dataclass(frozen=True)
class StoreView:
    id: str
    name: str
    timezone: str


def list_stores(session: Session) -> list[StoreView]:
    """The stores a staff account can belong to, by code."""
    return [StoreView(s.id, s.name, s.timezone) for s in session.scalars(select(Store).order_by(Store.id))]


def has_login_accounts(session: Session) -> bool:
    return session.scalar(
        select(func.count()).select_from(Staff).where(Staff.username != SYSTEM_USERNAME, Staff.active)
    ) > 0


def _view(staff: Staff) -> StaffView:
    return StaffView(staff.id, staff.username, staff.display_name, Role(staff.role), staff.store_id,
                     staff.active, staff.locked_until)
