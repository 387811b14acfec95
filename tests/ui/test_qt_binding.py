"""The pinned Qt binding is safe on this Python.

Bug report (counter page work): PySide6 6.12.0 on CPython 3.11 dropped one
reference to None per void Qt call; after a few thousand calls the client
aborted with "Fatal Python error: none_dealloc". 6.11.3 is pinned.
"""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_do_not_drop_references_to_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("积分")
    assert sys.getrefcount(None) >= before - 50
