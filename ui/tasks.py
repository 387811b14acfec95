"""Coroutines a widget started, cancelled when the widget goes away.

An answer from the worker must never arrive at a widget whose C++ side was
deleted (the page closed, the window rebuilt for another language). The
holder is a plain Python object, so connecting the widget's ``destroyed``
signal to ``cancel_all`` still works while the widget is being torn down.
"""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject


class Tasks:
    def __init__(self, owner: QObject | None = None) -> None:
        self._tasks: dict[str, asyncio.Future[Any]] = {}
        if owner is not None:
            owner.destroyed.connect(self.cancel_all)

    def start(self, name: str, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
        """Run ``coroutine`` as ``name``, cancelling the one of that name still running."""
        self.cancel(name)
        task = asyncio.ensure_future(coroutine)
        self._tasks[name] = task
        return task

    def running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def cancel(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None and not task.done():
            task.cancel()

    def cancel_all(self, *_: object) -> None:
        for name in list(self._tasks):
            self.cancel(name)
