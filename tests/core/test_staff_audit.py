"""Staff: hashing, lock-out, permissions on every mutating service; adjustments; the audit chain."""
from __future__ import annotations

import ast
import importlib
import importlib.util
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import select, text

import pointsmall
from pointsmall import (adjustments, audit, campaigns, check, ledger, members, purchases, rules, staff,
                        tiers)
from pointsmall.adjustments import Approval
from pointsmall.errors import (AccountLocked, ApprovalRequired, AuthenticationFailed, Conflict,
                               InsufficientPoints, PermissionDenied, ValidationError)
from pointsmall.models import AuditRecord, PointEntry, Staff
from pointsmall.staff import Actor, Permission, Role, ROLE_PERMISSIONS

from ..conftest import STAFF_SECRET, make_actor
from .support import (assert_clean, at, audit_count, drop_append_only_trigger, entries, last_audit, member_row,
                      new_member, row_counts, unique_phone)

HAS_BULK_IMPORT = importlib.util.find_spec("pointsmall.bulk_import") is not None
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def staff_row(db, username) -> Staff:
    with db.read() as session:
        row = session.scalars(select(Staff).where(Staff.username == username)).one()
        session.expunge(row)
        return row


# -- accounts and logging in --------------------------------------------------

def test_secrets_are_stored_as_argon2id_hashes(db, system):
    view = staff.create_staff(db, system, username="li.na", display_name="李娜", role="cashier",
                              secret="pin-123456")
    row = staff_row(db, "li.na")
    assert row.secret_hash.startswith("$argon2id$")
    assert "pin-123456" not in row.secret_hash
    assert (view.role, view.store_id, view.active) == (Role.CASHIER, "S001", True)
    actor = staff.authenticate(db, "LI.NA", "pin-123456")  # user names are not case-sensitive
    assert (actor.staff_id, actor.role, actor.store_id, actor.store_tz) == (view.id, Role.CASHIER, "S001",
                                                                           "Asia/Shanghai")


def test_the_default_hasher_is_argon2id():
    from argon2 import PasswordHasher, Type

    assert PasswordHasher().type is Type.ID


def test_short_secrets_and_bad_user_names_are_refused(db, system):
    before = row_counts(db)
    for kwargs in ({"username": "ab", "secret": "12345"}, {"username": "a b", "secret": "123456"},
                   {"username": "system", "secret": "123456"}, {"username": "x", "secret": "123456",
                                                                "role": "boss"}):
        with pytest.raises(ValidationError):
            staff.create_staff(db, system, **{"display_name": "x", "role": "cashier", **kwargs})
    assert row_counts(db) == before
    staff.create_staff(db, system, username="wang", display_name="王", role="cashier", secret="123456")
    with pytest.raises(Conflict):
        staff.create_staff(db, system, username="WANG", display_name="王", role="cashier", secret="123456")


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(db, cashier, system):
    with pytest.raises(AuthenticationFailed) as wrong:
        staff.authenticate(db, cashier.username, "not-the-secret")
    with pytest.raises(AuthenticationFailed) as unknown:
        staff.authenticate(db, "nobody-here", "not-the-secret")
    with pytest.raises(AuthenticationFailed) as built_in:
        staff.authenticate(db, "system", "!")
    assert wrong.value.message == unknown.value.message == built_in.value.message == "Wrong user name or password."
    staff.update_staff(db, system, cashier.staff_id, active=False)
    with pytest.raises(AuthenticationFailed) as inactive:
        staff.authenticate(db, cashier.username, STAFF_SECRET)
    assert inactive.value.message == wrong.value.message


def test_five_failed_logins_lock_the_account_for_five_minutes(db, cashier):
    name = cashier.username
    for i in range(4):
        with pytest.raises(AuthenticationFailed):
            staff.authenticate(db, name, "wrong", now=T0 + timedelta(seconds=i))
    assert staff_row(db, name).failed_logins == 4  # counted although every login was refused
    audits = audit_count(db)
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(db, name, "wrong", now=T0 + timedelta(seconds=4))
    row = staff_row(db, name)
    assert row.locked_until == T0 + timedelta(seconds=4) + timedelta(minutes=5)
    assert audit_count(db) == audits + 1 and last_audit(db).action == "staff.locked"

    # The right password does not help while locked.
    with pytest.raises(AccountLocked) as locked:
        staff.authenticate(db, name, STAFF_SECRET, now=T0 + timedelta(minutes=1))
    assert locked.value.params["minutes"] == 5  # 4 min 4 s, rounded up
    with pytest.raises(AccountLocked) as locked:
        staff.authenticate(db, name, STAFF_SECRET, now=T0 + timedelta(minutes=5))
    assert locked.value.params["minutes"] == 1

    actor = staff.authenticate(db, name, STAFF_SECRET, now=T0 + timedelta(minutes=5, seconds=4))
    assert actor.staff_id == cashier.staff_id
    row = staff_row(db, name)
    assert (row.failed_logins, row.locked_until) == (0, None)


def test_a_successful_login_resets_the_count(db, cashier):
    for i in range(4):
        with pytest.raises(AuthenticationFailed):
            staff.authenticate(db, cashier.username, "wrong", now=T0)
    staff.authenticate(db, cashier.username, STAFF_SECRET, now=T0)
    for i in range(4):
        with pytest.raises(AuthenticationFailed):
            staff.authenticate(db, cashier.username, "wrong", now=T0)
    staff.authenticate(db, cashier.username, STAFF_SECRET, now=T0)


def test_an_admin_resets_a_locked_password_and_cannot_demote_themself(db, admin, cashier):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            staff.authenticate(db, cashier.username, "wrong")
    staff.update_staff(db, admin, cashier.staff_id, secret="new-secret-1")
    assert staff.authenticate(db, cashier.username, "new-secret-1").staff_id == cashier.staff_id
    with pytest.raises(ValidationError):
        staff.update_staff(db, admin, admin.staff_id, role="cashier")
    with pytest.raises(ValidationError):
        staff.update_staff(db, admin, admin.staff_id, active=False)
    assert staff_row(db, admin.username).role == "admin"


# -- every mutating service, as every role ------------------------------------

class World:
    """What the services act on, made by the built-in account."""

    def __init__(self, db, system: Actor) -> None:
        self.db, self.system = db, system
        self.member = new_member(db, system, name="张三")
        self.to_freeze = new_member(db, system, name="李四")
        self.expiring = new_member(db, system, name="王五")
        purchases.award_for_purchase(db, system, member_id=self.member.id, receipt_no="W-1", amount_fen=100_000)
        purchases.award_for_purchase(db, system, member_id=self.expiring.id, receipt_no="W-OLD",
                                     amount_fen=10_000, now=at(date.today() - timedelta(days=3 * 366)))
        self.other_staff = staff.create_staff(db, system, username="target", display_name="Target",
                                              role="cashier", secret="target-1")
        self.n = 0

    def unique(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n}"


def _import_csv(w: World) -> bytes:
    phone = member_row(w.db, w.member.id).phone
    return f"phone,points,reason_category,note\n{phone},5,goodwill,{w.unique('bulk')}\n".encode()


# (service, the permission it needs, a call with valid arguments, the audit action it leaves)
SERVICES: list[tuple[str, Permission, Callable[[World, Actor], object], str]] = [
    ("members.create_member", Permission.MEMBER_CREATE,
     lambda w, a: members.create_member(w.db, a, name="新会员", phone=unique_phone()), "member.create"),
    ("members.update_member", Permission.MEMBER_EDIT,
     lambda w, a: members.update_member(w.db, a, w.member.id, name=w.unique("张三")), "member.update"),
    ("members.set_status", Permission.MEMBER_FREEZE,
     lambda w, a: members.set_status(w.db, a, w.to_freeze.id, "frozen", reason="lost card"), "member.status"),
    ("members.resolve_review", Permission.REVIEW_RESOLVE,
     lambda w, a: members.resolve_review(w.db, a, w.member.id, note="checked the receipts"),
     "member.review_resolved"),
    ("purchases.award_for_purchase", Permission.POINTS_EARN,
     lambda w, a: purchases.award_for_purchase(w.db, a, member_id=w.member.id, receipt_no=w.unique("R"),
                                               amount_fen=1_000), "points.earn"),
    ("purchases.refund_purchase", Permission.POINTS_REFUND,
     lambda w, a: purchases.refund_purchase(w.db, a, receipt_no="W-1", refund_no=w.unique("F"), amount_fen=100),
     "points.refund"),
    ("adjustments.adjust_points", Permission.POINTS_ADJUST,
     lambda w, a: adjustments.adjust_points(w.db, a, member_id=w.member.id, points=10, reason_category="goodwill",
                                            note="waited too long"), "points.adjust"),
    ("tiers.set_manual_tier", Permission.TIER_MANUAL_SET,
     lambda w, a: tiers.set_manual_tier(w.db, a, w.member.id, "gold", reason="VIP guest",
                                        until=date.today() + timedelta(days=30)), "member.tier_manual"),
    ("tiers.evaluate", Permission.TIER_EVALUATE,
     lambda w, a: tiers.evaluate(w.db, a, as_of=date.today()), "tiers.evaluate"),
    ("tiers.update_tier", Permission.TIER_CONFIGURE,
     lambda w, a: tiers.update_tier(w.db, a, "gold", benefits_en=w.unique("benefits")), "tier.update"),
    ("campaigns.save_campaign", Permission.CAMPAIGN_CONFIGURE,
     lambda w, a: campaigns.save_campaign(w.db, a, name="双11", starts_on=date(2026, 11, 1),
                                          ends_on=date(2026, 11, 11), multiplier_permille=5000,
                                          tier_codes=("gold",)), "campaign.save"),
    ("rules.update_rules", Permission.RULES_CONFIGURE,
     lambda w, a: rules.update_rules(w.db, a, adjust_limit=600), "rules.update"),
    ("staff.create_staff", Permission.STAFF_MANAGE,
     lambda w, a: staff.create_staff(w.db, a, username=w.unique("new"), display_name="New", role="cashier",
                                     secret="secret-9"), "staff.create"),
    ("staff.update_staff", Permission.STAFF_MANAGE,
     lambda w, a: staff.update_staff(w.db, a, w.other_staff.id, display_name=w.unique("Renamed")),
     "staff.update"),
    ("ledger.expire_lots", Permission.POINTS_EXPIRE,
     lambda w, a: ledger.expire_lots(w.db, a, as_of=date.today()), "points.expire"),
]
if HAS_BULK_IMPORT:
    from pointsmall import bulk_import

    SERVICES.append(
        ("bulk_import.import_adjustments", Permission.POINTS_BULK_IMPORT,
         lambda w, a: bulk_import.import_adjustments(w.db, a, _import_csv(w), "adjust.csv"), "points.import"))


@pytest.mark.parametrize("role", list(Role))
def test_every_mutating_service_checks_the_role(db, system, role):
    world = World(db, system)
    actor = make_actor(db, role)
    allowed = ROLE_PERMISSIONS[role]
    for name, permission, call, action in SERVICES:
        before = row_counts(db)
        if permission in allowed:
            call(world, actor)
            assert audit_count(db) > before["audit_log"], f"{name} as {role.value} left no audit record"
            actions = _actions_since(db, before["audit_log"])
            assert action in actions, f"{name} as {role.value} recorded {actions}"
            assert all(r == actor.staff_id for r in _staff_since(db, before["audit_log"]))
        else:
            with pytest.raises(PermissionDenied) as err:
                call(world, actor)
            assert role.value in err.value.message and permission.value in err.value.message
            assert row_counts(db) == before, f"{name} as {role.value} wrote something before refusing"
    assert_clean(db)


def _actions_since(db, count: int) -> list[str]:
    """Actions of the records after the first ``count`` (UUIDv7 ids sort by time across the per-staff chains)."""
    with db.read() as session:
        return list(session.scalars(select(AuditRecord.action).order_by(AuditRecord.id).offset(count)))


def _staff_since(db, count: int) -> list[uuid.UUID]:
    with db.read() as session:
        return list(session.scalars(select(AuditRecord.staff_id).order_by(AuditRecord.id).offset(count)))


CORE_SERVICE_MODULES = ("members", "purchases", "adjustments", "tiers", "campaigns", "rules", "staff", "ledger",
                        "bulk_import")
READ_ONLY = {Permission.MEMBER_VIEW}


def test_the_table_lists_every_service_that_checks_a_mutating_permission():
    """A new service in these modules must be added to SERVICES above."""
    root = Path(pointsmall.__file__).parent
    found = set()
    for module in CORE_SERVICE_MODULES:
        path = root / f"{module}.py"
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for call in ast.walk(node):
                    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "require"
                            and isinstance(call.args[1], ast.Attribute)
                            and Permission[call.args[1].attr] not in READ_ONLY):
                        found.add(f"{module}.{node.name}")
    assert found == {name for name, *_ in SERVICES}


def test_the_permission_table_matches_the_roles_the_domain_describes():
    cashier, supervisor, operator = (ROLE_PERMISSIONS[r] for r in (Role.CASHIER, Role.SUPERVISOR, Role.OPERATOR))
    assert cashier < supervisor  # a supervisor does everything a cashier does
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert Permission.POINTS_ADJUST not in cashier and Permission.PHONE_VIEW_FULL not in cashier
    assert Permission.STAFF_MANAGE not in supervisor | operator
    assert Permission.POINTS_EARN not in operator  # operators do not work the till


# -- adjustments --------------------------------------------------------------

@pytest.fixture
def rich_member(db, system):
    m = new_member(db, system)
    purchases.award_for_purchase(db, system, member_id=m.id, receipt_no="R-1", amount_fen=200_000)  # 2,000 points
    return m


def adjust(db, actor, member, points, approval=None, note="goodwill for a late delivery", **kw):
    return adjustments.adjust_points(db, actor, member_id=member.id, points=points, reason_category="goodwill",
                                     note=note, approval=approval, **kw)


def test_a_large_adjustment_needs_a_second_supervisors_password(db, supervisor, cashier, operator, rich_member):
    second = make_actor(db, Role.SUPERVISOR)
    before = row_counts(db)
    with pytest.raises(ApprovalRequired) as err:
        adjust(db, supervisor, rich_member, 501)
    assert "500" in err.value.message
    with pytest.raises(ValidationError) as err:
        adjust(db, supervisor, rich_member, 501, Approval(supervisor.username, STAFF_SECRET))
    assert err.value.field == "approver"
    with pytest.raises(PermissionDenied):
        adjust(db, supervisor, rich_member, 501, Approval(cashier.username, STAFF_SECRET))
    with pytest.raises(PermissionDenied):
        adjust(db, supervisor, rich_member, -501, Approval(operator.username, STAFF_SECRET))
    with pytest.raises(AuthenticationFailed):
        adjust(db, supervisor, rich_member, 501, Approval(second.username, "wrong-password"))
    assert row_counts(db) == before
    assert member_row(db, rich_member.id).balance == 2000

    result = adjust(db, supervisor, rich_member, 501, Approval(second.username, STAFF_SECRET))
    assert (result.points, result.balance, result.approved_by) == (501, 2501, second.display_name)
    entry = entries(db, rich_member.id)[-1]
    assert (entry.staff_id, entry.approved_by) == (supervisor.staff_id, second.staff_id)
    assert '"approved_by":"%s"' % second.username in last_audit(db).after
    # Exactly at the limit needs nobody; a negative one above it does.
    adjust(db, supervisor, rich_member, 500)
    adjust(db, supervisor, rich_member, -500)
    with pytest.raises(ApprovalRequired):
        adjust(db, supervisor, rich_member, -501)
    assert_clean(db)


def test_wrong_approver_passwords_count_towards_the_approvers_lock_out(db, supervisor, rich_member):
    """Bug: a wrong approver password was counted inside the adjustment's
    transaction, which the refusal rolled back, so the approval box allowed
    unlimited guesses at another supervisor's password."""
    second = make_actor(db, Role.SUPERVISOR)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            adjust(db, supervisor, rich_member, 600, Approval(second.username, "guess"))
    with pytest.raises(AccountLocked):
        adjust(db, supervisor, rich_member, 600, Approval(second.username, STAFF_SECRET))
    with pytest.raises(AccountLocked):
        staff.authenticate(db, second.username, STAFF_SECRET)
    assert member_row(db, rich_member.id).balance == 2000


INVALID_ADJUSTMENTS = [
    (10, "goodwill", "", "note"),
    (10, "goodwill", "   ", "note"),
    (10, "goodwill", "x", "note"),
    (10, "goodwill", "x" * 501, "note"),
    (10, "because", "a fine note", "reason_category"),
    (0, "goodwill", "a fine note", "points"),
    (1_000_001, "goodwill", "a fine note", "points"),
]


def test_an_adjustment_needs_points_a_category_and_a_note(db, supervisor, rich_member):
    before = row_counts(db)
    for points, category, note, field in INVALID_ADJUSTMENTS:
        with pytest.raises(ValidationError) as err:
            adjustments.adjust_points(db, supervisor, member_id=rich_member.id, points=points,
                                      reason_category=category, note=note)
        assert err.value.field == field
    assert row_counts(db) == before


def test_a_negative_adjustment_cannot_take_the_balance_below_zero(db, supervisor, rich_member):
    for points in (-500, -500, -500, -100):
        adjust(db, supervisor, rich_member, points)
    before = row_counts(db)
    with pytest.raises(InsufficientPoints) as err:
        adjust(db, supervisor, rich_member, -401)
    assert "the balance is 400, 1 more" in err.value.message
    assert row_counts(db) == before
    assert adjust(db, supervisor, rich_member, -400).balance == 0
    assert_clean(db)


def test_a_retried_adjustment_request_applies_once(db, supervisor, rich_member):
    first = adjust(db, supervisor, rich_member, 50, request_id="req-1")
    before = row_counts(db)
    again = adjust(db, supervisor, rich_member, 50, request_id="req-1")
    assert (again.repeated, again.entry_id, again.balance) == (True, first.entry_id, 2050)
    assert row_counts(db) == before
    with pytest.raises(Conflict):
        adjust(db, supervisor, rich_member, 60, request_id="req-1")


# -- the audit chain -----------------------------------------------------------

def test_audit_records_say_who_did_what_with_before_and_after(db, supervisor, rich_member):
    adjust(db, supervisor, rich_member, 42, note="birthday gift")
    rec = last_audit(db)
    assert (rec.action, rec.entity, rec.entity_id, rec.staff_id, rec.store_id) == (
        "points.adjust", "member", str(rich_member.id), supervisor.staff_id, "S001")
    assert rec.before == '{"balance":2000}'
    assert '"points":42' in rec.after and "birthday gift" in rec.after
    with db.read() as session:
        views = audit.records_for(session, rich_member.id)
        assert views[0].action == "points.adjust"
        assert audit.verify_chain(session) == []


def test_expiry_leaves_an_audit_record(db, system, operator):
    """Bug: ledger.expire_lots took points from members without an audit record."""
    m = new_member(db, system)
    purchases.award_for_purchase(db, system, member_id=m.id, receipt_no="OLD", amount_fen=10_000,
                                 now=at(date(2023, 1, 10)))
    before = audit_count(db)
    ledger.expire_lots(db, operator, as_of=date(2025, 2, 1))
    assert audit_count(db) == before + 1
    rec = last_audit(db)
    assert (rec.action, rec.entity_id, rec.staff_id) == ("points.expire", str(m.id), operator.staff_id)
    assert '"points":-100' in rec.after
    assert_clean(db)


def _tamper(db, staff_id, seq: int, statement: str, **params: object) -> None:
    drop_append_only_trigger(db, "audit_log")
    with db.write() as session:
        session.execute(text(statement + " AND staff_id = :staff"),
                        {"seq": seq, "staff": staff_id.hex if db.dialect == "sqlite" else staff_id, **params})


def test_editing_an_audit_record_is_detected(db, supervisor, rich_member):
    for points in (10, 20, 30):
        adjust(db, supervisor, rich_member, points)
    assert_clean(db)
    chain = supervisor.staff_id
    target = last_audit(db).seq - 1
    _tamper(db, chain, target, 'UPDATE audit_log SET "after" = :after WHERE seq = :seq', after='{"balance":999999}')
    with db.read() as session:
        assert audit.verify_chain(session) == [f"audit chain of {chain}: record {target} was altered"]
    report = check.run_check(db)
    assert not report.ok
    assert report.problems == [f"audit chain of {chain}: record {target} was altered"]


def test_removing_an_audit_record_is_detected(db, supervisor, rich_member):
    for points in (10, 20, 30):
        adjust(db, supervisor, rich_member, points)
    chain = supervisor.staff_id
    target = last_audit(db).seq - 1
    _tamper(db, chain, target, "DELETE FROM audit_log WHERE seq = :seq")
    problems = check.run_check(db).problems
    assert f"audit chain of {chain}: record {target} is missing" in problems
    assert f"audit chain of {chain}: record {target + 1} was altered" in problems


def test_removing_the_newest_audit_record_is_detected(db, supervisor, rich_member):
    adjust(db, supervisor, rich_member, 10)
    chain = supervisor.staff_id
    _tamper(db, chain, last_audit(db).seq, "DELETE FROM audit_log WHERE seq = :seq")
    assert check.run_check(db).problems == [f"audit chain of {chain}: the head does not match the last record"]
