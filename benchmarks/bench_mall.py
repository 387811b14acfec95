"""Redemption speed: one till on SQLite, and 16 concurrent cashiers on PostgreSQL.

    python -m benchmarks.bench_mall [--sqlite-runs 500] [--seconds 8] [--workers 16] [--pg URL | --no-pg]

* SQLite: one till redeeming through ``redemption.redeem`` on a durable
  database opened exactly as the app opens it (WAL, synchronous=FULL,
  BEGIN IMMEDIATE), each redemption its own transaction: p50/p95/p99/max.
* PostgreSQL (a database made for the run and dropped after): ``--workers``
  tills, each a process of its own (16 cashiers are 16 machines, not 16
  threads sharing one interpreter), redeeming for distinct members (each on
  an item of its own, and all on one shared unlimited item) for
  ``--seconds``, each till logged in as a cashier account of its own (and,
  for comparison, all as one account, whose audit chain they then share); then all tills, 40 attempts each, on one item with limited
  stock: throughput, and the exact success count against the stock. Each
  till redeems once before the clock starts (its connection and statement
  caches; on an item of its own, so the limited stock is untouched), and
  the CPU the tills and this database's server backends used is reported
  per attempt: the tills and the server share the machine's cores, so CPU
  per redemption says more than the rate when other work is running.

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
from dataclasses import dataclass
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


def cashiers(db: Database, n: int) -> list[Actor]:
    """One cashier account per till, as at a real counter (each account has its own audit chain)."""
    with db.read() as session:
        system = staff.system_actor(session)
    result = []
    for _ in range(n):
        name = f"bench-till-{uuid.uuid4().hex[:6]}"
        staff.create_staff(db, system, username=name, display_name=name, role=Role.CASHIER, secret="bench-secret")
        result.append(staff.authenticate(db, name, "bench-secret"))
    return result


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


def _pg_cpu_seconds(database: str) -> float:
    """CPU time used so far by the PostgreSQL backends serving ``database`` (Linux /proc; 0 elsewhere).

    Only this benchmark's database: other work on the shared server is left out.
    """
    total, tick = 0, os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for proc in Path("/proc").iterdir() if Path("/proc").exists() else ():
        if not proc.name.isdigit():
            continue
        try:
            if f" {database} " not in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _till(url: str, cashier: Actor, plan: list[tuple[uuid.UUID, uuid.UUID]], warm: tuple[uuid.UUID, uuid.UUID],
          seconds: float | None, barrier, done, results) -> None:  # type: ignore[no-untyped-def]
    """One till in its own process: redeem ``plan`` in a loop (for ``seconds``) or once through.

    One redemption of ``warm`` first, outside the timing (the connection, the statement caches),
    on an item of its own so that it takes nothing from the item being measured.
    """
    db = Database.open(url)
    ok = refused = errors = 0
    redemption.redeem(db, cashier, member_id=warm[0], item_id=warm[1])
    barrier.wait()
    cpu = time.process_time()
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
    results.put((ok, refused, errors, time.process_time() - cpu))
    done.wait()  # the backends stay up until the server's CPU has been read
    db.dispose()


@dataclass
class TillRun:
    ok: int
    refused: int
    errors: int
    elapsed: float
    client_cpu: float  # seconds, all tills
    server_cpu: float  # seconds, this database's backends

    def per_attempt_ms(self) -> str:
        n = max(1, self.ok + self.refused + self.errors)
        return (f"CPU per attempt: tills {self.client_cpu / n * 1000:.1f} ms, "
                f"server {self.server_cpu / n * 1000:.1f} ms")


def run_tills(url: str, database: str, tills: list[Actor], plans: list[list[tuple[uuid.UUID, uuid.UUID]]],
              warm: list[tuple[uuid.UUID, uuid.UUID]], seconds: float | None) -> TillRun:
    """Tills as separate processes (as 16 cashiers are 16 machines), released together; till i is ``tills[i]``."""
    ctx = multiprocessing.get_context("spawn")
    barrier, done, results = ctx.Barrier(len(plans) + 1), ctx.Barrier(len(plans) + 1), ctx.Queue()
    procs = [ctx.Process(target=_till, args=(url, cashier, plan, w, seconds, barrier, done, results))
             for cashier, plan, w in zip(tills, plans, warm)]
    for proc in procs:
        proc.start()
    server = _pg_cpu_seconds(database)
    barrier.wait()
    start = time.perf_counter()
    totals = [results.get() for _ in procs]
    elapsed = time.perf_counter() - start
    server = _pg_cpu_seconds(database) - server
    done.wait()
    for proc in procs:
        proc.join()
    return TillRun(sum(t[0] for t in totals), sum(t[1] for t in totals), sum(t[2] for t in totals), elapsed,
                   sum(t[3] for t in totals), server)


def bench_pg(workers: int, seconds: float) -> list[tuple[str, str]]:
    name, url = pg_database()
    db = bootstrap.prepare(url)
    rows: list[tuple[str, str]] = []
    try:
        cashier, operator = actors(db)
        tills = cashiers(db, workers)
        buyers = [member_with(db, cashier, n, 50_000) for n in range(workers)]
        own = [item(db, operator, f"OWN{w}", unlimited=True) for w in range(workers)]
        shared = item(db, operator, "SHARED", unlimited=True)
        stock = workers * 25
        limited = item(db, operator, "LIMITED", stock=stock)
        warm = [(buyers[w], own[w]) for w in range(workers)]
        for label, plans in (("distinct members, item each", [[(buyers[w], own[w])] for w in range(workers)]),
                             ("distinct members, one item", [[(buyers[w], shared)] for w in range(workers)])):
            run = run_tills(url, name, tills, plans, warm, seconds)
            rows.append((f"PostgreSQL {workers} tills, {label}", f"{run.ok / run.elapsed:,.0f} redemptions/s "
                         f"({run.ok} in {run.elapsed:.1f} s{f', {run.errors} errors' if run.errors else ''})"))
            rows.append(("", run.per_attempt_ms()))
        # For comparison: all tills logged in as one account queue on that account's audit chain.
        run = run_tills(url, name, [cashier] * workers, [[(buyers[w], own[w])] for w in range(workers)], warm,
                        seconds)
        rows.append((f"  the same, all {workers} tills as one cashier account", f"{run.ok / run.elapsed:,.0f} "
                     f"redemptions/s ({run.ok} in {run.elapsed:.1f} s); {run.per_attempt_ms()}"))
        attempts = 40
        run = run_tills(url, name, tills, [[(buyers[w], limited)] * attempts for w in range(workers)], warm, None)
        ok, refused, errors, elapsed = run.ok, run.refused, run.errors, run.elapsed
        with db.read() as session:
            left = catalog.get_item(session, limited).stock
        exact = ok == stock and left == 0 and refused == workers * attempts - stock and not errors
        rows.append((f"PostgreSQL {workers} tills, one item, stock {stock}",
                     f"{workers * attempts} attempts in {elapsed:.2f} s: {(ok + refused) / elapsed:,.0f} attempts/s, "
                     f"{ok / elapsed:,.0f} redemptions/s"))
        rows.append(("", run.per_attempt_ms()))
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
