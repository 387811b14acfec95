"""What tasks and the abuse rules cost: sign-ins with and without them, claims, decisions, awards.

    python -m benchmarks.bench_tasks [--n 300] [--db /tmp/tasks.db]

Each operation is one whole service call with its own write transaction and
commit (SQLite in WAL mode with synchronous=FULL, as the till runs it) on a
fresh database file. Shown per operation: wall-clock p50/p99 and the CPU
time of this process (time.process_time), since the machine is shared; and
the SQL statements an award for a returning member runs with and without
tasks configured (the first-purchase hook must add none on that path).
Prints a table; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _timed(n: int, call: Callable[[int], object]) -> tuple[list[float], float]:
    wall, cpu_started = [], time.process_time()
    for i in range(n):
        began = time.perf_counter()
        call(i)
        wall.append((time.perf_counter() - began) * 1000)
    return wall, (time.process_time() - cpu_started) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300, help="operations of each kind")
    parser.add_argument("--db", type=Path, help="an SQLite file to create (default: a temporary one)")
    args = parser.parse_args()

    from sqlalchemy import event

    from pointsmall import bootstrap, demo_tasks, members, purchases, reviews, risk, signin, staff, tasks

    directory = None
    if args.db is None:
        directory = tempfile.TemporaryDirectory(prefix="bench-tasks-")
        args.db = Path(directory.name) / "tasks.db"
    db = bootstrap.prepare(f"sqlite+pysqlite:///{args.db}")
    with db.read() as session:
        actor = staff.system_actor(session)
    start = datetime.now(timezone.utc) + timedelta(days=1)
    n = args.n
    ids = []
    for i in range(2 * n):
        m = members.create_member(db, actor, name="基准会员", phone=f"135{i:08d}")
        purchases.award_for_purchase(db, actor, member_id=m.id, receipt_no=f"B{i}", amount_fen=10_000, now=start)
        ids.append(m.id)

    statements = [0]

    @event.listens_for(db.write_engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        statements[0] += 1

    def award_statements(i: int) -> int:
        statements[0] = 0
        purchases.award_for_purchase(db, actor, member_id=ids[i], receipt_no=f"S{i}-{time.monotonic_ns()}",
                                     amount_fen=1_000, now=start + timedelta(minutes=1))
        return statements[0]

    rows = []
    award_plain = award_statements(0)
    plain, plain_cpu = _timed(n, lambda i: signin.sign_in(db, actor, ids[i], now=start + timedelta(seconds=i)))
    rows.append(("sign-in, no tasks or rules", plain, plain_cpu))

    demo_tasks.create_demo_tasks(db, actor)  # a visit task and two abuse rules, as the demo sets up
    award_tasks = award_statements(1)
    hooked, hooked_cpu = _timed(n, lambda i: signin.sign_in(db, actor, ids[n + i], now=start + timedelta(seconds=i)))
    rows.append(("sign-in + visit task + rules", hooked, hooked_cpu))

    share = next(t for t in tasks.list_tasks(db, actor) if t.trigger == "custom")
    claimed, claim_cpu = _timed(n, lambda i: tasks.claim(db, actor, ids[n + i], share.id,
                                                        now=start + timedelta(hours=2, seconds=i)))
    rows.append(("task claim at the counter", claimed, claim_cpu))

    # Cases to decide: a rule that flags a member with two task rewards (the visit and the claim).
    risk.create_rule(db, actor, risk.RiskRuleDraft(name="基准", metric="task_claims", window_minutes=600,
                                                   threshold=1, block_redeem=True))
    risk.scan(db, actor, now=start + timedelta(hours=3))
    cases = reviews.list_cases(db, actor, kind="earning_velocity", limit=n)
    decided, decide_cpu = _timed(len(cases), lambda i: (reviews.reject if i % 2 else reviews.approve)(
        db, actor, cases[i].id, "基准测试"))
    rows.append((f"review decision ({len(cases)} cases)", decided, decide_cpu))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"pointsmall tasks benchmark: SQLite {args.db} (WAL, synchronous=FULL), "
          f"{os.cpu_count()} CPUs, load average {load:.1f}")
    print(f"{'operation':<34}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/op':>11}")
    for name, values, cpu in rows:
        if values:
            print(f"{name:<34}{len(values):>6}{_percentile(values, 0.5):>9.2f}{_percentile(values, 0.99):>9.2f}"
                  f"{cpu:>11.2f}")
    print(f"award for a returning member: {award_plain} statements without tasks, {award_tasks} with tasks")
    db.dispose()
    if directory is not None:
        directory.cleanup()


if __name__ == "__main__":
    main()
