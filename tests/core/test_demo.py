"""Demo data: consistent with every check, realistic enough to demo, reproducible."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from pointsmall import check, demo, demo_people, ledger, members, staff, tiers
from pointsmall.clock import business_day, utc_now
from pointsmall.errors import Conflict
from pointsmall.models import (
    Campaign,
    Member,
    MemberSearchTerm,
    PointEntry,
    PointLot,
    Purchase,
    TierChange,
    TierEvaluation,
)
from pointsmall.rules import load_rules
from tests.conftest import make_sqlite


def _people(db) -> list[tuple]:
    with db.read() as session:
        return sorted(session.execute(select(Member.name, Member.phone, Member.card_code, Member.birthday,
                                             Member.joined_on, Member.balance, Member.last_entry_seq,
                                             Member.tier_id)).all())


def test_small_demo_passes_check_and_looks_like_a_store(db, system):
    report = demo.generate_demo(db, 400, seed=3)
    assert report.members == 400 and report.entries >= 5 * 400 * 0.9
    result = check.run_check(db)
    assert result.ok, result.problems
    assert (result.members, result.entries) == (400, report.entries)
    counts = dict(report.tiers)
    assert counts["regular"] > counts["silver"] > counts["gold"] > 0 and counts["diamond"] > 0
    assert counts["regular"] > 400 // 2
    with db.read() as session:
        kinds = dict(session.execute(select(PointEntry.kind, func.count()).group_by(PointEntry.kind)).all())
        assert {"earn", "refund_reversal", "adjust", "expire"} <= kinds.keys()
        rows = session.execute(select(Member.name, Member.phone, Member.card_code)).all()
        assert session.scalar(select(func.count()).select_from(TierChange)) == report.tier_changes
        assert session.scalar(select(func.count()).select_from(TierEvaluation)) >= 20
        assert session.scalar(select(func.count()).select_from(Campaign).where(Campaign.name == demo.DEMO_CAMPAIGN))
        assert session.scalar(select(func.count()).select_from(Purchase).where(Purchase.points > 0)) == kinds["earn"]
    assert len({p for _, p, _ in rows}) == 400 and all(members.normalise_phone(p) == p for _, p, _ in rows)
    assert len({c for _, _, c in rows}) == 400 and all(members.is_card_code(c) for _, _, c in rows)
    assert all(2 <= len(name) <= 4 for name, _, _ in rows)


def test_some_points_expire_within_a_month(db, system):
    report = demo.generate_demo(db, 300, seed=5)
    today = business_day(utc_now(), system.store_tz)
    with db.read() as session:
        soon = session.scalar(select(func.count(func.distinct(PointLot.member_id))).where(
            PointLot.remaining > 0, PointLot.expires_on <= today + timedelta(days=31)))
        member_id = session.scalar(select(PointLot.member_id).where(
            PointLot.remaining > 0, PointLot.expires_on <= today + timedelta(days=31)).limit(1))
        nearest = ledger.next_expiring(session, member_id)
    assert soon == report.expiring_soon > 0
    assert nearest is not None and today <= nearest.expires_on <= today + timedelta(days=31)
    # The monthly job then expires them once, and the books still balance.
    first = ledger.expire_lots(db, system, today + timedelta(days=40))
    again = ledger.expire_lots(db, system, today + timedelta(days=40))
    assert first.points > 0 and again.points == 0
    assert check.run_check(db).ok


def test_tiers_follow_growth(db, system):
    demo.generate_demo(db, 300, seed=11)
    today = business_day(utc_now(), system.store_tz)
    with db.read() as session:
        rules = load_rules(session)
        ladder = tiers.list_tiers(session)
        rank = {t.id: t.rank for t in ladder}
        since = tiers.window_start(today, system.store_tz, rules.tier_window_months)
        last_change = dict(session.execute(
            select(TierChange.member_id, TierChange.to_tier_id)
            .where(TierChange.kind.in_(("upgrade", "downgrade"))).order_by(TierChange.occurred_at)).all())
        for m in session.scalars(select(Member)):
            value = tiers.growth(session, m.id, rules, since)
            # Upgrades are immediate, downgrades wait for the evaluation: never below what growth earns.
            assert rank[m.tier_id] >= tiers.qualifying(ladder, value).rank
            assert m.tier_id == last_change.get(m.id, ladder[0].id)
    first = tiers.evaluate(db, system, today)
    assert not first.already_done and first.upgraded == 0
    assert tiers.evaluate(db, system, today).already_done
    assert check.run_check(db).ok


def test_search_terms_are_indexed_as_the_service_writes_them(db, system):
    demo.generate_demo(db, 150, seed=2)
    with db.read() as session:
        stored: dict = {}
        for term, member_id in session.execute(select(MemberSearchTerm.term, MemberSearchTerm.member_id)):
            stored.setdefault(member_id, set()).add(term)
        names = dict(session.execute(select(Member.id, Member.name)).all())
    assert all(stored[i] == members.search_terms(name) for i, name in names.items())
    some_id, some_name = next(iter(names.items()))
    found = members.search(db, system, some_name[:2]).members
    assert some_id in {m.id for m in found}


def test_demo_names_match_the_service_terms_for_many_names():
    rnd = random.Random(1)
    for _ in range(3000):
        name = demo_people.random_name(rnd)
        assert set(demo_people.name_terms(name)) == members.search_terms(name), name


def test_same_seed_same_people_on_another_database(db, sqlite_template, tmp_path):
    demo.generate_demo(db, 120, seed=9)
    (tmp_path / "b").mkdir()
    second = make_sqlite(sqlite_template, tmp_path / "b")
    try:
        demo.generate_demo(second, 120, seed=9)
        assert _people(db) == _people(second)
    finally:
        second.dispose()


def test_worker_processes_give_the_same_data(sqlite_db, sqlite_template, tmp_path):
    demo.generate_demo(sqlite_db, 90, seed=4, chunk_size=40)
    (tmp_path / "parallel").mkdir()
    parallel = make_sqlite(sqlite_template, tmp_path / "parallel")
    try:
        demo.generate_demo(parallel, 90, seed=4, chunk_size=40, workers=2)
        assert _people(sqlite_db) == _people(parallel)
        assert check.run_check(parallel).ok
        conn = parallel.write_engine.raw_connection()
        try:
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()
    finally:
        parallel.dispose()


def test_demo_logins_work_and_a_second_demo_is_refused(db, system):
    report = demo.generate_demo(db, 20, seed=1)
    assert set(report.staff_created) == {"cashier", "manager", "ops", "admin"}
    for username, secret, role, _ in demo.DEMO_STAFF:
        assert staff.authenticate(db, username, secret).role is role
    with pytest.raises(Conflict):
        demo.generate_demo(db, 20, seed=1)


def test_sqlite_load_restores_durable_settings(sqlite_db):
    demo.generate_demo(sqlite_db, 30, seed=1)
    with sqlite_db.write() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    conn = sqlite_db.write_engine.raw_connection()
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_members_phone_last4", "ix_point_lots_expiry"} <= names
    finally:
        conn.close()


def test_an_interrupted_large_load_keeps_the_schema_whole(sqlite_db, monkeypatch):
    """Large loads commit every few chunks; a failure after a commit must not leave an index dropped."""
    from pointsmall import demo_load

    monkeypatch.setattr(demo_load, "CHUNKS_PER_TRANSACTION", 1)
    real_take = demo_load.SqliteLoader.take
    calls = []

    def failing_take(self, out):
        calls.append(out.index)
        if len(calls) == 3:
            raise OSError("disk full")
        real_take(self, out)

    monkeypatch.setattr(demo_load.SqliteLoader, "take", failing_take)
    with pytest.raises(OSError):
        demo.generate_demo(sqlite_db, 90, seed=4, chunk_size=30, workers=2)
    conn = sqlite_db.write_engine.raw_connection()
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_members_phone_last4", "ix_point_lots_expiry"} <= names
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM members").fetchone()[0] == 30  # the first chunk was committed
    finally:
        conn.close()
    assert not [p for p in sqlite_db.sqlite_path.parent.iterdir() if p.name.startswith(".pointsmall-demo-")]


def test_bulk_rows_are_stored_as_the_orm_stores_them(sqlite_db):
    """Rows written with raw sqlite3 must read back exactly like rows the services write."""
    demo.generate_demo(sqlite_db, 40, seed=8)
    with sqlite_db.read() as session:
        system = staff.system_actor(session)
    made = members.create_member(sqlite_db, system, name="核对员", phone="13912345678")
    conn = sqlite_db.write_engine.raw_connection()
    try:
        columns = "id, card_code, birthday, joined_on, consent, needs_review, tier_id, created_at, updated_at"

        def shape(value: object) -> str:
            text_ = str(value)
            return type(value).__name__ + ":" + "".join("9" if c.isdigit() else "x" if c.isalpha() else c
                                                         for c in text_)

        service = conn.execute(f"SELECT {columns} FROM members WHERE id = ?", (made.id.hex,)).fetchone()
        loaded = conn.execute(f"SELECT {columns} FROM members WHERE phone != '13912345678' "
                              "AND birthday IS NOT NULL LIMIT 1").fetchone()
        assert [shape(v)[:4] for v in loaded] == [shape(v)[:4] for v in service[:2]] + \
            ["str:", "str:", "int:", "int:", "int:", "str:", "str:"]
        for value in (loaded[7], loaded[8], service[7], service[8]):  # naive UTC with microseconds
            assert shape(value) == "str:9999-99-99 99:99:99.999999"
        for value in (loaded[2], loaded[3], service[3]):
            assert shape(value) == "str:9999-99-99"
        assert len(loaded[0]) == len(service[0]) == 32 and int(loaded[0], 16) >> 76 & 0xF == 7  # UUIDv7 hex
        entry = conn.execute("SELECT id, member_id, occurred_at, business_day, purchase_id FROM point_entries "
                             "WHERE kind = 'earn' LIMIT 1").fetchone()
        assert all(len(v) == 32 for v in (entry[0], entry[1], entry[4]))
        assert shape(entry[2]) == "str:9999-99-99 99:99:99.999999" and shape(entry[3]) == "str:9999-99-99"
    finally:
        conn.close()
    with sqlite_db.read() as session:  # and the ORM reads them back as aware UTC datetimes and UUIDs
        m = session.scalars(select(Member).where(Member.phone != "13912345678").limit(1)).one()
        assert m.created_at.tzinfo is not None and m.id.version == 7
