"""UI fixtures: a qasync loop inside pytest-qt's Qt loop, and a logged-in context.

The qasync loop is created ``already_running`` so that coroutines started by
``@asyncSlot`` handlers run while ``qtbot.waitUntil``/``waitSignal`` spin the
Qt event loop, just as they do under the real application's loop.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import qasync

from pointsmall.db import Database
from pointsmall.staff import Actor, Role
from tests.conftest import make_actor
from ui import i18n
from ui.changes import Changes
from ui.context import AppContext
from ui.worker import Worker

from .page_support import delete_opened_pages


@pytest.fixture
def event_loop(qapp) -> Iterator[asyncio.AbstractEventLoop]:  # type: ignore[no-untyped-def]
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def close_pages(event_loop) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Delete the pages a test opened with ``show_page`` while the event loop still exists."""
    yield
    delete_opened_pages()


@pytest.fixture(params=["en"])
def language(request, qapp) -> str:  # type: ignore[no-untyped-def]
    return i18n.install_language(request.param)


def make_context(db: Database, role: Role, language: str = "zh_CN") -> AppContext:
    actor: Actor = make_actor(db, role)
    return AppContext(db=db, worker=Worker(db), actor=actor, changes=Changes(), language=language)


@pytest.fixture
def ui_db(sqlite_db: Database) -> Database:
    """UI tests run on SQLite; the services under them are tested on both backends."""
    return sqlite_db


@pytest.fixture
def cashier_ctx(ui_db: Database, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = make_context(ui_db, Role.CASHIER, language)
    yield ctx
    ctx.worker.shutdown()


@pytest.fixture
def supervisor_ctx(ui_db: Database, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = make_context(ui_db, Role.SUPERVISOR, language)
    yield ctx
    ctx.worker.shutdown()


@pytest.fixture
def admin_ctx(ui_db: Database, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = make_context(ui_db, Role.ADMIN, language)
    yield ctx
    ctx.worker.shutdown()
