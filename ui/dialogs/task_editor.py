"""Tasks (任务) for operators: the list on the games setup page and the editor, checked as it is typed.

A task is daily (a visit, or an errand the cashier confirms), a one-time
growth task (first purchase, a complete profile, a visit in the birthday
month, or an errand) or a challenge (inviting friends). The form is read
into the core's ``TaskDraft`` and checked with its own ``validate``; the
words under the form say what a member gets, in the operator's language.
"""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLineEdit, QPlainTextEdit, QWidget

from pointsmall.clock import utc_now, zone
from pointsmall.tasks import ONCE_ONLY, TRIGGERS, TaskDraft, TaskKind, TaskView, Trigger

from .. import i18n
from ..context import AppContext
from ..ops import games_setup as ops
from ..pages.settings.common import error_label, hint
from ..widgets.config_list import ConfigListTab
from ..widgets.games_form import NumberEdit, Problems
from .draft_form import DraftFormDialog
from .fields import FieldGrid


def kind_names() -> dict[str, str]:
    return {
        TaskKind.DAILY.value: QCoreApplication.translate("TaskEditor", "Daily"),
        TaskKind.GROWTH.value: QCoreApplication.translate("TaskEditor", "Growth (once)"),
        TaskKind.CHALLENGE.value: QCoreApplication.translate("TaskEditor", "Challenge"),
    }


def trigger_names() -> dict[str, str]:
    return {
        Trigger.VISIT.value: QCoreApplication.translate("TaskEditor", "A visit to the store (or the day's sign-in)"),
        Trigger.CUSTOM.value: QCoreApplication.translate("TaskEditor", "Something the cashier confirms"),
        Trigger.FIRST_PURCHASE.value: QCoreApplication.translate("TaskEditor", "The first purchase"),
        Trigger.PROFILE.value: QCoreApplication.translate("TaskEditor", "A complete profile (birthday given)"),
        Trigger.BIRTHDAY_MONTH.value: QCoreApplication.translate("TaskEditor", "A visit in the birthday month"),
        Trigger.REFERRAL.value: QCoreApplication.translate("TaskEditor",
                                                           "Inviting a friend (paid at the friend's first purchase)"),
    }


def times_caption(kind: str) -> str:
    return {
        TaskKind.DAILY.value: QCoreApplication.translate("TaskEditor", "Rewards a day"),
        TaskKind.GROWTH.value: QCoreApplication.translate("TaskEditor", "Rewards in all"),
        TaskKind.CHALLENGE.value: QCoreApplication.translate("TaskEditor", "Friends rewarded"),
    }.get(kind, "")


def task_words(draft: TaskDraft) -> str:
    """What a member gets, in plain words."""
    points = i18n.points(draft.points)
    if draft.trigger == Trigger.REFERRAL.value:
        text = QCoreApplication.translate("TaskEditor", "A member earns {points} points for each friend who registers with their "
                         "referral code and makes a first purchase, for up to {n} friends.").format(
            points=points, n=draft.times)
    elif draft.kind == TaskKind.DAILY.value:
        text = QCoreApplication.translate("TaskEditor", "A member earns {points} points each time, up to {n} a business day.").format(
            points=points, n=draft.times)
    elif draft.trigger == Trigger.BIRTHDAY_MONTH.value:
        text = QCoreApplication.translate("TaskEditor", "A member earns {points} points once a year, on a visit in their birthday "
                         "month.").format(points=points)
    elif draft.times == 1:
        text = QCoreApplication.translate("TaskEditor", "A member earns {points} points once.").format(points=points)
    else:
        text = QCoreApplication.translate("TaskEditor", "A member earns {points} points each time, up to {n} times in all.").format(
            points=points, n=draft.times)
    if draft.starts_on or draft.ends_on:
        text += " " + QCoreApplication.translate("TaskEditor", "Runs {start} to {end}.").format(
            start=i18n.day(draft.starts_on) if draft.starts_on else "…",
            end=i18n.day(draft.ends_on) if draft.ends_on else "…")
    if not draft.active:
        text += " " + QCoreApplication.translate("TaskEditor", "(Switched off: it pays nothing.)")
    return text


class TaskEditorDialog(DraftFormDialog):
    def __init__(self, ctx: AppContext, task: TaskView | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskEditorDialog")
        self.ctx = ctx
        self.task = task
        self.setWindowTitle(self.tr("New task") if task is None else self.tr("Edit task — {name}").format(
            name=task.name))
        self.setMinimumWidth(680)
        self.name = QLineEdit(objectName="taskName")
        self.name.setMaxLength(64)
        self.name.setPlaceholderText(self.tr("e.g. 到店打卡"))
        self.kind = QComboBox(objectName="taskKind")
        for value, text in kind_names().items():
            self.kind.addItem(text, value)
        self.trigger = QComboBox(objectName="taskTrigger")
        self.points = NumberEdit("taskPoints", self.tr("e.g. 10"), width=120)
        self.times = NumberEdit("taskTimes", "1", width=120, max_length=3)
        self.description = QPlainTextEdit(objectName="taskDescription")
        self.description.setPlaceholderText(self.tr("What the member does, as the counter explains it"))
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(64)
        self.from_on = QCheckBox(self.tr("From"), objectName="taskFromEnabled")
        self.until_on = QCheckBox(self.tr("Until"), objectName="taskUntilEnabled")
        self.starts = _date_edit("taskFrom")
        self.ends = _date_edit("taskUntil")
        self.active = QCheckBox(self.tr("Active"), objectName="taskActive")
        self.words = hint("", "taskWords")
        self.error = error_label("taskError")
        grid = FieldGrid()
        grid.add_field(self.tr("Name"), self.name)
        grid.add_field(self.tr("Kind"), self.kind)
        grid.add_field(self.tr("Completed by"), self.trigger)
        grid.add_field(self.tr("Points"), self.points)
        self.times_caption = grid.add_field(times_caption(TaskKind.DAILY.value), self.times)
        grid.add_field(self.tr("Description"), self.description)
        window = QWidget()
        row = QHBoxLayout(window)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.from_on, self.starts, self.until_on, self.ends):
            row.addWidget(widget)
        row.addStretch(1)
        grid.add_field(self.tr("Runs"), window)
        grid.add_field("", self.active)
        self.finish_form(grid, self.tr("Create task") if task is None else self.tr("Save"), "taskSave")
        self.fields = {"name": self.name, "trigger": self.trigger, "points": self.points, "times": self.times,
                       "description": self.description, "ends_on": self.ends}
        self._fill(task)
        self.touched = False  # filling the form is no edit: refusals wait for the operator's first change
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.trigger.currentIndexChanged.connect(self._trigger_changed)
        for edit in (self.name, self.points, self.times):
            edit.textEdited.connect(self._edited)
        self.description.textChanged.connect(self._edited)
        for box in (self.from_on, self.until_on, self.active):
            box.toggled.connect(self._edited)
        for edit in (self.starts, self.ends):
            edit.dateChanged.connect(self._edited)
        self.refresh()

    def _fill(self, task: TaskView | None) -> None:
        today = utc_now().astimezone(zone(self.ctx.actor.store_tz)).date()
        self.starts.setDate(QDate(today))
        self.ends.setDate(QDate(today.replace(year=today.year + 1) if not (today.month == 2 and today.day == 29)
                                else today.replace(year=today.year + 1, day=28)))
        kind = task.kind if task is not None else TaskKind.DAILY.value
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self._triggers(kind, task.trigger if task is not None else Trigger.VISIT.value)
        if task is None:
            self.points.set_number(10)
            self.times.set_number(1)
            self.active.setChecked(True)
            return
        self.name.setText(task.name)
        self.points.set_number(task.points)
        self.times.set_number(task.times)
        self.description.setPlainText(task.description)
        for check, edit, value in ((self.from_on, self.starts, task.starts_on), (self.until_on, self.ends,
                                                                                  task.ends_on)):
            check.setChecked(value is not None)
            if value is not None:
                edit.setDate(QDate(value))
        self.active.setChecked(task.active)

    def _triggers(self, kind: str, chosen: str | None) -> None:
        self.trigger.blockSignals(True)
        self.trigger.clear()
        names = trigger_names()
        for trigger in TRIGGERS[TaskKind(kind)]:
            self.trigger.addItem(names[trigger.value], trigger.value)
        self.trigger.setCurrentIndex(max(0, self.trigger.findData(chosen)))
        self.trigger.blockSignals(False)
        self._trigger_changed()

    def _kind_changed(self) -> None:
        self._triggers(self.kind.currentData(), self.trigger.currentData())
        self._edited()

    def _trigger_changed(self) -> None:
        once = Trigger(self.trigger.currentData()) in ONCE_ONLY
        if once:
            self.times.set_number(1)
        self.times.setEnabled(not once)
        if self.times_caption is not None:
            self.times_caption.setText(times_caption(self.kind.currentData()))
        self._edited()

    def draft(self) -> tuple[TaskDraft, Problems]:
        problems = Problems()
        draft = TaskDraft(
            name=self.name.text(), kind=self.kind.currentData(), trigger=self.trigger.currentData(),
            points=problems.whole("points", self.points, 0) or 0,
            times=problems.whole("times", self.times, 0, 1) or 0,
            description=self.description.toPlainText(),
            starts_on=self.starts.date().toPython() if self.from_on.isChecked() else None,
            ends_on=self.ends.date().toPython() if self.until_on.isChecked() else None,
            active=self.active.isChecked(), sort_order=self.task.sort_order if self.task is not None else 0)
        return draft, problems

    def refresh(self) -> None:
        self.starts.setEnabled(self.from_on.isChecked())
        self.ends.setEnabled(self.until_on.isChecked())
        super().refresh()

    def describe(self, draft: TaskDraft) -> str:
        return task_words(draft)

    async def save(self, draft: TaskDraft) -> TaskView:
        return await ops.save_task(self.ctx, draft, self.task.id if self.task is not None else None)


class TasksTab(ConfigListTab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "tasksTab", 6)
        self.table.setHorizontalHeaderLabels([self.tr("Task"), self.tr("Kind"), self.tr("Points"), self.tr("Limit"),
                                              self.tr("Runs"), self.tr("Status")])
        self.new_button.setText(self.tr("New task"))
        self.empty.setText(self.tr("No task yet. “New task” adds one: a daily visit, a first purchase, a complete "
                                   "profile, inviting friends…"))
        self.editor: TaskEditorDialog | None = None

    async def fetch(self) -> list[TaskView]:
        return await ops.load_tasks(self.ctx)

    def cells(self, task: TaskView) -> list[str]:
        if task.kind == TaskKind.DAILY.value:
            limit = self.tr("{n} a day").format(n=task.times)
        elif task.trigger == Trigger.REFERRAL.value:
            limit = self.tr("{n} friends").format(n=task.times)
        elif task.trigger == Trigger.BIRTHDAY_MONTH.value:
            limit = self.tr("once a year")
        else:
            limit = self.tr("{n} in all").format(n=task.times)
        runs = _runs(task.starts_on, task.ends_on) or self.tr("Always")
        return [task.name, kind_names().get(task.kind, task.kind) + " · " + trigger_names().get(task.trigger, ""),
                i18n.points(task.points), limit, runs, self.tr("On") if task.active else self.tr("Off")]

    def open_editor(self, task: TaskView | None) -> TaskEditorDialog:
        self.editor = TaskEditorDialog(self.ctx, task, self)
        self.editor.open()
        return self.editor

    async def set_active(self, task: TaskView, active: bool) -> None:
        await ops.set_task_active(self.ctx, task.id, active)


def _runs(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return ""
    return f"{i18n.day(start) if start else '…'} – {i18n.day(end) if end else '…'}"


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit(objectName=name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit
