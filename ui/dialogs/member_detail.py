"""One member in full: the member card, the details, every ledger entry, and the actions.

The left column is the counter's member card (tier, balance, progress,
expiring points, warnings). On the right are the details, the actions the
logged-in role may take (edit, adjust points, freeze or unfreeze, clear the
review flag) and the whole ledger, read a page at a time. The dialog
reloads itself whenever ``ctx.changes`` says this member changed, so an
adjustment made here or at another screen shows at once.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFrame, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall import members
from pointsmall.members import MemberView
from pointsmall.staff import Permission

from .. import i18n, icons
from ..context import AppContext
from ..head_office import hold_back
from ..messages import error_text
from ..models.ledger_table import LedgerColumn, LedgerTableModel
from ..ops import members as member_ops
from ..widgets.member_card import MemberCard
from .adjust_points import AdjustPointsDialog, open_adjust_points
from .member_edit import MemberEditDialog, open_member_editor
from .reason import ReasonDialog
from .style import members_style_sheet


class MemberDetailDialog(QDialog):
    def __init__(self, ctx: AppContext, member_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberDetailDialog")
        self.ctx = ctx
        self.member_id = member_id
        self.member: MemberView | None = None
        self.child: QDialog | None = None  # the edit, adjust or reason dialog opened from here
        self.setWindowTitle(self.tr("Member"))
        self.resize(1180, 720)
        self.setStyleSheet(members_style_sheet())

        self.card = MemberCard(ctx.language)
        self.card.setFixedWidth(420)
        self.card.phone.setWordWrap(True)  # "phone · card 8…" is wider than the card's header
        self.facts = {key: QLabel(objectName=f"detail_{key}") for key in
                      ("card", "phone", "birthday", "joined", "store", "consent", "status")}
        for label in self.facts.values():
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts = QGridLayout()
        facts.setHorizontalSpacing(16)
        facts.setVerticalSpacing(6)
        captions = {
            "card": self.tr("Card"), "phone": self.tr("Mobile"), "birthday": self.tr("Birthday"),
            "joined": self.tr("Joined"), "store": self.tr("Home store"), "consent": self.tr("Privacy consent"),
            "status": self.tr("Status"),
        }
        for i, (key, caption) in enumerate(captions.items()):
            label = QLabel(caption, objectName="detailCaption")
            label.setProperty("hint", True)
            facts.addWidget(label, i // 2, (i % 2) * 2)
            facts.addWidget(self.facts[key], i // 2, (i % 2) * 2 + 1)
        facts.setColumnStretch(1, 1)
        facts.setColumnStretch(3, 1)
        facts_box = QFrame(objectName="detailFacts")
        facts_box.setProperty("card", True)
        facts_box.setLayout(facts)

        self.edit_button = QPushButton(self.tr("Edit"), objectName="editMemberButton")
        self.adjust_button = QPushButton(icons.icon("adjust"), self.tr("Adjust points"), objectName="adjustButton")
        self.freeze_button = QPushButton(objectName="freezeButton")
        self.review_button = QPushButton(self.tr("Clear review flag"), objectName="clearReviewButton")
        self.edit_button.setVisible(ctx.can(Permission.MEMBER_EDIT))
        self.adjust_button.setVisible(ctx.can(Permission.POINTS_ADJUST))
        self.freeze_button.setVisible(ctx.can(Permission.MEMBER_FREEZE))
        self.review_button.hide()
        hold_back(ctx, "profile", self.edit_button)
        hold_back(ctx, "status", self.freeze_button)
        hold_back(ctx, "reviews", self.review_button)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        for button in (self.edit_button, self.adjust_button, self.freeze_button, self.review_button):
            button.setEnabled(False)
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addStretch()
        self.merged_here = QLabel(objectName="detailMergedHere")  # accounts merged into this one (merge.py)
        self.merged_here.setProperty("hint", True)
        self.merged_here.setWordWrap(True)
        self.merged_here.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.merged_here.hide()
        self.error = QLabel(objectName="detailError")
        self.error.setProperty("error", True)
        self.error.setWordWrap(True)
        self.error.hide()

        history = QLabel(self.tr("Points history"), objectName="historyTitle")
        history.setProperty("heading", True)
        self.ledger = LedgerTableModel(ctx, member_id, self)
        self.ledger_view = QTableView(objectName="ledgerTable")
        self.ledger_view.setModel(self.ledger)
        self.ledger_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.ledger_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.ledger_view.setAlternatingRowColors(True)
        self.ledger_view.setShowGrid(False)
        self.ledger_view.setWordWrap(False)
        self.ledger_view.verticalHeader().hide()
        self.ledger_view.verticalHeader().setDefaultSectionSize(30)
        header = self.ledger_view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # Dates are as wide as the locale writes them; the rest is room for the reason and note.
        metrics = self.ledger_view.fontMetrics()
        now = datetime.now(timezone.utc)
        for column, width in ((LedgerColumn.WHEN, metrics.horizontalAdvance(i18n.moment(now)) + 32),
                              (LedgerColumn.KIND, 100), (LedgerColumn.POINTS, 76), (LedgerColumn.BALANCE, 90),
                              (LedgerColumn.EXPIRES, metrics.horizontalAdvance(i18n.day(now.date())) + 32)):
            self.ledger_view.setColumnWidth(column, width)
        header.setSectionResizeMode(LedgerColumn.REASON, QHeaderView.ResizeMode.Stretch)
        self.ledger_empty = QLabel(self.tr("No points yet."), objectName="ledgerEmpty")
        self.ledger_empty.setProperty("hint", True)
        self.ledger_empty.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(facts_box)
        right.addWidget(self.merged_here)
        right.addLayout(actions)
        right.addWidget(self.error)
        right.addWidget(history)
        right.addWidget(self.ledger_view, 1)
        right.addWidget(self.ledger_empty)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.card)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)

        self.edit_button.clicked.connect(self.edit)
        self.adjust_button.clicked.connect(self.adjust)
        self.freeze_button.clicked.connect(self.freeze_or_unfreeze)
        self.review_button.clicked.connect(self.clear_review)
        self.ledger.modelReset.connect(self._ledger_shown)
        self.ledger.rowsInserted.connect(self._ledger_shown)
        ctx.changes.member_changed.connect(self._member_changed)
        self.reload()

    # -- loading -------------------------------------------------------------------------

    @asyncSlot()
    async def reload(self) -> None:
        try:
            member = await member_ops.load(self.ctx, self.member_id)
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._show_error(error_text(exc))
            return
        if shiboken6.isValid(self):  # the dialog may have been closed and deleted meanwhile
            self.show_member(member)

    def _member_changed(self, member_id: uuid.UUID) -> None:
        if member_id == self.member_id:
            self.ledger.refresh()
            self.reload()

    def show_member(self, member: MemberView) -> None:
        self.member = member
        self.setWindowTitle(self.tr("Member — {name}").format(name=member.name))
        self.card.show_member(member)
        yes, no = self.tr("Yes"), self.tr("No")
        self.facts["card"].setText(member.card_code)
        self.facts["phone"].setText(member.phone)
        self.facts["birthday"].setText(i18n.day(member.birthday) if member.birthday else self.tr("Not given"))
        self.facts["joined"].setText(i18n.day(member.joined_on))
        store = member.home_store_id
        if store == self.ctx.actor.store_id:
            store = self.tr("{name} ({code})").format(name=self.ctx.actor.store_name, code=store)
        self.facts["store"].setText(store)
        self.facts["consent"].setText(yes if member.consent else no)
        frozen = member.status == "frozen"
        merged = member.merged_into
        self.facts["status"].setText(
            self.tr("Merged into {name} (card {card})").format(name=merged.name, card=merged.card_code) if merged
            else self.tr("Frozen") if frozen else self.tr("Active"))
        self.facts["status"].setProperty("error", frozen or merged is not None)
        self.freeze_button.setText(self.tr("Unfreeze") if frozen else self.tr("Freeze"))
        self.freeze_button.setProperty("danger", not frozen)
        self.freeze_button.style().unpolish(self.freeze_button)
        self.freeze_button.style().polish(self.freeze_button)
        self.review_button.setVisible(member.needs_review and self.ctx.can(Permission.REVIEW_RESOLVE))
        self.adjust_button.setEnabled(not frozen)
        self.adjust_button.setToolTip(self.tr("Unfreeze the account to change its points") if frozen else "")
        for button in (self.edit_button, self.freeze_button, self.review_button):
            button.setEnabled(True)
        if merged is not None:  # nothing changes on an account merged into another: its points moved there
            for button in (self.edit_button, self.adjust_button, self.freeze_button):
                button.setEnabled(False)
        self._show_error("")
        self.show_merged_here()

    @asyncSlot()
    async def show_merged_here(self) -> None:
        """The accounts merged into this one: their history stays theirs, named here."""
        try:
            merged = await self.ctx.worker.read(members.merged_members, self.ctx.actor, self.member_id)
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._show_error(error_text(exc))
            return
        if not shiboken6.isValid(self) or not merged:
            return
        names = ", ".join(self.tr("{name} (card {card})").format(name=m.name, card=m.card_code) for m in merged)
        self.merged_here.setText(self.tr("Merged into this account: {names}. Their purchases and points history "
                                         "stay on their own accounts.").format(names=names))
        self.merged_here.show()

    def _ledger_shown(self) -> None:
        self.ledger_empty.setVisible(self.ledger.rowCount() == 0 and not self.ledger.canFetchMore())

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -- actions --------------------------------------------------------------------------

    def edit(self) -> MemberEditDialog | None:
        if self.member is None:
            return None
        dialog = open_member_editor(self.ctx, self, self.member)
        self.child = dialog
        return dialog

    def adjust(self) -> AdjustPointsDialog | None:
        if self.member is None:
            return None
        dialog = open_adjust_points(self.ctx, self.member, self)
        self.child = dialog
        return dialog

    def freeze_or_unfreeze(self) -> ReasonDialog | None:
        if self.member is None:
            return None
        member_id = self.member.id
        if self.member.status == "frozen":
            title, prompt, label = (self.tr("Unfreeze account"), self.tr("Why is the account unfrozen?"),
                                    self.tr("Unfreeze"))
            status, danger = "active", False
        else:
            title, prompt, label = (self.tr("Freeze account"),
                                    self.tr("While frozen, the member cannot earn or spend points. Why?"),
                                    self.tr("Freeze"))
            status, danger = "frozen", True
        dialog = ReasonDialog(title, prompt, label,
                              lambda reason: member_ops.set_status(self.ctx, member_id, status, reason),
                              self, danger=danger)
        dialog.open()
        self.child = dialog
        return dialog

    def clear_review(self) -> ReasonDialog | None:
        if self.member is None:
            return None
        member_id = self.member.id
        reason = self.member.review_reason or self.tr("no reason given")
        dialog = ReasonDialog(self.tr("Clear review flag"),
                              self.tr("Flagged because: {reason}\nWhat did you check?").format(reason=reason),
                              self.tr("Clear flag"),
                              lambda note: member_ops.resolve_review(self.ctx, member_id, note), self)
        dialog.open()
        self.child = dialog
        return dialog
