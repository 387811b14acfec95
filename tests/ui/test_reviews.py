"""The review queue (审核), driven as a supervisor drives it: pick a case, write what was checked, decide."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from pointsmall import reviews, risk, signin
from pointsmall.clock import utc_now
from pointsmall.db import Database
from pointsmall.ledger import EntryKind
from pointsmall.members import MemberView
from pointsmall.models import PointEntry
from pointsmall.risk import RiskRuleDraft
from pointsmall.staff import Role
from tests.conftest import make_actor
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages.reviews import ReviewsPage

from .conftest import make_context
from .ime import commit_text
from .mall_data import member
from .page_support import show_page

pytestmark = pytest.mark.usefixtures("close_pages")
WAIT = 5000


@pytest.fixture
def operator_ctx(ui_db: Database, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = make_context(ui_db, Role.OPERATOR, language)
    yield ctx
    ctx.worker.shutdown()


def flagged_member(db: Database, phone: str = "13912345678") -> MemberView:
    """A member whose sign-in (5 points) breaks "more than 4 game points within an hour", blocking redeeming."""
    someone = member(db, name="李四", phone=phone, points=100)
    operator = make_actor(db, Role.OPERATOR)
    if not risk.list_rules(db, operator):
        risk.create_rule(db, operator, RiskRuleDraft("签到过快", "points", 60, 4, block_redeem=True))
    signin.sign_in(db, make_actor(db, Role.CASHIER), someone.id)
    return someone


def open_page(qtbot, ctx: AppContext) -> ReviewsPage:  # type: ignore[no-untyped-def]
    page = show_page(qtbot, ReviewsPage(ctx), 1130, 760)  # deleted while the loop exists (close_pages)
    qtbot.waitUntil(lambda: page.loads > 0, timeout=WAIT)
    return page


def balance(db: Database, ctx: AppContext, member_id) -> int:  # type: ignore[no-untyped-def]
    from pointsmall import members
    return members.get_member(db, ctx.actor, member_id).balance


def test_supervisor_approves_a_flagged_case(qtbot, supervisor_ctx, ui_db):
    someone = flagged_member(ui_db)
    page = open_page(qtbot, supervisor_ctx)
    assert page.table.rowCount() == 1
    assert page.title.text() == "Review queue — 1 open"
    assert page.table.item(0, 1).text() == "Earning too fast"
    assert page.table.item(0, 2).text() == "李四 · 139****5678"  # the phone is masked
    assert page.table.item(0, 3).text() == "签到过快: 5 game points within 60 minutes (more than 4)"
    assert page.table.item(0, 4).text() == "5"
    detail = page.detail
    assert detail.row is not None and detail.blocked.isVisible()
    assert detail.earnings.rowCount() == 1 and detail.earnings.item(0, 1).text().startswith("Sign-in")
    assert detail.approve.isVisible() and detail.reject.isVisible() and not detail.resolve.isVisible()
    assert detail.reject.text() == "Reject and take back 5 points"

    qtbot.mouseClick(detail.approve, Qt.MouseButton.LeftButton)  # no note yet: refused, nothing decided
    qtbot.waitUntil(lambda: "Write what was checked" in detail.error.text(), timeout=WAIT)
    assert reviews.count_open(ui_db, supervisor_ctx.actor) == {"earning_velocity": 1}
    qtbot.keyClicks(detail.note, "checked the CCTV, real visit")
    with qtbot.waitSignal(supervisor_ctx.changes.reviews_changed, timeout=WAIT):
        qtbot.mouseClick(detail.approve, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0 and page.loads > 1, timeout=WAIT)
    assert page.notice.text() == "李四 · 139****5678: Decided: Approved."
    assert page.title.text() == "Review queue" and page.empty.isVisible()
    assert reviews.count_open(ui_db, supervisor_ctx.actor) == {}
    assert balance(ui_db, supervisor_ctx, someone.id) == 105  # the earning stands

    assert page.table.isColumnHidden(5)  # only open cases listed: no status column
    page.status.setCurrentIndex(page.status.count() - 1)  # all: decided cases are still there to read
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=WAIT)
    assert not page.table.isColumnHidden(5) and page.table.item(0, 5).text() == "Approved"
    assert "Approved by" in detail.decision.text() and "real visit" in detail.decision.text()
    assert not detail.approve.isVisible() and not detail.note.isVisible()


def test_supervisor_rejects_and_the_points_are_taken_back(qtbot, supervisor_ctx, ui_db):
    someone = flagged_member(ui_db)
    page = open_page(qtbot, supervisor_ctx)
    detail = page.detail
    commit_text(detail.note, "同一人连续换卡签到")
    with qtbot.waitSignal(supervisor_ctx.changes.member_changed, timeout=WAIT) as changed:
        qtbot.mouseClick(detail.reject, Qt.MouseButton.LeftButton)
    assert changed.args[0] == someone.id
    qtbot.waitUntil(lambda: "5 points were taken back" in page.notice.text(), timeout=WAIT)
    assert balance(ui_db, supervisor_ctx, someone.id) == 100
    with ui_db.read() as session:
        kinds = list(session.scalars(select(PointEntry.kind).where(PointEntry.member_id == someone.id)
                                     .order_by(PointEntry.seq)))
    assert kinds[-1] == EntryKind.REVIEW_REVERSAL.value


def test_other_kinds_of_case_show_their_kind_and_details(qtbot, supervisor_ctx, ui_db):
    someone = member(ui_db, name="王五", phone="13700001111", points=0)
    with ui_db.write() as session:
        reviews.open_case(session, supervisor_ctx.actor, kind="sync_conflict", member_id=someone.id,
                          reason="Two stores changed the phone while offline", now=utc_now(),
                          details={"field": "phone", "stores": ["S01", "S02"]}, ref_key="conflict-1")
    page = open_page(qtbot, supervisor_ctx)
    assert page.kind.findData("sync_conflict") >= 0  # a kind the client was never told about is a filter too
    assert page.table.item(0, 1).text() == "Sync conflict"
    assert page.table.item(0, 3).text() == "Two stores changed the phone while offline"
    assert page.table.item(0, 4).text() == "—"
    detail = page.detail
    assert detail.details.text() == "Field: phone\nStores: S01, S02"
    assert not detail.earnings.isVisible()
    assert detail.resolve.isVisible()
    flagged_member(ui_db)
    page.kind.setCurrentIndex(page.kind.findData("earning_velocity"))
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.table.item(0, 1).text() == "Earning too fast",
                    timeout=WAIT)
    page.kind.setCurrentIndex(page.kind.findData("sync_conflict"))
    qtbot.waitUntil(lambda: page.table.item(0, 1).text() == "Sync conflict", timeout=WAIT)
    qtbot.keyClicks(detail.note, "phone confirmed with the member")
    qtbot.mouseClick(detail.resolve, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=WAIT)
    assert reviews.list_cases(ui_db, supervisor_ctx.actor, status="resolved")[0].kind == "sync_conflict"


def test_operators_read_the_queue_without_deciding(qtbot, operator_ctx, ui_db):
    flagged_member(ui_db)
    page = open_page(qtbot, operator_ctx)
    assert page.table.rowCount() == 1
    detail = page.detail
    assert not detail.approve.isVisible() and not detail.reject.isVisible() and not detail.note.isVisible()


@pytest.mark.parametrize("role, sees", [(Role.CASHIER, False), (Role.SUPERVISOR, True), (Role.OPERATOR, True),
                                        (Role.ADMIN, True)])
def test_the_open_count_is_in_the_navigation(qtbot, ui_db, event_loop, language, role, sees):
    if sees:
        flagged_member(ui_db)
    ctx = make_context(ui_db, role, language)
    window = MainWindow(ctx)
    try:
        labels = lambda: [window.nav.item(i).text() for i in range(window.nav.count())]  # noqa: E731
        assert (window.reviews is not None) is sees
        if sees:
            qtbot.waitUntil(lambda: "Reviews (1)" in labels(), timeout=WAIT)
            if role in (Role.SUPERVISOR, Role.ADMIN):  # deciding empties the queue: the count goes
                window.show()
                qtbot.waitExposed(window)
                window.show_page("review")
                assert window.reviews is not None
                detail = window.reviews.detail
                qtbot.waitUntil(lambda: detail.row is not None, timeout=WAIT)
                qtbot.keyClicks(detail.note, "ok, checked")
                qtbot.mouseClick(detail.approve, Qt.MouseButton.LeftButton)
                qtbot.waitUntil(lambda: "Reviews" in labels() and "Reviews (1)" not in labels(), timeout=WAIT)
        else:
            assert not any(label.startswith("Reviews") for label in labels())
    finally:
        window.close()
        window.deleteLater()
        qtbot.wait(50)
        ctx.worker.shutdown()


@pytest.mark.parametrize("language", ["en", "zh_CN"], indirect=True)
def test_a_voucher_code_moved_at_sync_says_both_codes(qtbot, supervisor_ctx, ui_db, language):
    """Issue 6: a voucher code two offline stores drew; the case names the slip's code and head office's."""
    someone = member(ui_db, name="赵六", phone="13700002222", points=0)
    with ui_db.write() as session:
        reviews.open_case(session, supervisor_ctx.actor, kind="sync_voucher_code", member_id=someone.id,
                          reason="voucher code K7MQ9XH2TD4R was drawn at store S03 and at another store",
                          now=utc_now(), ref_key="voucher-code-1",
                          details={"kind": "mall", "store_code": "K7MQ9XH2TD4R", "code": "2345ABCDEFGH",
                                   "store": "S03"})
    page = open_page(qtbot, supervisor_ctx)
    english = language == "en"
    assert page.table.item(0, 1).text() == ("Voucher code drawn at two stores" if english else "两家门店券码相同")
    reason = page.table.item(0, 3).text()
    assert "K7MQ-9XH2-TD4R" in reason and "2345-ABCD-EFGH" in reason and "S03" in reason
    details = page.detail.details.text().splitlines()
    assert details[0] == ("Voucher kind: mall voucher" if english else "券类型：商城兑换券")
    assert details[1:] == (["Store's code: K7MQ9XH2TD4R", "Head office's code: 2345ABCDEFGH", "Store: S03"]
                           if english else ["门店券码：K7MQ9XH2TD4R", "总部券码：2345ABCDEFGH", "门店：S03"])
    assert page.detail.resolve.isVisible() and not page.detail.reject.isVisible()
    page.grab().save(f"/tmp/reviews_voucher_code_{language}.png")
