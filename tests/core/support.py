"""Small helpers shared by the core tests: counting rows, reading raw state."""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, text

from pointsmall import check, members
from pointsmall.db import Database
from pointsmall.models import AuditRecord, Base, Member, PointEntry, PointLot
from pointsmall.staff import Actor

_phones = itertools.count(1)


def unique_phone() -> str:
    """A valid, unused-in-this-process mainland mobile number."""
    return f"139{next(_phones):08d}"


def new_member(db: Database, actor: Actor, name: str = "测试会员", phone: str | None = None) -> members.MemberView:
    return members.create_member(db, actor, name=name, phone=phone or unique_phone())


def count(db: Database, model: type[Base], *where: Any) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table: compared before and after a refused operation."""
    with db.read() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables}


def member_row(db: Database, member_id: uuid.UUID) -> Member:
    with db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        session.expunge(member)
        return member


def entries(db: Database, member_id: uuid.UUID) -> list[PointEntry]:
    with db.read() as session:
        rows = list(session.scalars(select(PointEntry).where(PointEntry.member_id == member_id)
                                    .order_by(PointEntry.seq)))
        session.expunge_all()
        return rows


def lots(db: Database, member_id: uuid.UUID) -> list[PointLot]:
    with db.read() as session:
        rows = list(session.scalars(select(PointLot).where(PointLot.member_id == member_id)
                                    .order_by(PointLot.expires_on, PointLot.id)))
        session.expunge_all()
        return rows


def audit_count(db: Database) -> int:
    return count(db, AuditRecord)


def last_audit(db: Database) -> AuditRecord:
    with db.read() as session:
        # UUIDv7 ids follow insertion time across all chains (seq counts within one account's chain).
        rec = session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).one()
        session.expunge(rec)
        return rec


def assert_clean(db: Database) -> None:
    report = check.run_check(db)
    assert report.ok, report.problems


def at(day: date, hour: int = 12) -> datetime:
    """Noon UTC on ``day`` (20:00 in Shanghai: the same business day)."""
    return datetime.combine(day, time(hour), timezone.utc)


def drop_append_only_trigger(db: Database, table: str) -> None:
    """Tests that tamper with history must first remove the migration's guard."""
    with db.write() as session:
        if db.dialect == "postgresql":
            session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
        else:
            session.execute(text(f"DROP TRIGGER {table}_no_update"))
            session.execute(text(f"DROP TRIGGER {table}_no_delete"))


# -- a database shared by a test module, with a staff member of every role ----

@dataclass(frozen=True)
class Crew:
    """A database and one actor per role (the mall and games tests share one per module)."""

    db: Database
    system: Actor
    cashier: Actor
    supervisor: Actor
    operator: Actor
    admin: Actor


def staff_crew(db: Database) -> Crew:
    from argon2 import PasswordHasher

    from pointsmall import staff
    from pointsmall.staff import Role

    from ..conftest import make_actor

    with pytest.MonkeyPatch.context() as mp:  # module-scoped: the per-test fast-hashing fixture is not active
        mp.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        with db.read() as session:
            system = staff.system_actor(session)
        return Crew(db, system, *(make_actor(db, role) for role in
                                  (Role.CASHIER, Role.SUPERVISOR, Role.OPERATOR, Role.ADMIN)))


@contextmanager
def module_pg_database(template: str, prefix: str) -> Iterator[Database]:
    """A PostgreSQL database cloned from the migrated template, dropped afterwards."""
    from pointsmall import bootstrap

    from ..conftest import _pg_admin, _pg_url

    name = f"pointsmall_{prefix}_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    db = bootstrap.prepare(_pg_url(name))
    try:
        yield db
    finally:
        db.dispose()
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
