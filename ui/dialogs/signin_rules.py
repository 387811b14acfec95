"""The sign-in schedule editor (签到规则): the reward cycle, monthly and weekly bonuses, make-ups, in plain words.

The form is read into the core's ``SigninRules`` and checked with its own
``validate`` as the operator types, so the refusal shown is the one saving
would give. Beside the form, a preview says in plain words what a member
gets: the days of the cycle, the bonuses, what a tier multiplier does, what
a missed day costs, and about what a month of daily sign-ins earns.
"""
from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall import signin
from pointsmall.errors import ValidationError
from pointsmall.signin import SigninRules
from pointsmall.staff import Permission
from pointsmall.tiers import TierView

from .. import i18n
from ..context import AppContext
from ..head_office import hold_back
from .catalog_numbers import NotANumber, parse_whole
from ..messages import error_text
from ..ops import games_setup as ops
from ..pages.settings import formats
from ..pages.settings.common import (SettingsTab, card, clear_error, error_label, form_layout, heading, hint,
                                     mark_invalid, styled)
from ..widgets.games_form import NumberEdit, Problems, outline

MAX_CYCLE = 31
MAX_MONTH_BONUSES = 10
DEFAULT_DAY_POINTS = 5
MONTH_DAYS = 30  # "a month of daily sign-ins" in the preview


class SigninRulesEditor(SettingsTab):
    """A tab of the games setup page; loads the rules when first shown and after every games change."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "signinRulesTab")
        ctx.changes.games_changed.connect(self._settings_changed)
        self.tiers: list[TierView] = []
        self.can_edit = ctx.can(Permission.GAMES_CONFIGURE)
        self._touched = False
        self.days: list[NumberEdit] = []
        self.bonus_rows: list[tuple[NumberEdit, NumberEdit, QPushButton]] = []
        self.cycle_length = QSpinBox(objectName="signinCycleLength")
        self.cycle_length.setRange(1, MAX_CYCLE)
        self.cycle_length.setSuffix(self.tr(" days"))
        self.cycle_length.setFixedWidth(110)
        self.day_grid = QGridLayout()
        self.day_grid.setHorizontalSpacing(8)
        self.day_grid.setVerticalSpacing(4)
        self.bonus_box = QVBoxLayout()
        self.bonus_box.setSpacing(6)
        self.add_bonus = QPushButton(self.tr("Add a monthly bonus"), objectName="signinAddMonthBonus")
        self.week_bonus = NumberEdit("signinWeekBonus", self.tr("0 = off"), width=90)
        self.tier_multiplier = QCheckBox(self.tr("Multiply the daily reward by the member's tier multiplier"),
                                         objectName="signinTierMultiplier")
        self.makeup_cost = NumberEdit("signinMakeupCost", self.tr("Points"), width=90)
        self.makeups_per_month = NumberEdit("signinMakeupsPerMonth", self.tr("0 = off"), width=90)
        self.makeup_days = NumberEdit("signinMakeupDays", self.tr("Days"), width=90)
        self.preview = QLabel(objectName="signinPreview")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.tip = hint("", "signinTip")
        self.error = error_label("signinError")
        self.done = hint("", "signinSaved")
        self.save_button = QPushButton(self.tr("Save sign-in rules"), objectName="signinSave")
        styled(self.save_button, primary=True)
        self.fields = {"week_bonus": self.week_bonus, "makeup_cost": self.makeup_cost,
                       "makeups_per_month": self.makeups_per_month, "makeup_days": self.makeup_days}
        self._layout()
        self.cycle_length.valueChanged.connect(self._cycle_length_changed)
        self.add_bonus.clicked.connect(lambda: (self._add_bonus_row(None), self._edited()))
        self.tier_multiplier.toggled.connect(self._edited)
        for edit in self.fields.values():
            edit.textEdited.connect(self._edited)
            edit.returnPressed.connect(self.save)
        self.save_button.clicked.connect(self.save)
        self.save_button.setVisible(self.can_edit)
        hold_back(ctx, "games", self.save_button, self.add_bonus)
        self.set_rules(SigninRules())

    # -- building --------------------------------------------------------------------------------

    def _layout(self) -> None:
        form_card = card("signinFormCard")
        form = form_layout()
        form.addRow(self.tr("Reward cycle"), self.cycle_length)
        days_box = QWidget(objectName="signinDays")
        days_box.setLayout(self.day_grid)
        self.day_grid.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Points per day"), days_box)
        bonus_column = QVBoxLayout()
        bonus_column.setSpacing(6)
        bonus_column.addLayout(self.bonus_box)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_bonus)
        add_row.addStretch(1)
        bonus_column.addLayout(add_row)
        form.addRow(self.tr("Monthly bonuses"), bonus_column)
        form.addRow(self.tr("Weekly challenge (points)"), _with_hint(self.week_bonus, self.tr(
            "Paid once for signing in on all 7 days, Monday to Sunday.")))
        form.addRow("", self.tier_multiplier)
        form.addRow(self.tr("Make-up cost (points)"), _with_hint(self.makeup_cost, ""))
        form.addRow(self.tr("Make-ups a month"), _with_hint(self.makeups_per_month, self.tr(
            "0 switches make-up sign-ins off.")))
        form.addRow(self.tr("Make-up reaches back"), _with_hint(self.makeup_days, self.tr("days before today")))
        inner = QVBoxLayout(form_card)
        inner.addWidget(heading(self.tr("Daily sign-in (签到)")))
        inner.addLayout(form)
        inner.addStretch(1)
        scroll = QScrollArea(objectName="signinFormScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(form_card)

        preview_card = card("signinPreviewCard")
        side = QVBoxLayout(preview_card)
        side.addWidget(heading(self.tr("What a member gets")))
        side.addWidget(self.preview)
        side.addWidget(self.tip)
        side.addStretch(1)
        side.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.done, 1)
        buttons.addWidget(self.save_button)
        side.addLayout(buttons)
        if not self.can_edit:
            side.addWidget(hint(self.tr("Only operators and administrators can change the sign-in rules.")))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(16)
        left = QVBoxLayout()
        left.addWidget(self.load_error)
        left.addWidget(scroll, 1)
        layout.addLayout(left, 1)
        preview_card.setFixedWidth(380)
        layout.addWidget(preview_card)

    def _set_day_count(self, n: int) -> None:
        while len(self.days) > n:
            edit = self.days.pop()
            self.day_grid.removeWidget(edit)
            label = edit.property("caption")
            edit.deleteLater()
            if isinstance(label, QLabel):
                self.day_grid.removeWidget(label)
                label.deleteLater()
        while len(self.days) < n:
            i = len(self.days)
            caption = QLabel(self.tr("Day {n}").format(n=i + 1), objectName=f"signinDayLabel_{i + 1}")
            styled(caption, hint=True)
            edit = NumberEdit(f"signinDay_{i + 1}", "", width=58, max_length=6)
            last = self.days[-1].text() if self.days else str(DEFAULT_DAY_POINTS)
            edit.setText(last)
            edit.setProperty("caption", caption)
            edit.textEdited.connect(self._edited)
            edit.returnPressed.connect(self.save)
            row, column = divmod(i, 7)
            self.day_grid.addWidget(caption, row * 2, column, Qt.AlignmentFlag.AlignLeft)
            self.day_grid.addWidget(edit, row * 2 + 1, column)
            self.days.append(edit)

    def _add_bonus_row(self, bonus: tuple[int, int] | None) -> None:
        if len(self.bonus_rows) >= MAX_MONTH_BONUSES:
            return
        n = len(self.bonus_rows) + 1
        days = NumberEdit(f"signinMonthDays_{n}", self.tr("Days"), width=56, max_length=3)
        points = NumberEdit(f"signinMonthPoints_{n}", self.tr("Points"), width=80, max_length=7)
        remove = QPushButton(self.tr("Remove"), objectName=f"signinMonthRemove_{n}")
        if bonus is not None:
            days.set_number(bonus[0])
            points.set_number(bonus[1])
        row = QHBoxLayout()
        row.setSpacing(8)
        for widget in (QLabel(self.tr("Signed")), days, QLabel(self.tr("days in a month:")), points,
                       QLabel(self.tr("points")), remove):
            row.addWidget(widget)
        row.addStretch(1)
        holder = QWidget(objectName=f"signinMonthBonus_{n}")
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.bonus_box.addWidget(holder)
        entry = (days, points, remove)
        self.bonus_rows.append(entry)
        for edit in (days, points):
            edit.textEdited.connect(self._edited)
            edit.returnPressed.connect(self.save)
        remove.clicked.connect(lambda: self._remove_bonus_row(entry, holder))
        self.add_bonus.setEnabled(len(self.bonus_rows) < MAX_MONTH_BONUSES)

    def _remove_bonus_row(self, entry: tuple[NumberEdit, NumberEdit, QPushButton], holder: QWidget) -> None:
        self.bonus_rows.remove(entry)
        self.bonus_box.removeWidget(holder)
        holder.deleteLater()
        self.add_bonus.setEnabled(True)
        self._edited()

    # -- loading -----------------------------------------------------------------------------------

    async def fetch(self) -> ops.SigninSettings:
        return await ops.load_signin(self.ctx)

    def show_data(self, data: ops.SigninSettings) -> None:
        self.tiers = data.tiers
        if self._touched:  # unsaved edits: another change (a wheel saved...) must not wipe them
            self.refresh_preview()
            return
        self.set_rules(data.rules)

    def set_rules(self, rules: SigninRules) -> None:
        self.cycle_length.blockSignals(True)
        self.cycle_length.setValue(len(rules.cycle))
        self.cycle_length.blockSignals(False)
        self._set_day_count(len(rules.cycle))
        for edit, points in zip(self.days, rules.cycle):
            edit.set_number(points)
        for days, points, remove in list(self.bonus_rows):
            holder = days.parentWidget()
            self.bonus_rows.remove((days, points, remove))
            self.bonus_box.removeWidget(holder)
            holder.deleteLater()
        for bonus in sorted(rules.month_bonuses):
            self._add_bonus_row(bonus)
        self.add_bonus.setEnabled(len(self.bonus_rows) < MAX_MONTH_BONUSES)
        self.week_bonus.set_number(rules.week_bonus)
        self.tier_multiplier.blockSignals(True)
        self.tier_multiplier.setChecked(rules.tier_multiplier)
        self.tier_multiplier.blockSignals(False)
        self.makeup_cost.set_number(rules.makeup_cost)
        self.makeups_per_month.set_number(rules.makeups_per_month)
        self.makeup_days.set_number(rules.makeup_days)
        self._touched = False
        self.refresh_preview()

    # -- reading and checking --------------------------------------------------------------------

    def read(self) -> tuple[SigninRules, Problems]:
        """The form as the core's rules (stand-ins where a field is not a number) and what could not be read."""
        problems = Problems()
        cycle = tuple(problems.whole("cycle", edit, 0) or 0 for edit in self.days)
        bonuses = tuple((problems.whole("month_bonuses", d, 0, 1), problems.whole("month_bonuses", p, 0, 1))
                        for d, p, _ in self.bonus_rows)
        rules = SigninRules(
            cycle=cycle, month_bonuses=bonuses,  # type: ignore[arg-type]
            week_bonus=problems.whole("week_bonus", self.week_bonus, 0) or 0,
            tier_multiplier=self.tier_multiplier.isChecked(),
            makeup_cost=problems.whole("makeup_cost", self.makeup_cost, 0) or 0,
            makeups_per_month=problems.whole("makeups_per_month", self.makeups_per_month, 0) or 0,
            makeup_days=problems.whole("makeup_days", self.makeup_days, 0, 1) or 0)
        return rules, problems

    def problem(self) -> tuple[str, str] | None:
        """(field, what is wrong in words) for the first problem, or None when the rules can be saved."""
        rules, problems = self.read()
        if problems:
            field = next(iter(problems))
            return field, problems[field]
        try:
            rules.validate()
        except ValidationError as exc:
            return exc.field, error_text(exc)
        return None

    def _outline(self, field: str | None) -> None:
        outline(self.days, {i for i, e in enumerate(self.days) if field == "cycle" and not _whole_in(e, 0, 10_000)})
        bad_rows = set()
        if field == "month_bonuses":
            seen: set[str] = set()
            for i, (d, p, _) in enumerate(self.bonus_rows):
                if not _whole_in(d, 1, 31) or not _whole_in(p, 1, 100_000) or d.text().strip() in seen:
                    bad_rows.add(i)
                seen.add(d.text().strip())
        outline([d for d, _, _ in self.bonus_rows], bad_rows)
        outline([p for _, p, _ in self.bonus_rows], bad_rows)
        for name, widget in self.fields.items():
            mark_invalid(widget, name == field)

    def _cycle_length_changed(self, n: int) -> None:
        self._set_day_count(n)
        self._edited()

    def _edited(self, *_: object) -> None:
        self._touched = True
        self.done.clear()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        found = self.problem()
        if found is None:
            clear_error(self.error)
            self._outline(None)
            rules, _ = self.read()
            self.preview.setText(self.describe(rules))
            self.tip.setText("" if rules.cycle[-1] >= max(rules.cycle) else self.tr(
                "Tip: make the last day of the cycle the biggest reward; it is what brings members back to "
                "finish the cycle."))
            self.tip.setVisible(bool(self.tip.text()))
        else:
            field, text = found
            if self._touched:
                self.error.setText(text)
                self._outline(field)
            self.preview.setText(self.tr("The preview comes back once the rules are complete."))
            self.tip.hide()

    # -- the plain-words preview --------------------------------------------------------------------

    def describe(self, rules: SigninRules) -> str:
        n = len(rules.cycle)
        points = [i18n.points(p) for p in rules.cycle]
        lines = []
        if n == 1:
            lines.append(self.tr("Every day a member signs in earns {points} points.").format(points=points[0]))
        else:
            lines.append(self.tr("Day by day: {list} points; after day {n} the cycle starts again at day 1.").format(
                list=formats.join_names(points), n=n))
            lines.append(self.tr("Signing in every day of the {n}-day cycle earns {total} points.").format(
                n=n, total=i18n.points(sum(rules.cycle))))
        if rules.tier_multiplier:
            ladder = [t for t in sorted(self.tiers, key=lambda t: t.rank) if t.multiplier_permille != 1000]
            examples = formats.join_names([
                self.tr("{tier} {x} (day {n}: {points})").format(
                    tier=formats.tier_name(t, self.ctx.language), x=formats.multiplier(t.multiplier_permille),
                    n=n, points=i18n.points(signin.day_reward(rules, n, t.multiplier_permille))) for t in ladder])
            lines.append(self.tr("Each tier gets the daily reward times its points multiplier, rounded down{more}.")
                         .format(more=(": " if examples else "") + examples))
        else:
            lines.append(self.tr("Every tier gets the same daily reward."))
        if rules.week_bonus:
            lines.append(self.tr("Weekly challenge (一周打卡): signing in on all 7 days of a week, Monday to Sunday, "
                                 "adds {points} points once that week.").format(points=i18n.points(rules.week_bonus)))
        else:
            lines.append(self.tr("The weekly challenge is off."))
        if rules.month_bonuses:
            parts = [self.tr("{days} signed days add {points} points").format(days=d, points=i18n.points(p))
                     for d, p in sorted(rules.month_bonuses)]
            lines.append(self.tr("In a calendar month, {list}; each is paid once a month.").format(
                list=formats.join_names(parts)))
        else:
            lines.append(self.tr("There is no monthly bonus."))
        if rules.makeups_per_month:
            lines.append(self.tr(
                "A missed day restarts the streak at day 1, unless a make-up sign-in (补签) fills it: "
                "{cost} points each, up to {n} a month, for one of the last {days} days. A make-up earns no "
                "daily reward, but it keeps the streak and counts toward the bonuses.").format(
                cost=i18n.points(rules.makeup_cost), n=rules.makeups_per_month, days=rules.makeup_days))
        else:
            lines.append(self.tr("A missed day restarts the streak at day 1; make-up sign-ins are off."))
        lines.append("<b>" + self.tr("A member who signs in every day for {days} days earns about {points} points, "
                                     "bonuses included.").format(days=MONTH_DAYS,
                                                                 points=i18n.points(month_total(rules))) + "</b>")
        return "".join(f"<p>{_escape(line) if not line.startswith('<b>') else line}</p>" for line in lines)

    # -- saving -----------------------------------------------------------------------------------------

    @asyncSlot()
    async def save(self) -> None:
        if not self.can_edit or not self.save_button.isEnabled():
            return
        self._touched = True
        self.done.clear()
        found = self.problem()
        if found is not None:
            self.error.setText(found[1])
            self._outline(found[0])
            return
        rules, _ = self.read()
        self.save_button.setEnabled(False)
        try:
            saved = await ops.update_signin_rules(self.ctx, **{f.name: getattr(rules, f.name)
                                                               for f in fields(SigninRules)})
        except Exception as exc:  # the core's refusal is shown under the preview, never swallowed
            self.error.setText(error_text(exc))
            self._outline(exc.field if isinstance(exc, ValidationError) else None)
            return
        finally:
            self.save_button.setEnabled(True)
        self.set_rules(saved)
        self.done.setText(self.tr("Saved. The next sign-in uses these rules."))


def month_total(rules: SigninRules) -> int:
    """Points for signing in every day for ``MONTH_DAYS`` days from day 1 of the cycle, at multiplier 1×."""
    daily = sum(signin.day_reward(rules, streak, 1000) for streak in range(1, MONTH_DAYS + 1))
    monthly = sum(p for d, p in rules.month_bonuses if d <= MONTH_DAYS)
    weekly = rules.week_bonus * (MONTH_DAYS // 7)
    return daily + monthly + weekly


def _whole_in(edit: NumberEdit, low: int, high: int) -> bool:
    try:
        value = parse_whole(edit.text())
    except NotANumber:
        return False
    return value is not None and low <= value <= high


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _with_hint(field: QWidget, text: str) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(10)
    row.addWidget(field)
    if text:
        row.addWidget(hint(text), 1)
    else:
        row.addStretch(1)
    return box
