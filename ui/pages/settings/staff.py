"""The Staff tab (administrators): accounts, roles, deactivation and password resets."""
from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.clock import utc_now
from pointsmall.staff import MIN_SECRET_LENGTH, Role, StaffView, StoreView

from ... import i18n
from ...context import AppContext
from ...head_office import hold_back
from ...ops import settings as ops
from .common import (SettingsTab, card, clear_error, error_label, form_layout, heading, hint, mark_invalid,
                     show_error, styled)

INACTIVE = QColor("#94A3B8")


class StaffTab(SettingsTab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "staffTab")
        self.accounts: list[StaffView] = []
        self.stores: list[StoreView] = []
        self.table = QTableWidget(0, 6, objectName="staffTable")
        self.table.setHorizontalHeaderLabels([self.tr("User name"), self.tr("Name"), self.tr("Role"),
                                              self.tr("Store"), self.tr("Active"), self.tr("Locked until")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        left = QVBoxLayout()
        left.addWidget(self.load_error)
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        right.setSpacing(12)
        right.addWidget(self._create_form())
        right.addWidget(self._edit_form())
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(16)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.table.itemSelectionChanged.connect(self._selected)

    def role_name(self, role: Role) -> str:
        return {Role.CASHIER: self.tr("Cashier"), Role.SUPERVISOR: self.tr("Supervisor"),
                Role.OPERATOR: self.tr("Operator"), Role.ADMIN: self.tr("Administrator")}[role]

    def _role_combo(self, name: str) -> QComboBox:
        combo = QComboBox(objectName=name)
        for role in Role:
            combo.addItem(self.role_name(role), role)
        return combo

    def _create_form(self) -> QWidget:
        box = card("staffCreateCard")
        self.username = QLineEdit(objectName="staffUsername")
        self.username.setMaxLength(64)
        self.display_name = QLineEdit(objectName="staffDisplayName")
        self.role = self._role_combo("staffRole")
        self.store = QComboBox(objectName="staffStore")
        self.password = _password("staffPassword")
        self.password.setPlaceholderText(self.tr("at least {n} characters").format(n=MIN_SECRET_LENGTH))
        self.password2 = _password("staffPassword2")
        self.create_error = error_label("staffCreateError")
        self.created = hint("", "staffCreated")
        self.create_button = QPushButton(self.tr("Create account"), objectName="staffCreate")
        styled(self.create_button, primary=True)
        hold_back(self.ctx, "staff", self.create_button)
        form = form_layout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Name"), self.display_name)
        form.addRow(self.tr("Role"), self.role)
        form.addRow(self.tr("Store"), self.store)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Repeat password"), self.password2)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.created, 1)
        buttons.addWidget(self.create_button)
        inner = QVBoxLayout(box)
        inner.addWidget(heading(self.tr("New staff account")))
        inner.addLayout(form)
        inner.addWidget(self.create_error)
        inner.addLayout(buttons)
        self.create_fields = {"username": self.username, "role": self.role, "secret": self.password}
        self.create_button.clicked.connect(self.create)
        self.password2.returnPressed.connect(self.create)
        return box

    def _edit_form(self) -> QWidget:
        box = card("staffEditCard")
        self.selected_title = heading(self.tr("Choose an account in the list"), "staffSelected")
        self.change_role = self._role_combo("staffChangeRole")
        self.apply_role = QPushButton(self.tr("Change role"), objectName="staffApplyRole")
        self.toggle_active = QPushButton(self.tr("Deactivate"), objectName="staffToggleActive")
        styled(self.toggle_active, danger=True)
        self.reset_password = _password("staffResetPassword")
        self.reset_password.setPlaceholderText(self.tr("new password"))
        self.reset_password2 = _password("staffResetPassword2")
        self.reset_password2.setPlaceholderText(self.tr("repeat it"))
        self.reset_button = QPushButton(self.tr("Reset password"), objectName="staffReset")
        hold_back(self.ctx, "staff", self.apply_role, self.toggle_active, self.reset_button)
        self.edit_error = error_label("staffEditError")
        self.edited = hint("", "staffEdited")
        role_row = QHBoxLayout()
        role_row.addWidget(self.change_role, 1)
        role_row.addWidget(self.apply_role)
        reset_row = QHBoxLayout()
        reset_row.addWidget(self.reset_password, 1)
        reset_row.addWidget(self.reset_password2, 1)
        reset_row.addWidget(self.reset_button)
        inner = QVBoxLayout(box)
        inner.addWidget(self.selected_title)
        inner.addLayout(role_row)
        inner.addLayout(reset_row)
        active_row = QHBoxLayout()
        active_row.addWidget(self.edited, 1)
        active_row.addWidget(self.toggle_active)
        inner.addWidget(self.edit_error)
        inner.addLayout(active_row)
        self.edit_widgets = [self.change_role, self.apply_role, self.toggle_active, self.reset_password,
                             self.reset_password2, self.reset_button]
        for widget in self.edit_widgets:
            widget.setEnabled(False)
        self.apply_role.clicked.connect(self.apply_role_change)
        self.toggle_active.clicked.connect(self.toggle)
        self.reset_button.clicked.connect(self.reset)
        self.reset_password2.returnPressed.connect(self.reset)
        return box

    async def fetch(self) -> ops.StaffSettings:
        return await ops.load_staff(self.ctx)

    def show_data(self, data: ops.StaffSettings) -> None:
        self.accounts, self.stores = data.accounts, data.stores
        current = self.store.currentData() or self.ctx.actor.store_id
        self.store.clear()
        for store in self.stores:
            self.store.addItem(f"{store.name} ({store.id})", store.id)
        self.store.setCurrentIndex(max(0, self.store.findData(current)))
        self._fill_table()

    def _fill_table(self) -> None:
        selected = self.selected()
        now = utc_now()
        stores = {s.id: s.name for s in self.stores}
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.accounts))
        for row, account in enumerate(self.accounts):
            locked = account.locked_until is not None and account.locked_until > now
            cells = [account.username, account.display_name, self.role_name(account.role),
                     stores.get(account.store_id, account.store_id),
                     self.tr("Yes") if account.active else self.tr("No"),
                     i18n.moment(account.locked_until) if locked and account.locked_until else ""]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(account.id))
                if not account.active:
                    item.setForeground(QBrush(INACTIVE))
                self.table.setItem(row, column, item)
        ids = [a.id for a in self.accounts]
        if selected is not None and selected.id in ids:
            self.table.selectRow(ids.index(selected.id))
        self.table.blockSignals(False)
        self._selected()

    def selected(self) -> StaffView | None:
        items = self.table.selectedItems()
        if not items:
            return None
        staff_id = uuid.UUID(items[0].data(Qt.ItemDataRole.UserRole))
        return next((a for a in self.accounts if a.id == staff_id), None)

    def _selected(self) -> None:
        account = self.selected()
        for widget in self.edit_widgets:
            widget.setEnabled(account is not None)
        if account is None:
            return
        self.selected_title.setText(self.tr("{name} ({username})").format(name=account.display_name,
                                                                         username=account.username))
        self.change_role.setCurrentIndex(self.change_role.findData(account.role))
        self.toggle_active.setText(self.tr("Deactivate") if account.active else self.tr("Reactivate"))

    def _passwords(self, first: QLineEdit, second: QLineEdit, error: object) -> str | None:
        if first.text() != second.text():
            error.setText(self.tr("The two passwords differ; type them again."))  # type: ignore[attr-defined]
            mark_invalid(second, True)
            second.clear()
            second.setFocus()
            return None
        return first.text()

    @asyncSlot()
    async def create(self) -> None:
        if not self.create_button.isEnabled():
            return
        clear_error(self.create_error, {**self.create_fields, "repeat": self.password2})
        self.created.clear()
        secret = self._passwords(self.password, self.password2, self.create_error)
        if secret is None:
            return
        self.create_button.setEnabled(False)
        try:
            view = await ops.create_staff(self.ctx, username=self.username.text(),
                                          display_name=self.display_name.text(), role=self.role.currentData(),
                                          secret=secret, store_id=self.store.currentData())
        except Exception as exc:  # the core's refusal is shown under the form
            show_error(self.create_error, exc, self.create_fields)
            return
        finally:
            self.create_button.setEnabled(True)
        for edit in (self.username, self.display_name, self.password, self.password2):
            edit.clear()
        self.created.setText(self.tr("Account {username} created.").format(username=view.username))

    async def _update(self, button: QPushButton, done: str, **changes: object) -> bool:
        account = self.selected()
        if account is None:
            return False
        clear_error(self.edit_error)
        self.edited.clear()
        button.setEnabled(False)
        try:
            view = await ops.update_staff(self.ctx, account.id, **changes)  # type: ignore[arg-type]
        except Exception as exc:  # shown under the account's actions
            show_error(self.edit_error, exc)
            return False
        finally:
            button.setEnabled(self.selected() is not None)
        self.edited.setText(done.format(username=view.username))
        return True

    @asyncSlot()
    async def apply_role_change(self) -> None:
        await self._update(self.apply_role, self.tr("{username}'s role was changed."),
                           role=self.change_role.currentData())

    @asyncSlot()
    async def toggle(self) -> None:
        account = self.selected()
        if account is None:
            return
        done = (self.tr("{username} can no longer log in.") if account.active
                else self.tr("{username} can log in again."))
        await self._update(self.toggle_active, done, active=not account.active)

    @asyncSlot()
    async def reset(self) -> None:
        clear_error(self.edit_error, {"repeat": self.reset_password2})
        secret = self._passwords(self.reset_password, self.reset_password2, self.edit_error)
        if secret is None:
            return
        if await self._update(self.reset_button, self.tr("{username}'s password was reset."), secret=secret):
            self.reset_password.clear()
            self.reset_password2.clear()


def _password(name: str) -> QLineEdit:
    edit = QLineEdit(objectName=name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit
