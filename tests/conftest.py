"""Shared fixtures: a real SQLite file and a real PostgreSQL database per test.

Service tests take the ``db`` fixture, which runs each test twice: once on
an SQLite file and once on a fresh PostgreSQL database (cloned from a
migrated template, so each clone costs milliseconds). When the server is
unreachable the PostgreSQL half is skipped, unless POINTSMALL_REQUIRE_PG=1
(as in CI), where it fails instead.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psycopg
import pytest
from argon2 import PasswordHasher

from pointsmall import bootstrap, staff
from pointsmall.db import Database
from pointsmall.staff import Actor, Role

PG_ADMIN = os.environ.get("POINTSMALL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("POINTSMALL_REQUIRE_PG") == "1"
TEMPLATE = f"pointsmall_tmpl_{os.getpid()}"


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id still, with a cost fit for hundreds of test logins."""
    monkeypatch.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    try:
        conn = _pg_admin()
    except psycopg.OperationalError as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (POINTSMALL_REQUIRE_PG=1) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    db = bootstrap.prepare(_pg_url(TEMPLATE))
    db.dispose()
    yield TEMPLATE
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = bootstrap.prepare(f"sqlite+pysqlite:///{path}")
    db.dispose()
    return path


def make_sqlite(template: Path, directory: Path) -> Database:
    path = directory / "pointsmall.db"
    shutil.copyfile(template, path)
    return bootstrap.prepare(f"sqlite+pysqlite:///{path}")


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    db = make_sqlite(sqlite_template, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def pg_db(pg_template: str) -> Iterator[Database]:
    name = f"pointsmall_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    db = bootstrap.prepare(_pg_url(name))
    yield db
    db.dispose()
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on both backends."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def system(db: Database) -> Actor:
    with db.read() as session:
        return staff.system_actor(session)


STAFF_SECRET = "secret-123"


def make_actor(db: Database, role: Role, username: str | None = None) -> Actor:
    with db.read() as session:
        admin = staff.system_actor(session)
    username = username or f"{role.value}-{uuid.uuid4().hex[:6]}"
    staff.create_staff(db, admin, username=username, display_name=username, role=role, secret=STAFF_SECRET)
    return staff.authenticate(db, username, STAFF_SECRET)


@pytest.fixture
def cashier(db: Database) -> Actor:
    return make_actor(db, Role.CASHIER)


@pytest.fixture
def supervisor(db: Database) -> Actor:
    return make_actor(db, Role.SUPERVISOR)


@pytest.fixture
def operator(db: Database) -> Actor:
    return make_actor(db, Role.OPERATOR)


@pytest.fixture
def admin(db: Database) -> Actor:
    return make_actor(db, Role.ADMIN)
