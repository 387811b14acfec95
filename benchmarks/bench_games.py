"""How long a spin of the wheel (draw and commit) and a sign-in take on SQLite.

    python -m benchmarks.bench_games [--spins 1000] [--sign-ins 1000] [--db /tmp/games.db]

Each operation is one whole service call, its own write transaction and
commit (SQLite in WAL mode with synchronous=FULL, as the till runs it), on a
fresh database file with a few hundred members and one wheel. Targets from
issue 5: a spin p99 <= 20 ms, a sign-in p99 <= 10 ms. Prints a table;
asserts nothing. Timings include the machine's load: the table shows it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spins", type=int, default=1000)
    parser.add_argument("--sign-ins", type=int, default=1000)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--db", type=Path, help="an SQLite file to create (default: a temporary one)")
    args = parser.parse_args()

    from pointsmall import bootstrap, members, purchases, signin, staff, wheel, wheel_setup
    from pointsmall.wheel_setup import SegmentDraft, WheelDraft

    directory = None
    if args.db is None:
        directory = tempfile.TemporaryDirectory(prefix="bench-games-")
        args.db = Path(directory.name) / "games.db"
    db = bootstrap.prepare(f"sqlite+pysqlite:///{args.db}")
    with db.read() as session:
        actor = staff.system_actor(session)
    start = datetime.now(timezone.utc) + timedelta(days=1)
    ids = []
    for i in range(args.members):
        m = members.create_member(db, actor, name="基准会员", phone=f"136{i:08d}")
        purchases.award_for_purchase(db, actor, member_id=m.id, receipt_no=f"B{i}", amount_fen=1_000_000,
                                     now=start)
        ids.append(m.id)
    segments = (SegmentDraft("谢谢参与", "#9AA5B1", 30), SegmentDraft("5积分", "#E5484D", 25, "points", points=5),
                SegmentDraft("20积分", "#F76B15", 15, "points", points=20),
                SegmentDraft("50积分", "#FFC53D", 8, "points", points=50, stock=200),
                SegmentDraft("5元券", "#30A46C", 6, "coupon", face_value_fen=500, validity_days=7, value_points=100,
                             stock=100),
                SegmentDraft("再来一次", "#0090FF", 6), SegmentDraft("10积分", "#8E4EC6", 5, "points", points=10),
                SegmentDraft("100积分", "#D6409F", 5, "points", points=100, stock=50))
    w = wheel_setup.save_wheel(db, actor, WheelDraft("基准转盘", start - timedelta(days=1), start + timedelta(days=400),
                                               segments, fallback_index=0, cost_points=10,
                                               free_spins={"regular": 1}, budget=10_000_000, pity_after=5))

    spin_ms = []
    for i in range(args.spins):
        began = time.perf_counter()
        wheel.spin(db, actor, member_id=ids[i % len(ids)], wheel_id=w.id, now=start + timedelta(seconds=i))
        spin_ms.append((time.perf_counter() - began) * 1000)

    sign_ms = []
    for i in range(args.sign_ins):
        # Member by member, day by day: streaks grow, weeks and months pay their bonuses.
        began = time.perf_counter()
        signin.sign_in(db, actor, ids[i % len(ids)], now=start + timedelta(days=i // len(ids), seconds=i))
        sign_ms.append((time.perf_counter() - began) * 1000)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"pointsmall games benchmark: SQLite {args.db} (WAL, synchronous=FULL), "
          f"{os.cpu_count()} CPUs, load average {load:.1f}")
    print(f"{'operation':<26}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'target':>10}")
    for name, values, target in (("spin (draw + commit)", spin_ms, "p99<=20"), ("sign-in", sign_ms, "p99<=10")):
        print(f"{name:<26}{len(values):>6}{statistics.median(values):>9.2f}{_percentile(values, 0.95):>9.2f}"
              f"{_percentile(values, 0.99):>9.2f}{max(values):>9.2f}{target:>10}")
    db.dispose()
    if directory is not None:
        directory.cleanup()


if __name__ == "__main__":
    main()
