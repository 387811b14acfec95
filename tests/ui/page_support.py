"""Opening a page in a UI test, and deleting it at the end while the event loop still exists.

A page deleted after the qasync loop is gone would leave a read or a
refresh it started with no loop to finish on; the ``close_pages`` fixture
in conftest.py deletes every page ``show_page`` opened before the loop ends.
"""
from __future__ import annotations

from typing import Any, TypeVar

import shiboken6
from PySide6.QtWidgets import QWidget

P = TypeVar("P", bound=QWidget)

OPENED: list[QWidget] = []


def show_page(qtbot: Any, page: P, width: int, height: int) -> P:
    """Show ``page`` at ``width`` × ``height`` and wait until it is on screen."""
    qtbot.addWidget(page)
    OPENED.append(page)
    page.resize(width, height)
    page.show()
    qtbot.waitExposed(page)
    return page


def delete_opened_pages() -> None:
    while OPENED:
        page = OPENED.pop()
        if shiboken6.isValid(page):
            customer = getattr(page, "customer", None)  # the games page's screen facing the customer
            if customer is not None:
                customer.close()
            page.close()
            shiboken6.delete(page)
