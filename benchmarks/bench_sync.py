"""Sync benchmarks (issue 6): push, a new store's first pull, a steady-state sync.

    python benchmarks/bench_sync.py [--members 1000000] [--events 100000] [--pg postgresql://postgres@127.0.0.1/postgres]

Targets: pushing 100,000 offline events >= 5,000 events/s; a new store's
first pull of 1,000,000 members with balances <= 60 s; a steady-state sync
of 1,000 events each way <= 1 s. Prints wall and CPU time (this process:
the PostgreSQL server's CPU is not counted).

The chain is a scratch PostgreSQL database (``pointsmall_bench_sync``,
kept between runs: filling it is not what is measured). Its members are
written with COPY, each with one earning entry and its lot (a balance of
100 expiring in two years): what a first pull carries. The offline events
are awards (a purchase, its entry and its lot), written into the replica
the way the capture triggers see a till's transactions, one local
transaction number per event.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psycopg
from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pointsmall import bootstrap, purchases, staff  # noqa: E402
from pointsmall.db import Database  # noqa: E402
from pointsmall.ids import new_id  # noqa: E402
from pointsmall.models import Store, Tier  # noqa: E402
from pointsmall.sync import attach_replica, first_pull, sync_once  # noqa: E402
from pointsmall.sync.engine import push  # noqa: E402

DB_NAME = "pointsmall_bench_sync"
STORE = "B01"


def _admin(pg: str) -> psycopg.Connection:
    return psycopg.connect(pg, autocommit=True)


def chain_database(pg: str, members: int) -> Database:
    url = pg.rsplit("/", 1)[0] + "/" + DB_NAME
    with _admin(pg) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    db = bootstrap.prepare(url.replace("postgresql://", "postgresql+psycopg://"))
    with db.write() as session:
        if session.get(Store, STORE) is None:
            session.add(Store(id=STORE, name="Bench", timezone="Asia/Shanghai", created_at=datetime.now(timezone.utc)))
    with db.read() as session:
        have = session.scalar(text("SELECT count(*) FROM members")) or 0
    if have < members:
        fill_members(url, db, members - have)
    return db


def fill_members(url: str, db: Database, n: int) -> None:
    started = time.perf_counter()
    with db.read() as session:
        tier = session.scalar(select(Tier.id).order_by(Tier.rank).limit(1))
        system = staff.system_actor(session).staff_id
        offset = session.scalar(text("SELECT count(*) FROM members")) or 0
    now = datetime.now(timezone.utc)
    today = now.date()
    expires = today + timedelta(days=730)
    with psycopg.connect(url) as conn:
        conn.execute("ALTER TABLE members DISABLE TRIGGER USER")
        conn.execute("ALTER TABLE point_lots DISABLE TRIGGER USER")
        batch = 200_000
        for start in range(0, n, batch):
            ids = [new_id() for _ in range(min(batch, n - start))]
            with conn.cursor() as cur:
                with cur.copy("COPY members (id, card_code, phone, phone_last4, name, joined_on, home_store_id, "
                              "status, consent, tier_id, balance, last_entry_seq, needs_review, created_at, "
                              "updated_at) FROM STDIN") as copy:
                    for i, member_id in enumerate(ids, start=offset + start):
                        phone = f"19{i:09d}"
                        copy.write_row((member_id, f"9{i:011d}", phone, phone[-4:], f"会员{i}", today, STORE,
                                        "active", False, tier, 100, 1, False, now, now))
                with cur.copy("COPY point_entries (id, member_id, seq, kind, points, balance_after, note, reference, "
                              "staff_id, store_id, occurred_at, business_day) FROM STDIN") as copy:
                    for member_id in ids:
                        copy.write_row((member_id, member_id, 1, "earn", 100, 100, "", "", system, STORE, now, today))
                with cur.copy("COPY point_lots (id, entry_id, member_id, points, remaining, expires_on) "
                              "FROM STDIN") as copy:
                    for member_id in ids:
                        copy.write_row((member_id, member_id, member_id, 100, 100, expires))
            conn.commit()
            print(f"  chain: {offset + start + len(ids):,} members", flush=True)
        conn.execute("ALTER TABLE members ENABLE TRIGGER USER")
        conn.execute("ALTER TABLE point_lots ENABLE TRIGGER USER")
        conn.commit()
        conn.execute("ANALYZE members")
        conn.execute("ANALYZE point_lots")
    print(f"  chain filled with {n:,} members in {time.perf_counter() - started:.0f} s", flush=True)


def new_replica(directory: Path, name: str) -> Database:
    db = bootstrap.prepare(f"sqlite+pysqlite:///{directory / name}")
    attach_replica(db, STORE)
    return db


def write_offline_awards(replica: Database, member_ids: list[uuid.UUID], staff_id: uuid.UUID, n: int) -> None:
    """n awards as n local transactions would leave them: a purchase, its entry and its lot each."""
    path = replica.sqlite_path
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    today = date.today().isoformat()
    expires = (date.today() + timedelta(days=700)).isoformat()
    rng = random.Random(5)
    till_run = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")  # receipts run in order, as a till prints them
    with conn:
        for i in range(n):
            conn.execute("UPDATE sync_state SET txn = txn + 1 WHERE id = 1")
            member = rng.choice(member_ids).hex
            purchase, entry = new_id().hex, new_id().hex
            conn.execute("INSERT INTO purchases (id, store_id, receipt_no, member_id, amount_fen, points, staff_id, "
                         "occurred_at, business_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (purchase, STORE, f"B{till_run}-{i:07d}", member, 1000, 10, staff_id.hex, now,
                          today))
            conn.execute("INSERT INTO point_entries (id, member_id, seq, kind, points, balance_after, note, reference, "
                         "purchase_id, staff_id, store_id, occurred_at, business_day) "
                         "VALUES (?, ?, ?, 'earn', 10, 0, '', '', ?, ?, ?, ?, ?)",
                         (entry, member, 1_000_000 + i, purchase, staff_id.hex, STORE, now, today))
            conn.execute("INSERT INTO point_lots (id, entry_id, member_id, points, remaining, expires_on) "
                         "VALUES (?, ?, ?, 10, 10, ?)", (entry, entry, member, expires))
    conn.close()


def timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--steady", type=int, default=1_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=["pull", "push", "steady"], default=None, help="run one measure")
    args = parser.parse_args()
    chain = chain_database(args.pg, args.members)
    with chain.read() as session:
        system = staff.system_actor(session)
        # Members drawn at random each run (earlier runs' members carry more open lots).
        drawn = list(session.scalars(text("SELECT id FROM members TABLESAMPLE SYSTEM (10) LIMIT 40000")))
    random.Random().shuffle(drawn)
    sample, steady_sample = drawn[:20_000], drawn[20_000:]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)

        if args.only in (None, "pull"):
            rows.append(measure_first_pull(chain, directory))
        if args.only in (None, "push"):
            rows.append(measure_push(chain, directory, sample, system.staff_id, args.events))
        if args.only in (None, "steady"):
            rows.append(measure_steady(chain, directory, steady_sample, system, args.steady, args.members))
    chain.dispose()
    print()
    print(f"{'measure':<78} {'wall s':>8} {'CPU s':>8}  target     met")
    for name, wall, cpu, target, met in rows:
        print(f"{name:<78} {wall:>8.2f} {cpu:>8.2f}  {target:<10} {'yes' if met else 'NO'}")


def measure_first_pull(chain: Database, directory: Path):  # type: ignore[no-untyped-def]
    fresh = new_replica(directory, "first.db")
    report, wall, cpu = timed(lambda: first_pull(fresh, chain))
    fresh.dispose()
    return (f"first pull: {report.tables.get('members', 0):,} members, {report.rows:,} rows", wall, cpu,
            "<= 60 s", wall <= 60)


def measure_push(chain: Database, directory: Path, sample: list[uuid.UUID], staff_id: uuid.UUID,
                 events: int):  # type: ignore[no-untyped-def]
    """Sealing included: the push seals the captured rows while the first batches go up."""
    pusher = new_replica(directory, "push.db")
    write_offline_awards(pusher, sample, staff_id, events)
    report, wall, cpu = timed(lambda: push(pusher, chain))
    pusher.dispose()
    assert report.sealed == events == report.pushed, (report.sealed, report.pushed)
    rate = events / wall
    return (f"push {events:,} offline events, sealing included: {rate:,.0f}/s", wall, cpu, ">= 5,000/s", rate >= 5000)


def measure_steady(chain: Database, directory: Path, sample: list[uuid.UUID], system: staff.Actor, n: int,
                   members: int):  # type: ignore[no-untyped-def]
    """A store up to date with the chain (its cursor at the chain's present); then n events each way."""
    steady = new_replica(directory, "steady.db")
    if members <= 50_000:
        first_pull(steady, chain)
    else:
        _mark_pulled(steady, chain)
    write_offline_awards(steady, sample, system.staff_id, n)
    for member_id in sample[-n:]:
        purchases.award_for_purchase(chain, system, member_id=member_id, receipt_no=f"HQ-{uuid.uuid4().hex[:10]}",
                                     amount_fen=500)
    report, wall, cpu = timed(lambda: sync_once(steady, chain))
    steady.dispose()
    assert report.ok, report.errors
    return (f"steady sync: pushed {report.pushed:,} events, pulled {report.pulled:,} rows", wall, cpu,
            "<= 1 s", wall <= 1.0)


def _mark_pulled(replica: Database, chain: Database) -> None:
    """A steady-state store: its cursor at the chain's present (as after a first pull long ago)."""
    from pointsmall.sync.pull import chain_snapshot

    with chain_snapshot(chain) as (_, xmin):
        pass
    with replica.write() as session:
        session.execute(text("UPDATE sync_state SET cursor = :c, first_pull_at = :t"),
                        {"c": xmin, "t": datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")})


if __name__ == "__main__":
    main()
