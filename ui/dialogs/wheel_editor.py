"""Creating or editing a spin wheel (大转盘), with the expected cost of a spin following the typing.

The form is read into the core's ``WheelDraft`` and checked with
``wheel_setup.validate_draft`` as the operator types: the first refusal is
shown in the core's words under the form, and its field is outlined. The
expected-cost panel beside the form recomputes on every keystroke. Saving
publishes a new version (``save_wheel``): spins already drawn keep the
version they were drawn under. Nothing is saved while a refusal stands.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (QDateTimeEdit, QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QScrollArea,
                               QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.catalog import ItemView
from pointsmall.clock import zone
from pointsmall.errors import ValidationError
from pointsmall.tiers import TierView
from pointsmall.wheel_setup import PrizeKind, SegmentDraft, WheelDraft, WheelView, validate_draft

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import games_setup as ops
from ..pages.settings import formats
from ..pages.settings.common import card, error_label, heading, hint, mark_invalid
from ..widgets.expected_cost import ExpectedCostPanel
from ..widgets.games_form import NumberEdit, Problems
from ..widgets.wheel_segments import PALETTE, SegmentRows
from ..widgets.wheel_view import SpinWheel

DATETIME_FORMAT = "yyyy-MM-dd HH:mm"


def starter_segments() -> tuple[SegmentDraft, ...]:
    """A new wheel's first four segments, in the operator's language: something to edit, not a blank form."""
    return (SegmentDraft(QCoreApplication.translate("WheelEditorDialog", "Thanks for playing"), PALETTE[4], 50,
                         PrizeKind.NOTHING.value),
            SegmentDraft(QCoreApplication.translate("WheelEditorDialog", "5 points"), PALETTE[2], 30,
                         PrizeKind.POINTS.value, points=5),
            SegmentDraft(QCoreApplication.translate("WheelEditorDialog", "20 points"), PALETTE[0], 15,
                         PrizeKind.POINTS.value, points=20, stock=100),
            SegmentDraft(QCoreApplication.translate("WheelEditorDialog", "¥5 coupon"), PALETTE[3], 5, PrizeKind.COUPON.value,
                         face_value_fen=500, validity_days=30, value_points=50, stock=20))


class WheelEditorDialog(QDialog):
    saved = Signal(object)  # WheelView

    def __init__(self, ctx: AppContext, wheel: WheelView | None, tiers: list[TierView], items: list[ItemView],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wheelEditorDialog")
        self.ctx = ctx
        self.wheel = wheel
        self.tiers = sorted(tiers, key=lambda t: t.rank)
        self.items = items
        self.touched = False
        self.setWindowTitle(self.tr("New wheel") if wheel is None else self.tr("Edit wheel — {name}").format(
            name=wheel.name))
        self.setMinimumSize(1260, 780)
        self._build()
        self._fill(wheel)
        self.segments.changed.connect(self._edited)
        for edit in self._line_edits():
            edit.textEdited.connect(self._edited)
        for edit in (self.starts, self.ends):
            edit.dateTimeChanged.connect(self._edited)
        self.refresh()

    # -- building -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.name = QLineEdit(objectName="wheelName")
        self.name.setMaxLength(64)
        self.name.setPlaceholderText(self.tr("e.g. 春季大转盘"))
        self.starts = _datetime_edit("wheelStarts")
        self.ends = _datetime_edit("wheelEnds")
        self.cost = NumberEdit("wheelCost", self.tr("0 = free"))
        self.free: dict[str, NumberEdit] = {t.code: NumberEdit(f"wheelFree_{t.code}", "0", width=56, max_length=3)
                                            for t in self.tiers}
        self.daily_cap = NumberEdit("wheelDailyCap", self.tr("No cap"))
        self.total_cap = NumberEdit("wheelTotalCap", self.tr("No cap"))
        self.budget = NumberEdit("wheelBudget", self.tr("No budget"), max_length=13)
        self.pity = NumberEdit("wheelPity", self.tr("Off"), max_length=4)
        self.expected_spins = NumberEdit("wheelExpectedSpins", self.tr("For the forecast"))
        spent = self.wheel.budget_spent if self.wheel is not None else 0
        free_row = QWidget(objectName="wheelFreeSpins")
        free_layout = QHBoxLayout(free_row)
        free_layout.setContentsMargins(0, 0, 0, 0)
        free_layout.setSpacing(6)
        for tier in self.tiers:
            free_layout.addWidget(QLabel(formats.tier_name(tier, self.ctx.language)))
            free_layout.addWidget(self.free[tier.code])
        free_layout.addStretch(1)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        def field(row: int, column: int, label: str, widget: QWidget, span: int = 1) -> None:
            caption = QLabel(label)
            caption.setBuddy(widget)
            grid.addWidget(caption, row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1, 1, span)

        field(0, 0, self.tr("Name"), self.name, 3)
        field(1, 0, self.tr("Opens"), self.starts)
        field(1, 1, self.tr("Closes"), self.ends)
        field(2, 0, self.tr("Cost per spin (points)"), self.cost)
        field(2, 1, self.tr("Pity counter (保底)"), self.pity)
        field(3, 0, self.tr("Spins per member a day"), self.daily_cap)
        field(3, 1, self.tr("Spins per member in all"), self.total_cap)
        field(4, 0, self.tr("Budget (points)"), self.budget)
        field(4, 1, self.tr("Spins you expect"), self.expected_spins)
        field(5, 0, self.tr("Free spins a day"), free_row, 3)
        self.pity.setToolTip(self.tr("A prize is certain after this many spins in a row without one"))
        self.expected_spins.setToolTip(self.tr("Not saved: the panel warns when the budget would run out before "
                                               "this many spins"))
        general = card("wheelGeneralCard")
        general_layout = QVBoxLayout(general)
        general_layout.addWidget(heading(self.tr("The wheel")))
        general_layout.addLayout(grid)
        general_layout.addWidget(hint(self.tr(
            "Empty caps, budget or pity counter mean none. The budget covers all prizes, in points "
            "(1 point ≈ ¥0.10); {spent} paid out so far. A pity counter makes a prize certain after that many "
            "spins in a row without one. “Spins you expect” is not saved: it only drives the budget warning.")
            .format(spent=i18n.points(spent)), "wheelGeneralHint"))

        self.segments = SegmentRows(self.items)
        segments_card = card("wheelSegmentsCard")
        segments_layout = QVBoxLayout(segments_card)
        segments_layout.addWidget(heading(self.tr("Segments (4 to 12)")))
        segments_layout.addWidget(hint(self.tr(
            "A segment's chance is its weight over the total weight. The fallback must be a “thanks for playing” "
            "segment: a spin lands there when a prize is out of stock or the budget is spent.")))
        segments_layout.addWidget(self.segments)
        segments_layout.addStretch(1)

        column = QWidget(objectName="wheelEditorColumn")
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 6, 0)
        column_layout.setSpacing(12)
        column_layout.addWidget(general)
        column_layout.addWidget(segments_card)
        scroll = QScrollArea(objectName="wheelEditorScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(column)

        self.cost_panel = ExpectedCostPanel()
        self.preview = SpinWheel()
        self.preview.setObjectName("wheelPreview")
        self.preview.set_interactive(False)
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preview.setFixedHeight(220)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(self.preview)
        right.addWidget(self.cost_panel, 1)
        right_box = QWidget(objectName="wheelEditorSide")
        right_box.setLayout(right)
        right.setContentsMargins(0, 0, 0, 0)
        right_box.setFixedWidth(280)
        top = QHBoxLayout()
        top.setSpacing(14)
        top.addWidget(scroll, 1)
        top.addWidget(right_box)

        self.error = error_label("wheelError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(self.tr("Publish wheel") if self.wheel is None
                                         else self.tr("Publish new version"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("wheelSave")
        self.ok.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addLayout(top, 1)
        layout.addWidget(self.error)
        if self.wheel is not None:
            layout.addWidget(hint(self.tr(
                "Publishing makes version {n}: spins already made keep their version; stock starts from what "
                "is left.").format(n=self.wheel.version + 1), "wheelVersionHint"))
        layout.addWidget(self.buttons)

    def _line_edits(self) -> list[QLineEdit]:
        return [self.name, self.cost, *self.free.values(), self.daily_cap, self.total_cap, self.budget, self.pity,
                self.expected_spins]

    def _fill(self, wheel: WheelView | None) -> None:
        tz = zone(self.ctx.actor.store_tz)
        if wheel is None:
            now = datetime.now(tz).replace(second=0, microsecond=0)  # open at once; the operator may move it
            draft = WheelDraft("", now, now + timedelta(days=30), starter_segments(), 0, cost_points=10,
                               daily_cap=3, budget=None)
        else:
            draft = wheel.draft()
            self.expected_spins.set_number(_expected_spins(wheel))
        self.name.setText(draft.name)
        self.starts.setDateTime(_qt_time(draft.starts_at.astimezone(tz)))
        self.ends.setDateTime(_qt_time(draft.ends_at.astimezone(tz)))
        self.cost.set_number(draft.cost_points)
        for code, edit in self.free.items():
            edit.set_number(draft.free_spins.get(code) or None)
        self.daily_cap.set_number(draft.daily_cap)
        self.total_cap.set_number(draft.total_cap)
        self.budget.set_number(draft.budget)
        self.pity.set_number(draft.pity_after)
        self.segments.set_segments(draft.segments, draft.fallback_index)
        self.name.setFocus()

    # -- reading and checking ---------------------------------------------------------------------------

    def read(self) -> tuple[WheelDraft, Problems, int | None]:
        """The form as a draft (stand-ins where a field is no number), what could not be read, expected spins."""
        problems = Problems()
        tz = zone(self.ctx.actor.store_tz)
        free = {code: problems.whole("free_spins", edit, 0) or 0 for code, edit in self.free.items()}
        segments = self.segments.read(problems)
        draft = WheelDraft(
            name=self.name.text(), starts_at=_utc(self.starts.dateTime(), tz), ends_at=_utc(self.ends.dateTime(), tz),
            segments=segments, fallback_index=self.segments.fallback_index(),
            cost_points=problems.whole("cost_points", self.cost, 0) or 0,
            free_spins={code: n for code, n in free.items() if n},
            daily_cap=problems.whole("daily_cap", self.daily_cap, None, 1),
            total_cap=problems.whole("total_cap", self.total_cap, None, 1),
            budget=problems.whole("budget", self.budget, None),
            pity_after=problems.whole("pity_after", self.pity, None, 1))
        expected = problems.whole("expected_spins", self.expected_spins, None)
        return draft, problems, expected

    def problem(self) -> tuple[str, int | None, str] | None:
        """(field, segment number or None, the refusal in words) for the first problem, or None."""
        draft, problems, _ = self.read()
        if problems:
            key = next(iter(problems))
            field, _, n = key.partition(" ")
            return field, int(n) if n else None, problems[key]
        try:
            validate_draft(draft)
        except ValidationError as exc:
            n = exc.params.get("n")
            return exc.field, n if isinstance(n, int) else None, error_text(exc)
        return None

    def _widget(self, field: str) -> QWidget | None:
        first_free = next(iter(self.free.values()), None)
        return {"name": self.name, "ends_at": self.ends, "cost_points": self.cost, "free_spins": first_free,
                "daily_cap": self.daily_cap, "total_cap": self.total_cap, "budget": self.budget,
                "pity_after": self.pity, "expected_spins": self.expected_spins}.get(field)

    def _outline(self, found: tuple[str, int | None, str] | None) -> None:
        field, n = (found[0], found[1]) if found else (None, None)
        for name in ("name", "ends_at", "cost_points", "daily_cap", "total_cap", "budget", "pity_after",
                     "expected_spins"):
            widget = self._widget(name)
            if widget is not None:
                mark_invalid(widget, name == field)
        for edit in self.free.values():
            mark_invalid(edit, field == "free_spins")
        self.segments.outline(n, field)

    def _edited(self, *_: object) -> None:
        self.touched = True
        self.refresh()

    def refresh(self) -> None:
        """Recompute the expected cost and show the first problem (once the operator has typed something)."""
        draft, _, expected = self.read()
        spent = self.wheel.budget_spent if self.wheel is not None else 0
        self.cost_panel.show_draft(draft, spent=spent, expected_spins=expected)
        self.preview.set_segments([(seg.label.strip(), seg.colour) for seg in draft.segments])
        self.preview.set_centre_text(self.tr("Spin"), self.tr("{n} pts").format(n=draft.cost_points)
                                     if draft.cost_points else self.tr("Free"))
        found = self.problem()
        if found is None:
            self.error.clear()
            self._outline(None)
        elif self.touched:
            self.error.setText(found[2])
            self._outline(found)

    # -- saving ----------------------------------------------------------------------------------------

    @asyncSlot()
    async def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        self.touched = True
        found = self.problem()
        if found is not None:
            self.error.setText(found[2])
            self._outline(found)
            self._focus(found)
            return
        draft, _, _ = self.read()
        self.ok.setEnabled(False)
        try:
            view = await ops.save_wheel(self.ctx, draft, self.wheel.id if self.wheel is not None else None)
        except Exception as exc:  # the core's refusal, shown under the form; never swallowed
            if shiboken6.isValid(self):
                self.ok.setEnabled(True)
                self.error.setText(error_text(exc))
                if isinstance(exc, ValidationError):
                    n = exc.params.get("n")
                    self._outline((exc.field, n if isinstance(n, int) else None, ""))
            return
        if not shiboken6.isValid(self):
            return  # closed meanwhile; games_changed announces the new version all the same
        self.ok.setEnabled(True)
        self.saved.emit(view)
        self.accept()

    def _focus(self, found: tuple[str, int | None, str]) -> None:
        field, n, _ = found
        if n is not None:
            self.segments.focus(n, field)
            return
        widget = self._widget(field)
        if widget is not None:
            widget.setFocus()


def _expected_spins(wheel: WheelView) -> int | None:
    """Spins so far stretched over the whole window: a first forecast the operator can overwrite."""
    now = datetime.now(timezone.utc)
    if wheel.spins == 0 or now <= wheel.starts_at:
        return None
    elapsed = (min(now, wheel.ends_at) - wheel.starts_at).total_seconds()
    window = (wheel.ends_at - wheel.starts_at).total_seconds()
    return int(wheel.spins * window / elapsed) if elapsed > 0 else None


def _datetime_edit(name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit(objectName=name)
    edit.setDisplayFormat(DATETIME_FORMAT)
    edit.setCalendarPopup(True)
    return edit


def _qt_time(value: datetime) -> QDateTime:
    """A wall-clock time in the store's zone, for a QDateTimeEdit (which has no zone of its own)."""
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def _utc(value: QDateTime, tz: Any) -> datetime:
    day, time = value.date(), value.time()
    return datetime(day.year(), day.month(), day.day(), time.hour(), time.minute(), tzinfo=tz).astimezone(timezone.utc)


def open_wheel_editor(ctx: AppContext, wheel: WheelView | None, tiers: list[TierView], items: list[ItemView],
                      parent: QWidget | None = None) -> WheelEditorDialog:
    """Open the editor window-modal; listen to ``saved`` for the published version."""
    dialog = WheelEditorDialog(ctx, wheel, tiers, items, parent)
    dialog.open()
    return dialog
