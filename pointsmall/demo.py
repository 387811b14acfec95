"""Demo data: a chain's members with two years of shopping, for trying the client.

``generate_demo(db, members, seed)`` fills an empty database with members
(Chinese names, unique mainland phones, Luhn card codes, birthdays, join
dates) and about 26 months of purchases, refunds, adjustments, point expiry
and tier changes, consistent with every rule ``pointsmall check`` verifies.
It also creates the demo staff accounts below (when missing), one
campaign (双11: gold members earn 5x), an open spin wheel and a few
members' recent sign-ins (``demo_games``).

Demo logins (change them before real use):

    cashier / 123456    收银员 (cashier)
    manager / 123456    店长 (supervisor)
    ops     / 123456    运营 (operator)
    admin   / admin123  管理员 (admin)

A million members take a few minutes: histories are simulated in worker
processes (``demo_history``) and written by the database's fastest path
(``demo_load``), not through the per-operation services. The same seed gives
the same people, amounts and dates (relative to today); only ids differ.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from . import audit, campaigns, catalog, staff
from .clock import business_day, utc_now
from .db import Database
from .demo_catalog import create_demo_catalog
from .demo_games import create_demo_games
from .demo_history import generate_chunk
from .demo_load import open_loader, stage_chunk
from .demo_plan import CHUNK_SIZE, COLUMNS, Calendar, Chunk, ChunkRows, Plan, checkpoints, to_us
from .errors import Conflict, ValidationError
from .models import Campaign, Member, Staff
from .rules import load_rules
from .staff import Actor, Role
from .tiers import list_tiers

DEMO_STAFF = (
    ("cashier", "123456", Role.CASHIER, "收银员小王"),
    ("manager", "123456", Role.SUPERVISOR, "店长李姐"),
    ("ops", "123456", Role.OPERATOR, "运营小张"),
    ("admin", "admin123", Role.ADMIN, "系统管理员"),
)
DEMO_CAMPAIGN = "双11金卡5倍积分"
MAX_MEMBERS = 5_000_000
PARALLEL_FROM = 40_000  # members; below this, worker processes cost more than they save


@dataclass(frozen=True)
class DemoReport:
    members: int
    entries: int
    purchases: int
    refunds: int
    tier_changes: int
    tiers: tuple[tuple[str, int], ...]  # (tier code, members), lowest tier first
    expiring_soon: int  # members with points expiring within a month
    staff_created: tuple[str, ...]
    seed: int
    seconds: float


def generate_demo(db: Database, members: int, seed: int = 1, *, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None, chunk_size: int = CHUNK_SIZE) -> DemoReport:
    """Fill an empty database with demo data; see the module docstring.

    ``workers`` processes simulate chunks of ``chunk_size`` members (default:
    one per core, for loads of at least ``PARALLEL_FROM`` members); the data
    does not depend on either. ``progress(done, total)`` follows the load.
    """
    if isinstance(members, bool) or not isinstance(members, int) or not 1 <= members <= MAX_MEMBERS:
        raise ValidationError("The demo has 1 to {n} members.", field="members", n=MAX_MEMBERS)
    started = time.perf_counter()
    with db.read() as session:
        if session.scalar(select(Member.id).limit(1)) is not None:
            raise Conflict("The database already has members; demo data goes into an empty database.")
        system = staff.system_actor(session)
    created = _ensure_staff(db, system)
    _ensure_campaign(db, system)
    with db.read() as session:
        empty_catalog = catalog.count_items(session) == 0
    if empty_catalog:
        create_demo_catalog(db, system)
    plan = _plan(db, system, members, seed, chunk_size)
    totals = {table: 0 for table in COLUMNS}
    tier_members: dict[int, int] = {}
    downgrades: dict[str, int] = {}
    expiring = done = 0
    processes = _processes(plan, workers)
    staging = None
    if processes > 1 and db.sqlite_path is not None:  # next to the database: the same disk, and space for it
        staging = Path(tempfile.mkdtemp(prefix=".pointsmall-demo-", dir=db.sqlite_path.parent))
    loader = open_loader(db, members)
    try:
        for out in _chunk_rows(plan, processes, staging):
            loader.take(out)
            for table in COLUMNS:
                totals[table] += out.counts[table] if out.path else len(out.rows[table])
            for tier_id, n in out.tiers.items():
                tier_members[tier_id] = tier_members.get(tier_id, 0) + n
            for period, n in out.downgrades.items():
                downgrades[period] = downgrades.get(period, 0) + n
            expiring += out.expiring
            done += out.counts["members"] if out.path else len(out.rows["members"])
            if progress is not None:
                progress(done, members)
        loader.take(_evaluations(plan, downgrades))
        loader.finish()
    except BaseException:
        loader.abort()
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    games = create_demo_games(db, system, seed)  # an open wheel, and some members' recent sign-ins
    report = DemoReport(
        members, totals["point_entries"] + games.entries, totals["purchases"], totals["refunds"],
        totals["tier_changes"],
        tuple((t.code, tier_members.get(t.id, 0)) for t in plan.tiers), expiring, created, seed,
        time.perf_counter() - started,
    )
    with db.write() as session:
        audit.record(session, system, "demo.generate", "demo", f"seed {seed}", None,
                     {"members": members, "entries": report.entries, "purchases": report.purchases,
                      "staff_created": list(created)}, utc_now())
    return report


def _ensure_staff(db: Database, system: Actor) -> tuple[str, ...]:
    with db.read() as session:
        taken = set(session.scalars(select(Staff.username)))
    missing = [account for account in DEMO_STAFF if account[0] not in taken]

    def create(account: tuple[str, str, Role, str]) -> str:
        username, secret, role, display_name = account
        staff.create_staff(db, system, username=username, display_name=display_name, role=role, secret=secret)
        return username

    # Hashing a password (argon2id) is most of the time here; the hash runs without the GIL.
    with ThreadPoolExecutor(max_workers=len(missing) or 1) as pool:
        return tuple(pool.map(create, missing))


def _ensure_campaign(db: Database, system: Actor) -> None:
    """双11 (Nov 1-11) of the latest November that has begun: gold members earn 5x."""
    today = business_day(utc_now(), system.store_tz)
    year = today.year if today >= date(today.year, 11, 1) else today.year - 1
    with db.read() as session:
        if session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN)) is not None:
            return
    campaigns.save_campaign(db, system, name=DEMO_CAMPAIGN, starts_on=date(year, 11, 1),
                            ends_on=date(year, 11, 11), multiplier_permille=5000, tier_codes=("gold",))


def _plan(db: Database, system: Actor, members: int, seed: int, chunk_size: int) -> Plan:
    with db.read() as session:
        rules = load_rules(session)
        ladder = tuple(list_tiers(session))
        active = tuple(c for c in campaigns.list_campaigns(session) if c.active)
        ids = {name: staff_id for name, staff_id in session.execute(
            select(Staff.username, Staff.id).where(Staff.username.in_(("cashier", "manager", "admin"))))}
    now = utc_now()
    people = {"cashier": ids["cashier"].hex, "manager": ids["manager"].hex, "admin": ids["admin"].hex,
              "system": system.staff_id.hex}
    return Plan(seed, to_us(now), business_day(now, system.store_tz), system.store_tz, system.store_id, people,
                ladder, rules, active, to_us(now) // 1000, members, chunk_size)


def _evaluations(plan: Plan, downgrades: dict[str, int]) -> ChunkRows:
    """The monthly evaluations the histories went through (the current month's is still to run)."""
    cal = Calendar(plan.tz)
    rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
    rows["tier_evaluations"] = [(cp.period, cal.text(cp.evaluate_us), downgrades.get(cp.period, 0), 0, 0)
                                for cp in checkpoints(plan, cal) if cp.evaluate_us is not None]
    return ChunkRows(-1, rows)


def _processes(plan: Plan, workers: int | None) -> int:
    if workers is None:
        workers = (os.cpu_count() or 1) if plan.members >= PARALLEL_FROM else 1
    return max(1, min(workers, 8, len(plan.chunks())))


def _chunk_rows(plan: Plan, processes: int, staging: Path | None) -> Iterator[ChunkRows]:
    """Each chunk's rows, in chunk order; made by worker processes for large loads, which put
    them in staging files (``staging``) for SQLite and send them back for PostgreSQL."""
    chunks = plan.chunks()
    if processes <= 1:
        for chunk in chunks:
            yield generate_chunk(plan, chunk)
        return
    # Spawned, not forked: the parent holds database connections, and the client also runs on Windows.
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        pending: deque = deque()
        upcoming = iter(chunks)

        def submit(chunk: Chunk) -> None:
            if staging is None:
                pending.append(pool.apply_async(generate_chunk, (plan, chunk)))
            else:
                pending.append(pool.apply_async(stage_chunk, (plan, chunk, str(staging))))

        for chunk in upcoming:
            submit(chunk)
            if len(pending) >= 2 * processes:  # bounded: the writer, not memory or disk, sets the pace
                break
        while pending:
            rows = pending.popleft().get()
            following = next(upcoming, None)
            if following is not None:
                submit(following)
            yield rows
