"""Core timings on a large SQLite file: demo load, member lookups, awarding points.

    python benchmarks/bench_core.py --members 1000000 --db /tmp/pm1m.db [--only awards]

Makes the database with ``pointsmall.demo`` when the file is missing (and
times that), else reuses it. Every lookup and award goes through the
service layer as the till calls it; the raw sqlite3 figures beside them are
the floor the same work costs without the service layer, on the same file.
Awards are durable (WAL, synchronous=FULL, as ``pointsmall.db`` opens it)
and are added to the file for real; run ``pointsmall check`` on it after.
Prints a table; asserts nothing. The load average is printed because other
work on the machine moves every figure.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from pointsmall import bootstrap, demo, members, purchases, staff  # noqa: E402
from pointsmall.db import Database  # noqa: E402
from pointsmall.models import Staff  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def timed(call: Callable[[], object], n: int, cpu: list[float] | None = None) -> list[float]:
    """Wall time of each call; with ``cpu``, the process CPU time per call is appended to it."""
    out = []
    cpu_started = time.process_time()
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    if cpu is not None:
        cpu.append((time.process_time() - cpu_started) / n)
    return out


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, figure: str, value: float, unit: str, target: float | None = None, *,
            at_most: bool = True) -> None:
        shown = f"{value:,.2f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
        if target is None:
            self.rows.append((figure, shown, "", ""))
            return
        ok = value <= target if at_most else value >= target
        goal = f"{'≤' if at_most else '≥'} {target:,g} {unit}"
        self.rows.append((figure, shown, goal, "pass" if ok else "FAIL"))

    def print(self) -> None:
        widths = [max(len(r[i]) for r in self.rows + [("figure", "measured", "target", "")]) for i in range(4)]
        head = ("figure", "measured", "target", "result")
        print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
        print("  ".join("-" * w for w in widths))
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def make_database(path: Path, count: int, seed: int, table: Table) -> Database:
    fresh = not path.exists()
    db = bootstrap.prepare(f"sqlite+pysqlite:///{path}")
    if fresh:
        started = time.perf_counter()
        report = demo.generate_demo(db, count, seed,
                                    progress=lambda done, total: print(f"  demo {done:,}/{total:,}", file=sys.stderr))
        table.add(f"create demo database ({report.members:,} members, {report.entries:,} entries)",
                  time.perf_counter() - started, "s", 300)
        db = bootstrap.prepare(f"sqlite+pysqlite:///{path}")
    return db


def sample(path: Path, n: int, seed: int) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        top = conn.execute("SELECT max(rowid) FROM members").fetchone()[0]
        rnd = random.Random(seed)
        rows = []
        while len(rows) < n:
            row = conn.execute("SELECT id, card_code, phone, name FROM members WHERE rowid = ?",
                               (rnd.randint(1, top),)).fetchone()
            if row is not None:
                rows.append(row)
        return rows
    finally:
        conn.close()


def bench_lookups(db: Database, path: Path, actor: staff.Actor, people: list, table: Table) -> None:
    raw = sqlite3.connect(path)
    for label, index, column in (("card", 1, "card_code"), ("phone", 2, "phone")):
        def service_lookup(key: str) -> object:
            return members.search(db, actor, key)

        def raw_lookup(key: str, sql: str = f"SELECT * FROM members WHERE {column} = ?") -> object:
            return raw.execute(sql, (key,)).fetchall()

        # Both read every row once untimed first: whichever ran first would otherwise pay for
        # bringing the pages in from disk and the other would find them cached.
        for p in people:
            service_lookup(p[index])
            raw_lookup(p[index])
        cpu: list[float] = []
        keys = iter([p[index] for p in people] * 2)
        service = timed(lambda: service_lookup(next(keys)), len(people), cpu)
        keys = iter([p[index] for p in people] * 2)
        floor = timed(lambda: raw_lookup(next(keys)), len(people))
        table.add(f"member by {label}, service p50", percentile(service, 0.5) * 1e3, "ms", 1)
        table.add(f"member by {label}, service p99", percentile(service, 0.99) * 1e3, "ms", 5)
        table.add(f"member by {label}, service CPU per lookup", cpu[0] * 1e3, "ms")
        table.add(f"member by {label}, raw indexed SELECT p50", percentile(floor, 0.5) * 1e3, "ms")
        table.add(f"member by {label}, service / raw (p50)", percentile(service, 0.5) / percentile(floor, 0.5), "x",
                  10)
    raw.close()
    last4 = iter([p[2][-4:] for p in people] * 2)
    n = min(len(people), 300)
    table.add("last four digits, p95", percentile(timed(lambda: members.search(db, actor, next(last4)), n), 0.95)
              * 1e3, "ms", 50)
    rnd = random.Random(7)
    fragments = []
    for _, _, _, name in people[:n]:
        start = rnd.randrange(len(name) - 1)
        fragments.append(name[start:start + 2] if rnd.random() < 0.7 else name)
    frags = iter(fragments)
    table.add("name fragment (2 characters or the name), p95",
              percentile(timed(lambda: members.search(db, actor, next(frags)), n), 0.95) * 1e3, "ms", 50)
    one = iter([name[0] for *_, name in people[:n]])
    table.add("one character (a surname), p95",
              percentile(timed(lambda: members.search(db, actor, next(one)), n), 0.95) * 1e3, "ms", 50)


def bench_awards(db: Database, path: Path, actor: staff.Actor, people: list, count: int, table: Table) -> None:
    run = uuid.uuid4().hex[:8]
    rnd = random.Random(3)
    ids = [uuid.UUID(p[0]) for p in people]
    for i in range(20):  # warm up the statement caches
        purchases.award_for_purchase(db, actor, member_id=ids[i], receipt_no=f"BW-{run}-{i}", amount_fen=1000)
    counter = iter(range(count * 2))

    def award() -> None:
        i = next(counter)
        purchases.award_for_purchase(db, actor, member_id=ids[i % len(ids)], receipt_no=f"B-{run}-{i}",
                                     amount_fen=rnd.randint(500, 80_000))

    started, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    lat = timed(award, count)
    rate = count / (time.perf_counter() - started)
    after = resource.getrusage(resource.RUSAGE_SELF)
    table.add(f"award for a purchase, sustained ({count:,} in a row)", rate, "/s", 500, at_most=False)
    table.add("award for a purchase, p50", percentile(lat, 0.5) * 1e3, "ms")
    table.add("award for a purchase, p99", percentile(lat, 0.99) * 1e3, "ms", 10)
    # A WAL checkpoint lands on every few dozenth or hundredth award: the slowest ones say what it costs.
    table.add("award for a purchase, p99.9", percentile(lat, 0.999) * 1e3, "ms")
    table.add("award for a purchase, max", max(lat) * 1e3, "ms")
    table.add("award CPU per award, user", (after.ru_utime - usage.ru_utime) / count * 1e3, "ms")
    table.add("award CPU per award, system (file I/O, fsync)", (after.ru_stime - usage.ru_stime) / count * 1e3,
              "ms")
    raw_lat = raw_awards(path, people, count, run)
    table.add("raw sqlite3 award transaction (durable), p50", percentile(raw_lat, 0.5) * 1e3, "ms")
    table.add("raw sqlite3 award transactions, sustained", count / sum(raw_lat), "/s")
    table.add("award: service / raw (mean time)", statistics.mean(lat) / statistics.mean(raw_lat), "x")


def raw_awards(path: Path, people: list, count: int, run: str) -> list[float]:
    """The same facts (purchase, entry, lot, member balance) with hand-written SQL, WAL + synchronous=FULL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    staff_id, store = conn.execute("SELECT id, store_id FROM staff WHERE username = 'cashier'").fetchone()
    rnd = random.Random(4)
    lat = []
    for i in range(count):
        member = people[(i * 7919) % len(people)][0]
        fen = rnd.randint(500, 3000)  # small: a raw row must not cross a tier threshold the service would act on
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        balance, seq = conn.execute("SELECT balance, last_entry_seq FROM members WHERE id = ?", (member,)).fetchone()
        now = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
        day = time.strftime("%Y-%m-%d")
        purchase, entry = uuid.uuid4().hex, uuid.uuid4().hex
        conn.execute("INSERT INTO purchases VALUES (?,?,?,?,?,?,?,?,?)",
                     (purchase, store, f"RAW-{run}-{i}", member, fen, fen // 100, staff_id, now, day))
        conn.execute("INSERT INTO point_entries (id, member_id, seq, kind, points, balance_after, reason_category, "
                     "note, reference, purchase_id, staff_id, approved_by, store_id, occurred_at, business_day, "
                     "idem_key) VALUES (?,?,?,'earn',?,?,NULL,'',?,?,?,NULL,?,?,?,NULL)",
                     (entry, member, seq + 1, fen // 100, balance + fen // 100, f"RAW-{run}-{i}", purchase,
                      staff_id, store, now, day))
        conn.execute("INSERT INTO point_lots (id, entry_id, member_id, points, remaining, expires_on) "
                     "VALUES (?,?,?,?,?,?)", (entry, entry, member, fen // 100, fen // 100, "2099-12-31"))
        conn.execute("UPDATE members SET balance = ?, last_entry_seq = ?, updated_at = ? WHERE id = ?",
                     (balance + fen // 100, seq + 1, now, member))
        conn.execute("COMMIT")
        lat.append(time.perf_counter() - started)
    conn.close()
    return lat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (made when missing)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--awards", type=int, default=2000)
    parser.add_argument("--only", choices=("lookups", "awards"), default=None,
                        help="run one part (the members are sampled the same way either way)")
    args = parser.parse_args()
    path = args.db or Path(f"/tmp/pointsmall-bench-{args.members}.db")
    table = Table()
    db = make_database(path, args.members, args.seed, table)
    with db.read() as session:
        cashier = staff.actor_for(session, session.scalars(select(Staff).where(Staff.username == "cashier")).one())
    conn = sqlite3.connect(path)
    n_members, n_entries = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                            for t in ("members", "point_entries"))
    conn.close()
    people = sample(path, args.lookups, args.seed)
    if args.only != "awards":
        bench_lookups(db, path, cashier, people, table)
    if args.only != "lookups":
        bench_awards(db, path, cashier, people, args.awards, table)
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    table.add("peak memory, this process (maxrss)", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB")
    if child:
        table.add("peak memory, largest worker process", child, "MB")
    print(f"\npointsmall core benchmark: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")
    print(f"database {path}: {n_members:,} members, {n_entries:,} ledger entries, "
          f"{path.stat().st_size / 1e9:.2f} GB\n")
    table.print()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
