"""The member's sign-in month (签到日历): signed, made-up and missed days, today, the streak, what comes next.

A grid of day buttons, Monday first, for one month of a ``SigninCalendar``
from the core; the states come from the core, never worked out here. A
missed day that a make-up (补签) can still fill says so and asks for the
make-up when clicked (the page confirms it with the cost); another missed
day says why it cannot be made up. Below the grid: the streak, what today's
and tomorrow's sign-in pay, the weekly challenge (一周打卡), the monthly
bonus and the make-ups left.
"""
from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QLocale, QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from pointsmall.signin import SigninCalendar

from .. import i18n

ROWS = 6


class DayCell(QToolButton):
    """One day: its number and a short word (+10, 补签, 今天); styled by its ``state`` property."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarDay")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(44, 40)
        self.setMaximumHeight(64)  # on a big screen the month stays a calendar, not a wall of tall boxes
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.day: date | None = None
        self.state = ""
        self.fillable = False

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(56, 54)

    def show_day(self, day: date | None, state: str, word: str, tip: str, fillable: bool, today: bool) -> None:
        self.day, self.state, self.fillable = day, state, fillable
        self.setText("" if day is None else f"{day.day}\n{word}" if word else str(day.day))
        self.setToolTip(tip)
        self.setProperty("state", state)
        self.setProperty("fillable", fillable)
        self.setProperty("today", today)
        self.setEnabled(day is not None)
        self.setCursor(Qt.CursorShape.PointingHandCursor if fillable else Qt.CursorShape.ArrowCursor)
        self.style().unpolish(self)
        self.style().polish(self)


class SigninCalendarView(QFrame):
    month_requested = Signal(int, int)  # year, month: the page reads that month
    makeup_requested = Signal(object)  # datetime.date of a missed day a make-up can fill
    explained = Signal(str)  # why a clicked day cannot be made up

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signinCalendar")
        self.calendar: SigninCalendar | None = None
        self.previous = QToolButton(objectName="calendarPrevious")
        self.previous.setText("‹")
        self.previous.setToolTip(self.tr("Previous month"))
        self.next = QToolButton(objectName="calendarNext")
        self.next.setText("›")
        self.next.setToolTip(self.tr("Next month"))
        self.title = QLabel(objectName="calendarTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.streak = QLabel(objectName="calendarStreak")
        self.streak.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header = QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self.previous)
        header.addWidget(self.title)
        header.addWidget(self.next)
        header.addStretch(1)
        header.addWidget(self.streak)

        grid = QGridLayout()
        grid.setSpacing(4)
        locale = QLocale()
        for column in range(7):
            name = QLabel(locale.dayName(column + 1, QLocale.FormatType.ShortFormat), objectName="calendarWeekday")
            name.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(name, 0, column)
        self.cells: list[DayCell] = []
        for n in range(ROWS * 7):
            cell = DayCell()
            cell.clicked.connect(lambda _checked=False, c=cell: self._clicked(c))
            grid.addWidget(cell, 1 + n // 7, n % 7)
            self.cells.append(cell)

        self.legend = QLabel(objectName="calendarLegend")
        words = [self.tr("Signed in"), self.tr("Made up"), self.tr("Missed"), self.tr("Today")]
        marks = ["<span style='color:#16A34A'>●</span>", "<span style='color:#F59E0B'>●</span>",
                 "<span style='color:#DC2626'>●</span>", "<span style='color:#2563EB'>○</span>"]
        self.legend.setText(" &nbsp;".join(f"{mark} {word}" for mark, word in zip(marks, words)))
        self.today_line = QLabel(objectName="calendarToday")
        self.tomorrow_line = QLabel(objectName="calendarTomorrow")
        self.week_line = QLabel(objectName="calendarWeek")
        self.month_line = QLabel(objectName="calendarMonth")
        self.makeup_line = QLabel(objectName="calendarMakeups")
        for label in (self.today_line, self.tomorrow_line, self.week_line, self.month_line, self.makeup_line):
            label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addLayout(grid)
        layout.addWidget(self.legend)
        layout.addWidget(self.today_line)
        layout.addWidget(self.tomorrow_line)
        layout.addWidget(self.week_line)
        layout.addWidget(self.month_line)
        layout.addWidget(self.makeup_line)
        layout.addStretch(1)
        self.previous.clicked.connect(lambda: self._step(-1))
        self.next.clicked.connect(lambda: self._step(1))
        self.show_calendar(None)

    # -- showing a month ------------------------------------------------------------------------

    def show_calendar(self, cal: SigninCalendar | None) -> None:
        self.calendar = cal
        for label in (self.today_line, self.tomorrow_line, self.week_line, self.month_line, self.makeup_line):
            label.setVisible(cal is not None)
        self.previous.setEnabled(cal is not None)
        self.next.setEnabled(cal is not None and (cal.year, cal.month) < (cal.today.year, cal.today.month))
        if cal is None:
            self.title.setText(self.tr("Sign-in calendar"))
            self.streak.clear()
            for cell in self.cells:
                cell.show_day(None, "", "", "", False, False)
            return
        self.title.setText(self.month_title(cal.year, cal.month))
        self.streak.setText(self.tr("Days in a row: {n}").format(n=cal.streak))
        lead = cal.days[0].day.weekday()  # Monday is 0: the grid starts on a Monday
        fillable = set(cal.makeup_days)
        for n, cell in enumerate(self.cells):
            i = n - lead
            if not 0 <= i < len(cal.days):
                cell.show_day(None, "", "", "", False, False)
                continue
            d = cal.days[i]
            word, tip = self._words(d.state, d.points, d.day in fillable, cal)
            cell.show_day(d.day, d.state, word, tip, d.day in fillable, d.day == cal.today)
        self._summary(cal)

    def month_title(self, year: int, month: int) -> str:
        # a Qt date format, so each language orders it its own way (November 2026, 2026年11月)
        return QLocale().toString(QDate(year, month, 1), self.tr("MMMM yyyy"))

    def _words(self, state: str, points: int, fillable: bool, cal: SigninCalendar) -> tuple[str, str]:
        if state == "signed":
            return ((f"+{i18n.points(points)}" if points else "✓"),
                    self.tr("Signed in: {points} points").format(points=i18n.points(points)))
        if state == "made_up":
            return self.tr("Made up"), self.tr("Made up (补签)")
        if state == "missed" and fillable:
            return (self.tr("Make up"),
                    self.tr("Missed. Click to make it up for {cost} points.").format(cost=i18n.points(cal.makeup_cost)))
        if state == "missed":
            return "", self.tr("Missed")
        if state == "open":
            return self.tr("Today"), self.tr("Today: not signed in yet")
        if state == "before_joining":
            return "", self.tr("Before the member joined")
        return "", ""

    def _summary(self, cal: SigninCalendar) -> None:
        if cal.signed_today:
            self.today_line.setText(self.tr("Signed in today ✓"))
        else:
            self.today_line.setText(self.tr("Signing in today gives {points} points.").format(
                points=i18n.points(cal.today_points)))
        self.today_line.setProperty("done", cal.signed_today)
        self.today_line.style().unpolish(self.today_line)
        self.today_line.style().polish(self.today_line)
        tomorrow = (self.tr("Tomorrow's sign-in gives {points} points.") if cal.signed_today else
                    self.tr("Tomorrow's sign-in gives {points} points (after signing in today)."))
        self.tomorrow_line.setText(tomorrow.format(points=i18n.points(cal.tomorrow_points)))
        if cal.week_bonus:
            week = self.tr("This week: {n} of 7 days signed").format(n=cal.week_signed)
            if cal.week_bonus_paid:
                week += " · " + self.tr("weekly bonus received")
            else:
                week += " · " + self.tr("all 7 days give {points} bonus points").format(
                    points=i18n.points(cal.week_bonus))
            self.week_line.setText(week)
        self.week_line.setVisible(bool(cal.week_bonus))
        this_month = (cal.year, cal.month) == (cal.today.year, cal.today.month)
        words = self.tr("Signed this month: {n} days") if this_month else self.tr("Signed in {month_name}: {n} days")
        month = words.format(
            n=cal.month_signed, month_name=QLocale().standaloneMonthName(cal.month, QLocale.FormatType.LongFormat))
        if this_month and cal.next_month_bonus is not None:
            days, points = cal.next_month_bonus
            month += " · " + self.tr("{n} more for {points} bonus points").format(
                n=days - cal.month_signed, points=i18n.points(points))
        self.month_line.setText(month)
        if cal.makeups_left:
            self.makeup_line.setText(self.tr("Make-ups (补签) left this month: {left}, {cost} points each").format(
                left=cal.makeups_left, cost=i18n.points(cal.makeup_cost)))
        else:
            self.makeup_line.setText(self.tr("No make-up sign-in is available this month."))

    # -- asking -----------------------------------------------------------------------------------

    def cell_for(self, day: date) -> DayCell | None:
        return next((cell for cell in self.cells if cell.day == day), None)

    def _clicked(self, cell: DayCell) -> None:
        cal = self.calendar
        if cal is None or cell.day is None:
            return
        if cell.fillable:
            self.makeup_requested.emit(cell.day)
        elif cell.state == "missed":
            if not cal.makeups_left:
                self.explained.emit(self.tr("No make-up sign-in is available this month."))
            else:
                self.explained.emit(self.tr("{day} is too long ago to be made up.").format(day=i18n.day(cell.day)))

    def _step(self, months: int) -> None:
        cal = self.calendar
        if cal is None:
            return
        first = date(cal.year, cal.month, 1)
        target = (first + timedelta(days=32)).replace(day=1) if months > 0 else (first - timedelta(days=1))
        if (target.year, target.month) > (cal.today.year, cal.today.month):
            return
        self.month_requested.emit(target.year, target.month)
