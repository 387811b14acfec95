"""The login dialog: user name and password or PIN, checked off the GUI thread."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout
from qasync import asyncSlot

from pointsmall import staff
from pointsmall.staff import Actor

from .messages import error_text
from .worker import Worker


class LoginDialog(QDialog):
    logged_in = Signal(object)  # Actor

    def __init__(self, worker: Worker, store_name: str = "", parent: object = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.worker = worker
        self.actor: Actor | None = None
        self.setWindowTitle(self.tr("pointsmall — log in"))
        self.setMinimumWidth(380)
        title = QLabel(self.tr("Points mall"))
        title.setObjectName("loginTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle = QLabel(store_name)
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.username = QLineEdit(objectName="loginUsername")
        self.username.setPlaceholderText(self.tr("User name"))
        self.secret = QLineEdit(objectName="loginSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(self.tr("Password or PIN"))
        self.error = QLabel(objectName="loginError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.button = QPushButton(self.tr("Log in"), objectName="loginButton")
        self.button.setDefault(True)
        form = QFormLayout()
        form.addRow(self.tr("User"), self.username)
        form.addRow(self.tr("Password"), self.secret)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.button)
        self.button.clicked.connect(self.submit)
        self.secret.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.secret.setFocus)

    @asyncSlot()
    async def submit(self) -> None:
        username, secret = self.username.text().strip(), self.secret.text()
        if not username or not secret:
            self.error.setText(self.tr("Enter your user name and password."))
            return
        self.button.setEnabled(False)
        self.error.clear()
        try:
            self.actor = await self.worker.write(staff.authenticate, username, secret)
        except Exception as exc:  # every refusal is shown, none is swallowed
            self.error.setText(error_text(exc))
            self.secret.clear()
            self.secret.setFocus()
            return
        finally:
            self.button.setEnabled(True)
        self.logged_in.emit(self.actor)
        self.accept()

    def show_no_accounts(self) -> None:
        self.error.setText(self.tr(
            "There are no staff accounts yet. Create one with "
            "'pointsmall staff add --username NAME --role admin', or load demo data with "
            "'pointsmall demo --members 2000'."))
