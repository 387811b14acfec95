"""The games page at the counter, driven as a cashier drives it: F2 signs in, the calendar, F3 spins."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import update

from pointsmall import members, signin, wheel, wheel_setup
from pointsmall.db import Database
from pointsmall.members import MemberView
from pointsmall.models import Member
from pointsmall.wheel_setup import SegmentDraft, WheelDraft
from ui import i18n
from ui.context import AppContext
from ui.customer_screen import customer_side
from ui.pages.games import GamesPage
from ui.printing import slip as slips

from .mall_data import member, system_actor
from .page_support import show_page

pytestmark = pytest.mark.usefixtures("close_pages")
WAIT = 8000
CODE = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")
ZONE = "Asia/Shanghai"
TODAY = date.today().replace(day=15)  # mid-month: the days the tests look at are all in the month shown


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(ZONE)).astimezone(timezone.utc)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sign-in services' "now" is the 15th of this month at 10:00 in the store's timezone."""
    monkeypatch.setattr(signin, "utc_now", lambda: local(TODAY))


def open_page(qtbot, ctx: AppContext) -> GamesPage:  # type: ignore[no-untyped-def]
    page = GamesPage(ctx)
    page.wheel.duration_ms = 400
    show_page(qtbot, page, 1216, 720)
    page.activateWindow()
    return page


def joined_early(db: Database, who: MemberView) -> None:
    """The member joined on the 1st, so the days before the 15th can be missed (and made up)."""
    with db.write() as session:
        session.execute(update(Member).where(Member.id == who.id).values(joined_on=TODAY.replace(day=1)))


def customer(db: Database, points: int) -> MemberView:
    who = member(db, points=points)
    joined_early(db, who)
    return who


def serve(qtbot, page: GamesPage, who: MemberView) -> None:  # type: ignore[no-untyped-def]
    page.ctx.changes.member_selected.emit(who.id)
    qtbot.waitUntil(lambda: page.member is not None and page.member.id == who.id
                    and page.signin.calendar.calendar is not None, timeout=WAIT)


def balance(db: Database, who: MemberView) -> int:
    return members.get_member(db, system_actor(db), who.id).balance


def segment(label: str, colour: str, weight: int, points: int = 0, **kw: object) -> SegmentDraft:
    if points:
        return SegmentDraft(label=label, colour=colour, weight=weight, prize="points", points=points)
    return SegmentDraft(label=label, colour=colour, weight=weight, **kw)  # type: ignore[arg-type]


def open_wheel(db: Database, *, cost: int = 0, segments: tuple[SegmentDraft, ...] | None = None,
               name: str = "幸运大转盘") -> wheel_setup.WheelView:
    now = datetime.now(timezone.utc)
    segments = segments or (
        segment("谢谢参与", "#FCE7B2", 10), segment("5积分", "#F97316", 10, 5), segment("10积分", "#E5484D", 10, 10),
        segment("20积分", "#10B981", 10, 20), segment("50积分", "#3B82F6", 10, 50),
        segment("100积分", "#8B5CF6", 10, 100))
    return wheel_setup.save_wheel(db, system_actor(db), WheelDraft(
        name=name, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), segments=segments,
        fallback_index=0, cost_points=cost))


def wait_for_wheels(qtbot, page: GamesPage) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: page.wheel_panel.shown is not None and page.status is not None, timeout=WAIT)


def landed(page: GamesPage) -> bool:
    return page.spin is None and page.last_spin is not None and not page.wheel.is_spinning()


# -- signing in ---------------------------------------------------------------------------------------


def test_f2_signs_the_member_in_and_says_what_it_gave(qtbot, cashier_ctx, ui_db):
    who = customer(ui_db, 100)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    assert page.signin.button.text() == "Sign in  F2"
    assert page.signin.hint.text() == "Today gives 5 points · day 1 in a row"
    assert page.signin.calendar.cell_for(TODAY).property("state") == "open"
    qtbot.keyClick(page, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: page.signin.result.property("kind") == "success", timeout=WAIT)
    assert page.signin.result.text() == f"Signed in: +5 points · streak 1 · balance {i18n.points(105)}"
    assert balance(ui_db, who) == 105
    qtbot.waitUntil(lambda: page.signin.calendar.cell_for(TODAY).property("state") == "signed", timeout=WAIT)
    assert page.signin.calendar.cell_for(TODAY).text() == "15\n+5"
    assert page.signin.button.text() == "Signed in today ✓"
    assert page.strip.balance.text() == i18n.points(105)


def test_a_second_sign_in_the_same_day_is_refused_with_the_reason(qtbot, cashier_ctx, ui_db):
    who = customer(ui_db, 100)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    qtbot.mouseClick(page.signin.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.signin.button.text() == "Signed in today ✓", timeout=WAIT)
    qtbot.keyClick(page, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: page.signin.result.property("kind") == "error", timeout=WAIT)
    assert page.signin.result.text() == f"Already signed in today ({TODAY.isoformat()}); come back tomorrow."
    assert balance(ui_db, who) == 105


def test_without_a_member_the_keys_ask_for_one(qtbot, cashier_ctx, ui_db):
    open_wheel(ui_db)
    page = open_page(qtbot, cashier_ctx)
    qtbot.waitUntil(lambda: page.wheel_panel.shown is not None, timeout=WAIT)
    assert page.strip.browsing.isVisible()
    nobody = "No member is being served: find the member at the counter first."
    qtbot.keyClick(page, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: page.signin.result.text() == nobody, timeout=WAIT)
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: page.wheel_panel.result.text() == nobody, timeout=WAIT)
    assert not page.wheel.is_spinning()


# -- the calendar and make-ups ------------------------------------------------------------------------


@pytest.fixture
def history(ui_db: Database) -> MemberView:
    """Signed on the 9th, 10th and 12th, the 11th made up; the 8th, 13th and 14th missed; today open."""
    who = customer(ui_db, 200)
    actor = system_actor(ui_db)
    for day in (9, 10, 12):
        signin.sign_in(ui_db, actor, who.id, now=local(TODAY.replace(day=day)))
    signin.make_up(ui_db, actor, who.id, TODAY.replace(day=11), now=local(TODAY.replace(day=12), 20))
    return members.get_member(ui_db, actor, who.id)


def test_the_calendar_shows_signed_made_up_missed_and_today(qtbot, cashier_ctx, ui_db, history):
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, history)
    cal = page.signin.calendar

    def state(day: int) -> str:
        return cal.cell_for(TODAY.replace(day=day)).property("state")

    assert [state(d) for d in (8, 9, 10, 11, 12, 13, 14, 15, 16)] == [
        "missed", "signed", "signed", "made_up", "signed", "missed", "missed", "open", "future"]
    assert state(1) == "missed"  # joined on the 1st
    assert cal.cell_for(TODAY.replace(day=14)).fillable and cal.cell_for(TODAY.replace(day=13)).fillable
    assert not cal.cell_for(TODAY.replace(day=8)).fillable  # more than 3 days ago
    assert cal.cell_for(TODAY.replace(day=13)).text() == "13\nMake up"
    assert cal.cell_for(TODAY.replace(day=11)).text() == "11\nMade up"
    assert cal.cell_for(TODAY).property("today") is True
    assert cal.title.text() == f"{TODAY.strftime('%B')} {TODAY.year}"
    assert cal.streak.text() == "Days in a row: 0"
    assert cal.makeup_line.text() == f"Make-ups (补签) left this month: 1, {i18n.points(20)} points each"
    assert cal.month_line.text() == "Signed this month: 4 days · 6 more for 20 bonus points"
    assert cal.tomorrow_line.text() == "Tomorrow's sign-in gives 5 points (after signing in today)."
    qtbot.mouseClick(cal.cell_for(TODAY.replace(day=8)), Qt.MouseButton.LeftButton)
    assert page.signin.result.text() == f"{TODAY.replace(day=8).isoformat()} is too long ago to be made up."
    assert page.confirm is None


def test_a_missed_day_is_made_up_after_a_confirmation_with_its_cost(qtbot, cashier_ctx, ui_db, history):
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, history)
    cal = page.signin.calendar
    before = balance(ui_db, history)
    qtbot.mouseClick(cal.cell_for(TODAY.replace(day=13)), Qt.MouseButton.LeftButton)
    box = page.confirm
    assert box is not None and box.isVisible()
    assert box.text() == f"Make up {TODAY.replace(day=13).isoformat()} for {i18n.points(20)} points?"
    assert "make-ups left this month: 1" in box.informativeText()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert balance(ui_db, history) == before
    qtbot.mouseClick(cal.cell_for(TODAY.replace(day=14)), Qt.MouseButton.LeftButton)
    box = page.confirm
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cal.cell_for(TODAY.replace(day=14)).property("state") == "made_up", timeout=WAIT)
    assert balance(ui_db, history) == before - 20
    assert page.signin.result.text() == (f"Made up {TODAY.replace(day=14).isoformat()} for {i18n.points(20)} points"
                                         f" · streak 1 · balance {i18n.points(before - 20)}")
    assert cal.streak.text() == "Days in a row: 1"  # the 14th alone: the 13th is still missed
    assert not cal.cell_for(TODAY.replace(day=13)).fillable  # the month's make-ups are used up
    qtbot.mouseClick(cal.cell_for(TODAY.replace(day=13)), Qt.MouseButton.LeftButton)
    assert page.signin.result.text() == "No make-up sign-in is available this month."


def test_previous_and_next_month(qtbot, cashier_ctx, ui_db, history):
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, history)
    cal = page.signin.calendar
    assert not cal.next.isEnabled()
    qtbot.mouseClick(cal.previous, Qt.MouseButton.LeftButton)
    earlier = (TODAY.replace(day=1) - timedelta(days=1))
    qtbot.waitUntil(lambda: cal.calendar is not None and cal.calendar.month == earlier.month, timeout=WAIT)
    assert cal.cell_for(earlier.replace(day=1)).property("state") == "before_joining"
    assert cal.next.isEnabled()
    assert page.signin.button.text() == "Sign in  F2"  # browsing another month leaves today's button as it was
    qtbot.mouseClick(cal.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cal.calendar.month == TODAY.month, timeout=WAIT)


# -- the wheel ----------------------------------------------------------------------------------------


def test_each_spin_is_committed_first_and_the_wheel_stops_on_the_committed_segment(qtbot, cashier_ctx, ui_db):
    wheel_view = open_wheel(ui_db, cost=10)
    who = customer(ui_db, 1000)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    wait_for_wheels(qtbot, page)
    assert page.wheel_panel.status.text() == f"10 points a spin · balance {i18n.points(1000)}"
    assert [label for label, _ in page.wheel.segments()] == [s.label for s in wheel_view.segments]
    frames: list[float] = []
    committed_before_turning: list[bool] = []

    def frame(angle: float) -> None:
        if not frames:  # the first frame of the animation: the draw must already be in the database
            committed_before_turning.append(len(wheel.draws_for(ui_db, system_actor(ui_db), who.id)) == spins + 1)
        frames.append(angle)

    page.wheel.angle_changed.connect(frame)
    stops = set()
    for spins, press in enumerate(["key", "button", "centre", "key", "button", "key"]):
        frames.clear()
        if press == "key":
            qtbot.keyClick(page, Qt.Key.Key_F3)
        elif press == "button":
            qtbot.mouseClick(page.wheel_panel.button, Qt.MouseButton.LeftButton)
        else:
            qtbot.mouseClick(page.wheel, Qt.MouseButton.LeftButton, pos=page.wheel.wheel_geometry().centre.toPoint())
        qtbot.waitUntil(lambda: page.wheel.is_spinning(), timeout=WAIT)
        assert not page.wheel_panel.button.isEnabled()  # no second spin until it lands
        qtbot.waitUntil(lambda: landed(page) and page.last_spin.result.draw_id not in stops, timeout=WAIT)
        result = page.last_spin.result
        stops.add(result.draw_id)
        assert page.wheel.segment_under_pointer() == result.segment_index
        assert wheel.draws_for(ui_db, system_actor(ui_db), who.id)[0].segment_index == result.segment_index
        assert len(frames) > 5 and max(frames) - min(frames) > 2 * 360  # it really turned, several times
        assert page.wheel_panel.button.isEnabled()
    assert committed_before_turning == [True] * 6
    draws = wheel.draws_for(ui_db, system_actor(ui_db), who.id)
    assert len(draws) == 6 and len({d.segment_index for d in draws}) >= 2
    qtbot.waitUntil(lambda: page.status is not None and page.status.balance == balance(ui_db, who), timeout=WAIT)


def test_the_prize_is_announced_when_the_wheel_stops(qtbot, cashier_ctx, ui_db):
    open_wheel(ui_db, segments=(segment("谢谢参与", "#FCE7B2", 0), segment("50积分", "#F97316", 1, 50),
                                segment("谢谢参与", "#FDE68A", 0), segment("20积分", "#E5484D", 0, 20)))
    who = customer(ui_db, 0)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    wait_for_wheels(qtbot, page)
    page.wheel.duration_ms = 1500
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(page.wheel.is_spinning, timeout=WAIT)
    assert page.wheel_panel.result.text() == "Spinning…"  # the prize is not given away before the wheel stops
    assert page.strip.balance.text() == i18n.points(0)
    qtbot.waitUntil(lambda: landed(page), timeout=WAIT)
    assert page.wheel.segment_under_pointer() == 1
    assert page.wheel_panel.result.text() == f"张三丰 won 50 points! Balance {i18n.points(50)}"
    assert page.wheel_panel.result.property("kind") == "win"
    qtbot.waitUntil(lambda: page.strip.balance.text() == i18n.points(50), timeout=WAIT)


def test_a_coupon_prize_gives_a_voucher_with_its_qr_code_and_slip(qtbot, cashier_ctx, ui_db):
    open_wheel(ui_db, segments=(segment("谢谢参与", "#FCE7B2", 0), segment("5元券", "#10B981", 1, prize="coupon",
                                                                          face_value_fen=500, validity_days=7),
                                segment("谢谢参与", "#FDE68A", 0), segment("20积分", "#E5484D", 0, 20)))
    who = customer(ui_db, 0)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    wait_for_wheels(qtbot, page)
    assert page.wheel_panel.status.text() == f"Spins are free · balance {i18n.points(0)}"
    qtbot.mouseClick(page.wheel_panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: landed(page) and page.voucher is not None and page.voucher.isVisible(), timeout=WAIT)
    assert page.wheel.segment_under_pointer() == 1
    dialog = page.voucher
    assert CODE.match(dialog.code.text())
    assert page.wheel_panel.result.text() == f"张三丰 won 5元券! Prize code {dialog.code.text()}"
    assert not dialog.qr.pixmap().isNull()
    assert dialog.expiry.text().startswith("Valid until ")
    image = slips.render_image(dialog.slip)
    assert image.height() > image.width() > 0
    dialog.accept()
    assert page.wheel_panel.voucher_button.isVisible()
    qtbot.mouseClick(page.wheel_panel.voucher_button, Qt.MouseButton.LeftButton)
    assert page.voucher is not dialog and page.voucher.isVisible()
    page.voucher.accept()


@pytest.mark.parametrize("why", ["points", "paused"])
def test_a_refused_spin_says_why_and_the_wheel_does_not_move(qtbot, cashier_ctx, ui_db, why):
    view = open_wheel(ui_db, cost=10)
    who = customer(ui_db, 0 if why == "points" else 100)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    wait_for_wheels(qtbot, page)
    if why == "points":
        expected = "A spin costs 10 points; the balance is 0."
        assert page.wheel_panel.refusal.text() == expected  # said before anyone presses anything
    else:
        wheel_setup.set_wheel_active(ui_db, system_actor(ui_db), view.id, False)  # paused after the page read it
        expected = "This wheel is paused."
    moved: list[float] = []
    page.wheel.angle_changed.connect(moved.append)
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: page.wheel_panel.result.property("kind") == "error", timeout=WAIT)
    assert page.wheel_panel.result.text() == expected
    assert moved == [] and not page.wheel.is_spinning() and page.wheel.angle() == 0
    assert page.wheel_panel.button.isEnabled()
    assert wheel.draws_for(ui_db, system_actor(ui_db), who.id) == []


def test_the_customer_screen_mirrors_the_wheel_and_the_result(qtbot, cashier_ctx, ui_db):
    open_wheel(ui_db, segments=(segment("谢谢参与", "#FCE7B2", 0), segment("5积分", "#F97316", 0, 5),
                                segment("100积分", "#8B5CF6", 1, 100), segment("20积分", "#E5484D", 0, 20),
                                segment("谢谢参与", "#FDE68A", 0)))
    who = customer(ui_db, 0)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    wait_for_wheels(qtbot, page)
    qtbot.mouseClick(page.wheel_panel.customer_button, Qt.MouseButton.LeftButton)
    screen = page.customer
    assert screen is not None and screen.isVisible() and screen.isWindow()
    assert not screen.fullscreen  # one monitor here: an ordinary window
    assert screen.title.text() == "幸运大转盘"
    assert screen.wheel.segments() == page.wheel.segments()
    assert screen.result.text() == "Good luck!"
    mirrored: list[float] = []
    screen.wheel.angle_changed.connect(mirrored.append)
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: landed(page), timeout=WAIT)
    assert len(mirrored) > 5  # every frame
    assert screen.wheel.angle() == page.wheel.angle()
    assert screen.wheel.segment_under_pointer() == page.last_spin.result.segment_index == 2
    assert screen.result.text() == "Congratulations! You won 100 points"
    assert "Balance" not in screen.result.text()  # nothing private on the customer's side
    qtbot.keyClick(screen, Qt.Key.Key_Escape)
    assert not screen.isVisible() and not page.wheel_panel.customer_button.isChecked()


class _Screen:
    def __init__(self, name: str) -> None:
        self.name = name

    def geometry(self):  # type: ignore[no-untyped-def]
        return None


def test_the_customer_screen_goes_to_the_monitor_that_is_not_the_cashiers():
    cashier, customer_side_monitor = _Screen("cashier"), _Screen("customer")
    assert customer_side([cashier], cashier) is None
    assert customer_side([cashier, customer_side_monitor], cashier) is customer_side_monitor
    assert customer_side([customer_side_monitor, cashier], cashier) is customer_side_monitor


def test_a_wheel_changed_by_an_operator_meanwhile_is_redrawn_before_it_turns(qtbot, cashier_ctx, ui_db):
    first = open_wheel(ui_db)
    who = customer(ui_db, 0)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    wait_for_wheels(qtbot, page)
    draft = first.draft()
    segments = (segment("谢谢参与", "#FCE7B2", 0), segment("新品试吃", "#10B981", 0, 8),
                segment("双倍积分", "#E5484D", 1, 88), segment("再来一次", "#FDE68A", 0))
    wheel_setup.save_wheel(ui_db, system_actor(ui_db), replace(draft, segments=segments), wheel_id=first.id)
    assert page.wheel.segments()[2][0] == "10积分"  # the page still shows version 1
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: landed(page), timeout=WAIT)
    assert page.last_spin.result.version == 2
    assert [label for label, _ in page.wheel.segments()] == ["谢谢参与", "新品试吃", "双倍积分", "再来一次"]
    assert page.wheel.segment_under_pointer() == page.last_spin.result.segment_index == 2
    assert page.wheel_panel.result.text() == f"张三丰 won 88 points! Balance {i18n.points(88)}"


def test_a_spin_committed_before_the_till_went_down_is_still_shown(qtbot, cashier_ctx, ui_db):
    """The spin is committed before the animation: after a crash the prize is in the member's last spins."""
    view = open_wheel(ui_db, segments=(segment("谢谢参与", "#FCE7B2", 0), segment("5元券", "#10B981", 1, prize="coupon",
                                                                                 face_value_fen=500, validity_days=7),
                                       segment("谢谢参与", "#FDE68A", 0), segment("20积分", "#E5484D", 0, 20)))
    who = customer(ui_db, 0)
    before = wheel.spin(ui_db, cashier_ctx.actor, member_id=who.id, wheel_id=view.id)  # the till that went down
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    wait_for_wheels(qtbot, page)
    assert page.wheel_panel.recent.text() == f"Last spins: {i18n.moment(before.occurred_at)} 5元券 ({before.voucher_code})"
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: landed(page) and page.wheel_panel.recent.text().count("5元券") == 2, timeout=WAIT)
    page.voucher.accept()


def test_serving_the_next_member_mid_spin_lands_the_first_members_spin_at_once(
        qtbot, cashier_ctx, ui_db):
    open_wheel(ui_db, segments=(segment("谢谢参与", "#FCE7B2", 0), segment("30积分", "#F97316", 1, 30),
                                segment("谢谢参与", "#FDE68A", 0), segment("20积分", "#E5484D", 0, 20)))
    first = customer(ui_db, 0)
    second = member(ui_db, name="李四", phone="13900139000", points=0)
    joined_early(ui_db, second)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, first)
    wait_for_wheels(qtbot, page)
    page.wheel.duration_ms = 20_000
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(page.wheel.is_spinning, timeout=WAIT)
    serve(qtbot, page, second)
    assert not page.wheel.is_spinning() and page.wheel.segment_under_pointer() == 1
    assert page.last_spin is None and page.wheel_panel.result.text() == ""  # the new member starts clean
    assert balance(ui_db, first) == 30 and balance(ui_db, second) == 0
    qtbot.waitUntil(lambda: page.status is not None and page.status.balance == 0, timeout=WAIT)
