"""Head office's data is never edited on an offline store's replica, where the next pull would overwrite it (issue 6).

Every service that writes a table the pull overwrites (``pull.MIRRORED``) is
called on a real replica: each is refused in words, and no statement that
writes a mirrored table reaches the database (a cursor listener watches every
INSERT, UPDATE and DELETE). A second test keeps the list honest: each table
the pull overwrites has a guarded writer here or is named as a fact the
replica sends up, so a table added to the pull without a guard fails it.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from pointsmall import (campaigns, catalog, catalog_io, members, reviews, risk, rules, signin, staff, tasks, tiers,
                        wheel_setup)
from pointsmall.clock import utc_now
from pointsmall.db import Database
from pointsmall.errors import DomainError
from pointsmall.models import Tier
from pointsmall.sync import FACT_TABLES, FloorLimits, set_limits
from pointsmall.sync import guard
from pointsmall.sync.pull import MIRRORED

from .games_support import simple_wheel
from .mall_support import draft
from .sync_support import chain  # noqa: F401 - fixture
from .sync_support import SECRET, Chain, chain_item, chain_member, new_store, open_replica

# Mirrored tables a replica writes itself, as facts it sends up (capture.FACT_TABLES) or that only move with a
# guarded member edit (test_sync_member_edits.py).
SENT_UP_OR_MEMBER_EDIT = {"members", "point_lots", "member_search_terms"}
_WRITE = re.compile(r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


@dataclass
class Given:
    item: uuid.UUID
    wheel: uuid.UUID
    task: uuid.UUID
    rule: uuid.UUID
    campaign: uuid.UUID
    case: uuid.UUID
    staff_id: uuid.UUID
    tier: str
    member: uuid.UUID


@dataclass
class Writer:
    area: str
    tables: tuple[str, ...]  # the mirrored tables the service writes
    call: Callable[[Database, staff.Actor, Given], object]


WRITERS: dict[str, Writer] = {
    "catalog.save_item (new)": Writer("catalog", ("catalog_items",),
                                      lambda db, a, g: catalog.save_item(db, a, draft())),
    "catalog.save_item (edit)": Writer("catalog", ("catalog_items",),
                                       lambda db, a, g: catalog.save_item(db, a, draft(name="改名 renamed"), g.item)),
    "catalog.set_active": Writer("catalog", ("catalog_items",),
                                 lambda db, a, g: catalog.set_active(db, a, g.item, False)),
    "catalog.set_image": Writer("catalog", ("catalog_items", "item_images"),
                                lambda db, a, g: catalog.set_image(db, a, g.item, _png())),
    "catalog_io.import_catalog": Writer("catalog", ("catalog_items",), lambda db, a, g: catalog_io.import_catalog(
        db, a, "目录.csv", _CSV)),
    "campaigns.save_campaign": Writer("campaigns", ("campaigns",), lambda db, a, g: campaigns.save_campaign(
        db, a, name="双倍积分", starts_on=date.today(), ends_on=date.today() + timedelta(days=7),
        multiplier_permille=2000)),
    "campaigns.save_campaign (edit)": Writer("campaigns", ("campaigns",), lambda db, a, g: campaigns.save_campaign(
        db, a, name="三倍积分", starts_on=date.today(), ends_on=date.today() + timedelta(days=7),
        multiplier_permille=3000, campaign_id=g.campaign)),
    "rules.update_rules": Writer("rules", ("settings",), lambda db, a, g: rules.update_rules(db, a, cancel_days=3)),
    "sync.set_limits": Writer("rules", ("settings",), lambda db, a, g: set_limits(
        db, a, FloorLimits(member_day_cap=100_000, store_outage_cap=None))),
    "tiers.update_tier": Writer("tiers", ("tiers",), lambda db, a, g: tiers.update_tier(db, a, g.tier, name_zh="新名")),
    "wheel_setup.save_wheel (new)": Writer("games", ("wheels", "wheel_versions", "wheel_segments"),
                                           lambda db, a, g: wheel_setup.save_wheel(db, a, simple_wheel())),
    "wheel_setup.save_wheel (version)": Writer("games", ("wheels", "wheel_versions", "wheel_segments"),
                                               lambda db, a, g: wheel_setup.save_wheel(
                                                   db, a, simple_wheel(cost_points=20), wheel_id=g.wheel)),
    "wheel_setup.set_wheel_active": Writer("games", ("wheels",),
                                           lambda db, a, g: wheel_setup.set_wheel_active(db, a, g.wheel, False)),
    "signin.update_signin_rules": Writer("games", ("settings",),
                                         lambda db, a, g: signin.update_signin_rules(db, a, makeup_cost=7)),
    "tasks.create_task": Writer("games", ("tasks",), lambda db, a, g: tasks.create_task(db, a, _task())),
    "tasks.update_task": Writer("games", ("tasks",), lambda db, a, g: tasks.update_task(db, a, g.task, _task(9))),
    "tasks.set_task_active": Writer("games", ("tasks",), lambda db, a, g: tasks.set_task_active(db, a, g.task, False)),
    "risk.create_rule": Writer("risk", ("risk_rules",), lambda db, a, g: risk.create_rule(db, a, _rule())),
    "risk.update_rule": Writer("risk", ("risk_rules",), lambda db, a, g: risk.update_rule(db, a, g.rule, _rule(5))),
    "risk.set_rule_active": Writer("risk", ("risk_rules",),
                                   lambda db, a, g: risk.set_rule_active(db, a, g.rule, False)),
    "staff.create_staff": Writer("staff", ("staff",), lambda db, a, g: staff.create_staff(
        db, a, username=f"new-{uuid.uuid4().hex[:6]}", display_name="新员工", role="cashier", secret=SECRET)),
    "staff.update_staff (password)": Writer("staff", ("staff",), lambda db, a, g: staff.update_staff(
        db, a, g.staff_id, secret="another-456")),
    "staff.update_staff (role)": Writer("staff", ("staff",), lambda db, a, g: staff.update_staff(
        db, a, g.staff_id, role="supervisor")),
    "reviews.decide": Writer("reviews", ("review_cases",),
                             lambda db, a, g: reviews.resolve(db, a, g.case, "已核实 checked")),
    "members.resolve_review": Writer("reviews", ("members",), lambda db, a, g: members.resolve_review(
        db, a, g.member, "已核实 checked")),
    "reviews.approve": Writer("reviews", ("review_cases",),
                              lambda db, a, g: reviews.approve(db, a, g.case, "已核实 checked")),
    # Head office's jobs: the month's claim comes first (an evaluation claimed on a replica would block nothing at
    # head office, and its tier changes would be overwritten by the pull); the scan's cases would stay local.
    # (Here no member's tier moves and no rule is active, so head office writes only the month's claim; the scan's
    # review_cases are a mirrored table, watched on the replica like every other.)
    "tiers.evaluate": Writer("tier_evaluation", ("tier_evaluations",), lambda db, a, g: tiers.evaluate(db, a)),
    "risk.scan": Writer("abuse_scan", (), lambda db, a, g: risk.scan(db, a)),
}
# Guarded elsewhere (test_sync_member_edits.py): members.update_member, members.set_status, tiers.set_manual_tier.
GUARDED_ELSEWHERE = {"members", "member_search_terms"}
# Written only at head office's database, never by a store's service: the store list.
HEAD_OFFICE_ONLY = {"stores"}


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


_CSV = ("编码,名称,分类,类型,积分,现金,面值,有效天数,不限量,每单限兑,每日限兑,每人限兑,最低等级,上架\r\n"
        "IMPORT-1,保温杯,家居,实物,800,12.30,,,否,2,1,,,是\r\n").encode("utf-8-sig")


def _task(points: int = 8) -> tasks.TaskDraft:
    return tasks.TaskDraft(name="到店打卡", kind="daily", trigger="visit", points=points)


def _rule(threshold: int = 2) -> risk.RiskRuleDraft:
    return risk.RiskRuleDraft(name="任务过快", metric="task_claims", window_minutes=60, threshold=threshold,
                              block_redeem=True)


@contextmanager
def _writes(db: Database) -> Iterator[list[str]]:
    """The tables every INSERT, UPDATE or DELETE sent to ``db`` names, while the block runs."""
    seen: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        found = _WRITE.match(statement)
        if found:
            seen.append(found.group(1).lower())

    engines = {db.write_engine, db.read_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", watch)


def _given(chain: Chain) -> Given:  # noqa: F811
    item = chain_item(chain, stock=3)
    wheel = wheel_setup.save_wheel(chain.db, chain.operator, simple_wheel()).id
    task = tasks.create_task(chain.db, chain.admin, _task()).id
    tasks.set_task_active(chain.db, chain.admin, task, False)  # configuration only: pays no one in other tests
    rule = risk.create_rule(chain.db, chain.admin, _rule()).id
    risk.set_rule_active(chain.db, chain.admin, rule, False)
    campaign = campaigns.save_campaign(chain.db, chain.admin, name="周末", starts_on=date.today(),
                                       ends_on=date.today() + timedelta(days=2), multiplier_permille=1500,
                                       active=False).id
    member_id = chain_member(chain, name="审核会员")
    with chain.db.write() as session:
        case = reviews.open_case(session, staff.system_actor(session), kind="double_spend", member_id=member_id,
                                 reason="两次 twice", now=utc_now()).id
        tier = session.scalars(select(Tier.code).order_by(Tier.rank)).first()
    made = staff.create_staff(chain.db, chain.admin, username=f"c-{uuid.uuid4().hex[:6]}", display_name="收银员",
                              role="cashier", secret=SECRET)
    return Given(item, wheel, task, rule, campaign, case, made.id, tier, member_id)


def test_every_head_office_writer_is_refused_on_the_replica_and_writes_nothing(chain, tmp_path):  # noqa: F811
    given = _given(chain)
    store = new_store(chain, "S07", tmp_path)
    admin = staff.authenticate(store.db, chain.admin.username, SECRET)  # head office's account, pulled
    mirrored_writes: dict[str, list[str]] = {}
    for name, writer in WRITERS.items():
        with _writes(store.db) as seen:
            with pytest.raises(DomainError) as refused:
                writer.call(store.db, admin, given)
        assert type(refused.value) is guard.REFUSALS[writer.area], (name, refused.value.message)
        assert "needs the connection to head office" in refused.value.message, name
        mirrored_writes[name] = [t for t in seen if t in MIRRORED or t == "audit_log" or t in writer.tables]
    assert mirrored_writes == {name: [] for name in WRITERS}
    # The same calls work at head office (online desktops), and the watch sees the tables each one writes there.
    for name, writer in WRITERS.items():
        if name == "reviews.approve":
            continue  # the case is decided once (by reviews.decide)
        with _writes(chain.db) as seen:
            writer.call(chain.db, chain.admin, given)
        assert set(writer.tables) <= set(seen), (name, seen)


def test_every_table_the_pull_overwrites_has_a_guarded_writer_or_is_a_fact():
    guarded = {table for writer in WRITERS.values() for table in writer.tables} | GUARDED_ELSEWHERE
    accounted = guarded | HEAD_OFFICE_ONLY | SENT_UP_OR_MEMBER_EDIT
    assert SENT_UP_OR_MEMBER_EDIT - GUARDED_ELSEWHERE <= set(FACT_TABLES)
    missing = sorted(set(MIRRORED) - accounted)
    assert missing == [], f"tables the pull overwrites with no guarded writer in WRITERS: {missing}"
    assert {w.area for w in WRITERS.values()} | {"profile", "status", "tier"} == set(guard.REFUSALS)


def test_a_standalone_database_is_never_refused(tmp_path):
    db = open_replica(tmp_path / "standalone.db")  # migrated, never attached
    with db.read() as session:
        assert not guard.is_replica(session)
        guard.refuse_on_replica(session, "catalog")  # nothing raised
        with pytest.raises(KeyError):
            guard.refuse_on_replica(session, "no such area")


def test_the_replica_answer_is_kept_after_the_first_read(chain, tmp_path):  # noqa: F811
    store = new_store(chain, "S08", tmp_path)
    with store.db.write() as session:  # the first answer on this engine reads sync_state once
        assert guard.is_replica(session)
    statements: list[str] = []

    def watch(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(store.db.write_engine, "before_cursor_execute", watch)
    try:
        with store.db.write() as session:
            assert guard.is_replica(session)
            with pytest.raises(guard.CatalogNeedsHeadOffice):
                guard.refuse_on_replica(session, "catalog")
    finally:
        event.remove(store.db.write_engine, "before_cursor_execute", watch)
    assert [s for s in statements if s.lstrip().startswith("SELECT sync_state.id")] == []  # not read again
