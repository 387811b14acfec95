"""Runs core services off the GUI thread.

All writes go through one worker thread (SQLite has one writer anyway, and
one queue keeps a till's operations in the order the cashier made them);
reads run beside it on a small pool. Each call opens its own session inside
the service, so no session ever crosses a thread.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from pointsmall.db import Database

T = TypeVar("T")


class Worker:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pointsmall-write")
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pointsmall-read")

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(db, *args, **kwargs)`` on the write thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, partial(fn, self.db, *args, **kwargs))

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(db, *args, **kwargs)`` on a reader thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, partial(fn, self.db, *args, **kwargs))

    def shutdown(self) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True, cancel_futures=True)
