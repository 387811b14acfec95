"""Fixtures and helpers for the games tests (sign-in, wheel, prizes).

A PostgreSQL database costs about two seconds to create here, so the games
service tests share one database per module and backend (``games``) and
every test makes its own members and wheels: tests cannot see each other's
rows. The sign-in rules are one global setting, so they are put back to the
defaults after every test. Tests that tamper with rows, or that must start
from an empty database, use the per-test ``db`` fixture instead.

Test days lie a few weeks after the real today: members join today, and a
make-up may not fill a day before a member joined.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime, time, timedelta, timezone

import pytest

from pointsmall import check, risk, signin, tasks, wheel_setup
from pointsmall.db import Database
from pointsmall.wheel_setup import SegmentDraft, WheelDraft

from ..conftest import make_sqlite
from .support import Crew, module_pg_database, staff_crew

SHANGHAI = ZONE = "Asia/Shanghai"
_SOON = date.today() + timedelta(days=21)
MONDAY = _SOON + timedelta(days=(7 - _SOON.weekday()) % 7)  # a Monday weeks after any member here joined
MONTH = (_SOON.replace(day=1) + timedelta(days=40)).replace(day=1)  # the first of a month after that


Games = Crew


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def games(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Games]:
    """One database per module and backend, with a staff member of every role."""
    if request.param == "sqlite":
        db = make_sqlite(request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("games"))
        yield staff_crew(db)
        db.dispose()
        return
    with module_pg_database(request.getfixturevalue("pg_template"), "g") as db:
        yield staff_crew(db)


@pytest.fixture(autouse=True)
def _default_signin_rules(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "games" in request.fixturenames:
        g: Games = request.getfixturevalue("games")
        signin.update_signin_rules(g.db, g.system, **asdict(signin.SigninRules()))


def local(day: date, hour: int = 10, minute: int = 0, tz: str = SHANGHAI) -> datetime:
    """An instant given in a store's local time."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(timezone.utc)


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def assert_clean(db: Database) -> None:
    report = check.run_check(db)
    assert report.ok, report.problems


def seg(label: str, weight: int, prize: str = "nothing", **kw: object) -> SegmentDraft:
    colour = kw.pop("colour", "#E5484D")
    return SegmentDraft(label=label, colour=colour, weight=weight, prize=prize, **kw)  # type: ignore[arg-type]


def simple_wheel(**changes: object) -> WheelDraft:
    """Thanks (fallback) 40, 10 points 30, 50 points 20 (stock 5), a ¥5 coupon 10 (stock 2)."""
    values: dict[str, object] = dict(
        name="春季大转盘", starts_at=local(MONDAY - timedelta(days=30), 0), ends_at=local(MONDAY + timedelta(days=60), 0),
        segments=(seg("谢谢参与", 40), seg("10积分", 30, "points", points=10),
                  seg("50积分", 20, "points", points=50, stock=5),
                  seg("5元券", 10, "coupon", face_value_fen=500, validity_days=7, value_points=100, stock=2)),
        fallback_index=0, cost_points=10)
    values.update(changes)
    return WheelDraft(**values)  # type: ignore[arg-type]


def new_wheel(g: Games, **changes: object) -> wheel_setup.WheelView:
    return wheel_setup.save_wheel(g.db, g.operator, simple_wheel(**changes))


class FixedDraws:
    """Stands in for ``secrets.randbelow``: returns the given values in turn, records each range asked for."""

    def __init__(self, *values: int) -> None:
        self.values = list(values)
        self.ranges: list[int] = []

    def __call__(self, n: int) -> int:
        self.ranges.append(n)
        value = self.values.pop(0) if len(self.values) > 1 else self.values[0]
        assert 0 <= value < n, f"test asked for {value} from [0, {n})"
        return value


# -- tasks and abuse rules (global configuration: switched off after every test that uses them) --------


@pytest.fixture
def _no_tasks_or_rules(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks and risk rules apply to every member: a test's own must not pay or flag in the next test."""
    yield
    if "games" not in request.fixturenames:
        return
    g: Games = request.getfixturevalue("games")
    from sqlalchemy import update

    from pointsmall.models import RiskRule, Task

    with g.db.write() as session:
        session.execute(update(Task).values(active=False))
        session.execute(update(RiskRule).values(active=False))


def new_task(g: Games, **changes: object) -> tasks.TaskView:
    """A daily visit task paying 8 points, unless told otherwise."""
    values: dict[str, object] = dict(name="到店打卡", kind="daily", trigger="visit", points=8)
    values.update(changes)
    return tasks.create_task(g.db, g.operator, tasks.TaskDraft(**values))  # type: ignore[arg-type]


def new_rule(g: Games, **changes: object) -> risk.RiskRuleView:
    """More than 2 task rewards within an hour, blocking redemption, unless told otherwise."""
    values: dict[str, object] = dict(name="任务过快", metric="task_claims", window_minutes=60, threshold=2,
                                     block_redeem=True)
    values.update(changes)
    return risk.create_rule(g.db, g.operator, risk.RiskRuleDraft(**values))  # type: ignore[arg-type]
