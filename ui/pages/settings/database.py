"""The "Database and sync" tab (administrators): how this desktop runs, tested and saved.

Three modes: standalone (this computer's own database), online (every
desktop on the chain's shared database at HQ), offline-capable store (its
own copy that syncs with HQ). The chain's address and its password are
typed separately, so the password is never shown in the address field or
anywhere else. "Test connection" asks HQ's server off the GUI thread and
says what is wrong in a store manager's words; "Save" writes the settings
file atomically. A running desktop never switches databases under the
cashier's feet: the new setting is used from the next start, and the tab
says so.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLineEdit, QPushButton, QRadioButton, QVBoxLayout,
                               QWidget)
from qasync import asyncSlot

from pointsmall import config
from pointsmall.config import ChainStatus, Deployment, Mode

from ...context import AppContext
from ...messages import error_text
from .common import card, clear_error, error_label, form_layout, heading, hint, show_error, styled

T = TypeVar("T")


# Not the database worker: a test that waits seconds for a silent HQ must not hold up a till's reads.
# Plain Python threads, not qasync's default QThread executor, which aborts if the app quits mid-test.
_THREAD = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pointsmall-settings")


async def off_the_gui_thread(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_THREAD, fn, *args)


class DatabaseTab(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(objectName="databaseTab")
        self.ctx = ctx
        box = card("databaseCard")
        box.setMaximumWidth(820)
        inner = QVBoxLayout(box)
        inner.addWidget(heading(self.tr("Database and sync")))
        self.in_use = hint(self.tr("This desktop uses now: {db}").format(db=ctx.db.describe()), "databaseInUse")
        inner.addWidget(self.in_use)

        self.group = QButtonGroup(self)
        self.modes: dict[Mode, QRadioButton] = {}
        words = {
            Mode.STANDALONE: (self.tr("Standalone"),
                              self.tr("One store: the data stays on this computer.")),
            Mode.ONLINE: (self.tr("Online"),
                          self.tr("Every desktop of the chain works on HQ's shared database; "
                                  "needs a steady connection to HQ.")),
            Mode.OFFLINE: (self.tr("Offline-capable store"),
                           self.tr("This store works on its own copy and syncs with HQ whenever it can reach it; "
                                   "it keeps serving members when the connection is down.")),
        }
        for mode, (name, explain) in words.items():
            button = QRadioButton(name, objectName=f"mode_{mode.value}")
            self.group.addButton(button)
            self.modes[mode] = button
            inner.addWidget(button)
            line = hint(explain, f"modeHint_{mode.value}")
            line.setContentsMargins(26, 0, 0, 4)
            inner.addWidget(line)

        form = form_layout()
        self.chain = QLineEdit(objectName="chainAddress")
        self.chain.setPlaceholderText("postgresql://pos@hq.example.com:5432/pointsmall")
        self.password = QLineEdit(objectName="chainPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("as given by HQ"))
        self.store = QLineEdit(objectName="storeCode")
        self.store.setMaxLength(config.STORE_CODE_MAX)
        self.store.setPlaceholderText(ctx.actor.store_id)
        form.addRow(self.tr("HQ database address"), self.chain)
        form.addRow(self.tr("HQ database password"), self.password)
        form.addRow(self.tr("This store's code"), self.store)
        inner.addSpacing(6)
        inner.addLayout(form)

        self.error = error_label("databaseError")
        self.status = hint("", "databaseStatus")
        self.overridden = hint("", "databaseOverridden")
        styled(self.overridden, error=True)
        inner.addWidget(self.overridden)
        inner.addWidget(self.error)
        inner.addWidget(self.status)
        inner.addWidget(hint(self.tr("A saved change takes effect when pointsmall is started again on this "
                                     "computer; nothing changes while it runs."), "databaseRestartHint"))
        self.test = QPushButton(self.tr("Test connection"), objectName="databaseTest")
        self.save = QPushButton(self.tr("Save"), objectName="databaseSave")
        styled(self.save, primary=True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.test)
        row.addWidget(self.save)
        inner.addLayout(row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(box)
        layout.addStretch(1)
        self.group.buttonToggled.connect(self._mode_toggled)
        self.test.clicked.connect(self.test_connection)
        self.save.clicked.connect(self.save_settings)
        self.load()

    # -- showing ----------------------------------------------------------------

    def load(self) -> None:
        """Fill the form from the settings file (a broken file is said, and the defaults shown)."""
        try:
            saved = config.read_file()
        except config.ConfigError as problem:
            saved = {}
            self.error.setText(error_text(problem))
        mode = saved.get("mode", Mode.STANDALONE.value)
        self.modes.get(Mode(mode) if mode in Mode._value2member_map_ else Mode.STANDALONE,
                       self.modes[Mode.STANDALONE]).setChecked(True)
        address, password = config.without_password(saved.get("chain"))
        self.chain.setText(address)
        self.password.setText(password)
        self.store.setText(saved.get("store", ""))
        self._mode_toggled()
        winning = [name for name in config.ENV.values() if os.environ.get(name)]
        self.overridden.setText(self.tr("Set on this computer and stronger than the saved setting: {names}. "
                                        "Remove it for the choice here to count.").format(names=", ".join(winning))
                                if winning else "")
        self.overridden.setVisible(bool(winning))

    def chosen(self) -> Mode:
        return next(mode for mode, button in self.modes.items() if button.isChecked())

    def deployment(self) -> Deployment:
        """What the form says; a password without a user name in the address is refused."""
        chain = self.chain.text().strip()
        if chain or self.password.text():
            chain = config.with_password(chain, self.password.text())
        return Deployment(self.chosen(), chain or None, self.store.text().strip() or None)

    def _chain(self) -> str:
        chain = self.deployment().chain
        if not chain:
            raise config.ConfigError("Enter the address of the chain's database (HQ) for the {mode} mode.",
                                     mode=self.chosen().value)
        return chain

    def _mode_toggled(self, *_: object) -> None:
        mode = self.chosen()
        needs_chain = mode is not Mode.STANDALONE
        for widget in (self.chain, self.password):
            widget.setEnabled(needs_chain)
        self.store.setEnabled(mode is Mode.OFFLINE)
        self.test.setEnabled(needs_chain)
        self.status.clear()

    def _busy(self, busy: bool) -> None:
        self.save.setEnabled(not busy)
        self.test.setEnabled(not busy and self.chosen() is not Mode.STANDALONE)

    # -- acting -----------------------------------------------------------------

    @asyncSlot()
    async def test_connection(self) -> None:
        clear_error(self.error)
        self.status.setText(self.tr("Asking HQ's server…"))
        self._busy(True)
        try:
            found: ChainStatus = await off_the_gui_thread(config.check_connection, self._chain())
        except Exception as exc:  # every refusal is shown next to the form
            if not shiboken6.isValid(self):
                return
            self.status.clear()
            show_error(self.error, exc)
        else:
            if not shiboken6.isValid(self):
                return
            self.status.setText(self.tr("Connected to HQ's database: PostgreSQL {version}, {stores} store(s), "
                                        "schema {revision} (current).").format(
                version=found.server_version, stores=found.stores, revision=found.revision))
        finally:
            if shiboken6.isValid(self):
                self._busy(False)

    @asyncSlot()
    async def save_settings(self) -> None:
        clear_error(self.error)
        self._busy(True)
        try:
            path = await off_the_gui_thread(config.save, self.deployment())
        except Exception as exc:
            if shiboken6.isValid(self):
                self.status.clear()
                show_error(self.error, exc)
        else:
            if shiboken6.isValid(self):
                self.status.setText(self.tr("Saved to {path}. Start pointsmall again on this computer to use "
                                            "the new setting.").format(path=str(path)))
        finally:
            if shiboken6.isValid(self):
                self._busy(False)
