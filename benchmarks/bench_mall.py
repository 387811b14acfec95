"""Redemption speed: one till on SQLite, and 16 concurrent cashiers on PostgreSQL.

    python -m benchmarks.bench_mall [--sqlite-runs 500] [--seconds 8] [--workers 16] [--pg URL | --no-pg]

* SQLite: one till redeeming through ``redemption.redeem`` on a durable
  database opened exactly as the app opens it (WAL, synchronous=FULL,
  BEGIN IMMEDIATE), each redemption its own transaction: p50/p95/p99/max.
* PostgreSQL (a database made for the run and dropped after): ``--workers``
  tills, each a process of its own (16 cashiers are 16 machines, not 16
  threads sharing one interpreter), redeeming for distinct members (each on
  an item of its own, and all on one shared unlimited item) for
  ``--seconds``; then all tills, 40 attempts each, on one item with limited
  stock: throughput, and the exact success count against the stock.

Targets (issue 4): SQLite p99 <= 20 ms; PostgreSQL >= 200 redemptions/s.
Prints a table; asserts nothing (the success count is reported as it is).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pointsmall import bootstrap, catalog, check, members, purchases, redemption, staff  # noqa: E402
from pointsmall.catalog import ItemDraft  # noqa: E402
from pointsmall.db import Database  # noqa: E402
from pointsmall.redemption import Refusal  # noqa: E402
from pointsmall.staff import Actor, Role  # noqa: E402

PG_ADMIN = os.environ.get("POINTSMALL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def actors(db: Database) -> tuple[Actor, Actor]:
    with db.read() as session:
        system = staff.system_actor(session)
    result = []
    for role in (Role.CASHIER, Role.OPERATOR):
        name = f"bench-{role.value}-{uuid.uuid4().hex[:6]}"
        staff.create_staff(db, system, username=name, display_name=name, role=role, secret="bench-secret")
        result.append(staff.authenticate(db, name, "bench-secret"))
    return result[0], result[1]


def member_with(db: Database, cashier: Actor, n: int, points: int) -> uuid.UUID:
    phone = f"137{n:08d}"
    member = members.create_member(db, cashier, name=f"会员{n}", phone=phone)
    purchases.award_for_purchase(db, cashier, member_id=member.id, receipt_no=f"BENCH-{n}", amount_fen=points * 100)
    return member.id


def item(db: Database, operator: Actor, sku: str, stock: int = 0, unlimited: bool = False) -> uuid.UUID:
    view = catalog.save_item(db, operator, ItemDraft(sku=sku, name=f"商品{sku}", category="bench", price_points=10,
                                                     unlimited=unlimited))
    if stock:
        catalog.record_stock(db, operator, view.id, "restock", stock, "bench stock")
    return view.id


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# -- SQLite ---------------------------------------------------------------------

def bench_sqlite(runs: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as directory:
        db = bootstrap.prepare(f"sqlite+pysqlite:///{Path(directory) / 'bench.db'}")
        try:
            cashier, operator = actors(db)
            buyers = [member_with(db, cashier, n, 100_000) for n in range(20)]
            goods = [item(db, operator, f"S{n}", stock=runs) for n in range(5)]
            for n in range(20):  # warm the engine and the statement caches
                redemption.redeem(db, cashier, member_id=buyers[n % 20], item_id=goods[n % 5])
            times = []
            cpu_start = time.process_time()
            for n in range(runs):
                start = time.perf_counter()
                redemption.redeem(db, cashier, member_id=buyers[n % 20], item_id=goods[n % 5])
                times.append((time.perf_counter() - start) * 1000)
            cpu = (time.process_time() - cpu_start) * 1000 / runs
        finally:
            db.dispose()
    return [("SQLite redeem, one till (durable)", f"{runs} redemptions, {cpu:.1f} ms CPU each"),
            ("  p50 / p95", f"{statistics.median(times):.1f} / {pct(times, 95):.1f} ms"),
            ("  p99 (target <= 20 ms)", f"{pct(times, 99):.1f} ms"),
            ("  max", f"{max(times):.1f} ms")]


# -- PostgreSQL -----------------------------------------------------------------

def pg_database() -> tuple[str, str]:
    import psycopg

    name = f"pointsmall_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return name, f"{base}/{name}"


def drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _till(url: str, cashier: Actor, plan: list[tuple[uuid.UUID, uuid.UUID]], seconds: float | None,
          barrier, results) -> None:  # type: ignore[no-untyped-def]
    """One till in its own process: redeem ``plan`` in a loop (for ``seconds``) or once through."""
    db = Database.open(url)
    ok = refused = errors = 0
    redemption.redeem(db, cashier, member_id=plan[0][0], item_id=plan[0][1]) if seconds else None  # warm up
    barrier.wait()
    end = time.perf_counter() + seconds if seconds else None
    n = 0
    while (end is None and n < len(plan)) or (end is not None and time.perf_counter() < end):
        member_id, item_id = plan[n % len(plan)]
        try:
            redemption.redeem(db, cashier, member_id=member_id, item_id=item_id)
            ok += 1
        except Refusal:
            refused += 1
        except Exception:  # noqa: BLE001  (counted in the table)
            errors += 1
        n += 1
    db.dispose()
    results.put((ok, refused, errors))


def run_tills(url: str, cashier: Actor, plans: list[list[tuple[uuid.UUID, uuid.UUID]]],
              seconds: float | None) -> tuple[int, int, int, float]:
    """Tills as separate processes (as 16 cashiers are 16 machines), released together."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(plans) + 1), ctx.Queue()
    procs = [ctx.Process(target=_till, args=(url, cashier, plan, seconds, barrier, results)) for plan in plans]
    for proc in procs:
        proc.start()
    barrier.wait()
    start = time.perf_counter()
    totals = [results.get() for _ in procs]
    elapsed = time.perf_counter() - start
    for proc in procs:
        proc.join()
    return (sum(t[0] for t in totals), sum(t[1] for t in totals), sum(t[2] for t in totals), elapsed)


def bench_pg(workers: int, seconds: float) -> list[tuple[str, str]]:
    name, url = pg_database()
    db = bootstrap.prepare(url)
    rows: list[tuple[str, str]] = []
    try:
        cashier, operator = actors(db)
        buyers = [member_with(db, cashier, n, 50_000) for n in range(workers)]
        own = [item(db, operator, f"OWN{w}", unlimited=True) for w in range(workers)]
        shared = item(db, operator, "SHARED", unlimited=True)
        stock = workers * 25
        limited = item(db, operator, "LIMITED", stock=stock)
        for label, plans in (("distinct members, item each", [[(buyers[w], own[w])] for w in range(workers)]),
                             ("distinct members, one item", [[(buyers[w], shared)] for w in range(workers)])):
            ok, _, errors, elapsed = run_tills(url, cashier, plans, seconds)
            rows.append((f"PostgreSQL {workers} tills, {label}", f"{ok / elapsed:,.0f} redemptions/s "
                         f"({ok} in {elapsed:.1f} s{f', {errors} errors' if errors else ''})"))
        attempts = 40
        ok, refused, errors, elapsed = run_tills(url, cashier, [[(buyers[w], limited)] * attempts
                                                                for w in range(workers)], None)
        with db.read() as session:
            left = catalog.get_item(session, limited).stock
        exact = ok == stock and left == 0 and refused == workers * attempts - stock and not errors
        rows.append((f"PostgreSQL {workers} tills, one item, stock {stock}",
                     f"{workers * attempts} attempts in {elapsed:.2f} s: {(ok + refused) / elapsed:,.0f} attempts/s, "
                     f"{ok / elapsed:,.0f} redemptions/s"))
        rows.append(("  successes / expected / refused / left", f"{ok} / {stock} / {refused} / {left}"
                     f"{f' ({errors} errors)' if errors else ''}  {'exact' if exact else 'WRONG'}"))
        report = check.run_check(db)
        rows.append(("  check afterwards", "clean" if report.ok else f"{len(report.problems)} problems"))
    finally:
        db.dispose()
        drop_pg(name)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite-runs", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--pg", help="admin URL of the PostgreSQL server (default: POINTSMALL_TEST_PG or local)")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    global PG_ADMIN
    PG_ADMIN = args.pg or PG_ADMIN
    rows = [("machine", f"{platform.system()} {platform.machine()}, os.cpu_count() = {os.cpu_count()}, "
                        f"Python {platform.python_version()}"),
            ("load average at start (1 min)", f"{os.getloadavg()[0]:.1f}")]
    rows += bench_sqlite(args.sqlite_runs)
    if not args.no_pg:
        rows += bench_pg(args.workers, args.seconds)
    width = max(len(label) for label, _ in rows)
    print(f"{'measure':<{width}}  result")
    print(f"{'-' * width}  {'-' * 40}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
