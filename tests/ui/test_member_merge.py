"""The duplicate-phone case in the review queue, decided as a supervisor does: merge the two accounts, or
tell two people apart (issue 6)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import update

from pointsmall import members, reviews
from pointsmall.db import Database
from pointsmall.models import Member
from tests.core.support import member_row
from ui.dialogs.member_merge import MemberMergeDialog, PhoneCorrectionDialog
from ui.pages.reviews import ReviewsPage

from .ime import commit_text
from .mall_data import member, system_actor
from .page_support import show_page

pytestmark = pytest.mark.usefixtures("close_pages")
WAIT = 5000


def duplicate_case(db: Database) -> tuple[members.MemberView, members.MemberView]:
    """张三 with 1,250 points, and 张三 registered offline at S03 with the same phone (as the sync leaves it)."""
    first = member(db, name="张三", phone="13812341234", points=1250)
    second = member(db, name="张三", phone="13912349999", points=80)
    actor = system_actor(db)
    with db.write() as session:
        session.execute(update(Member).where(Member.id == second.id)
                        .values(phone=f"13812341234#{second.id.hex[:6]}", home_store_id=actor.store_id))
        reviews.open_case(session, actor, kind="sync_member_merge", member_id=second.id,
                          reason="registered offline at store S03 with the phone or card of another member: "
                                 "merge or correct", now=datetime.now(timezone.utc),
                          details={"phone": "13812341234", "card": second.card_code},
                          ref_key=f"sync_member_merge:{second.id.hex}", subjects=[("member", second.id.hex, 0)])
    return first, second


def open_page(qtbot, ctx) -> ReviewsPage:  # type: ignore[no-untyped-def]
    page = show_page(qtbot, ReviewsPage(ctx), 1130, 760)
    qtbot.waitUntil(lambda: page.loads > 0 and page.detail.row is not None, timeout=WAIT)
    return page


def _dialog(kind: type):  # type: ignore[no-untyped-def]
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[-1] if found else None


@pytest.mark.parametrize("language", ["en", "zh_CN"], indirect=True)
def test_supervisor_merges_the_two_accounts_from_the_case(qtbot, supervisor_ctx, ui_db, language):
    first, second = duplicate_case(ui_db)
    page = open_page(qtbot, supervisor_ctx)
    detail = page.detail
    assert detail.merge.isVisible() and detail.apart.isVisible()
    assert not detail.resolve.isVisible() and not detail.note.isVisible()
    assert "138****1234" in detail.details.text() and "13812341234" not in detail.details.text()
    page.grab().save(f"/tmp/merge_case_{language}.png")
    qtbot.mouseClick(detail.merge, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _dialog(MemberMergeDialog) is not None, timeout=WAIT)
    dialog = _dialog(MemberMergeDialog)
    qtbot.waitUntil(lambda: dialog.pair is not None, timeout=WAIT)
    assert dialog.findChild(type(dialog.note), "mergeNote") is dialog.note
    names = [dialog.findChild(type(dialog.intro), f"mergeValue{c}_4").text() for c in (1, 2)]
    assert names == ["1,250", "80"]
    assert not dialog.ok.isEnabled()
    # Keep the account registered first: the one registered offline moves into it.
    dialog.keep.button(0).click()
    if language == "en":
        assert dialog.summary.text().startswith(
            f"张三's 80 points move to 张三 (card {first.card_code}).")
    commit_text(dialog.note, "顾客确认两张卡是同一人 same person")
    assert dialog.ok.isEnabled()
    dialog.grab().save(f"/tmp/merge_dialog_{language}.png")
    with qtbot.waitSignal(supervisor_ctx.changes.reviews_changed, timeout=WAIT):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=WAIT)
    assert members.get_member(ui_db, supervisor_ctx.actor, first.id).balance == 1330
    gone = member_row(ui_db, second.id)
    assert (gone.status, gone.balance, gone.merged_into) == ("merged", 0, first.id)
    assert reviews.list_cases(ui_db, supervisor_ctx.actor, status="merged")[0].decision.staff_id == \
        supervisor_ctx.actor.staff_id
    if language == "en":
        assert "Merged: 张三 went into 张三; 80 points moved." in page.notice.text()


def test_different_people_the_phone_is_corrected(qtbot, supervisor_ctx, ui_db):
    first, second = duplicate_case(ui_db)
    page = open_page(qtbot, supervisor_ctx)
    qtbot.mouseClick(page.detail.apart, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _dialog(PhoneCorrectionDialog) is not None, timeout=WAIT)
    dialog = _dialog(PhoneCorrectionDialog)
    assert "138****1234" in dialog.prompt.text()
    qtbot.keyClicks(dialog.phone, "13812341234")  # the other member's phone: refused, in words
    commit_text(dialog.note, "两个人 two people")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already belongs" in dialog.error.text(), timeout=WAIT)
    dialog.phone.clear()
    qtbot.keyClicks(dialog.phone, "139 0000 5555")
    with qtbot.waitSignal(supervisor_ctx.changes.reviews_changed, timeout=WAIT):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=WAIT)
    assert member_row(ui_db, second.id).phone == "13900005555"
    assert "Kept apart" in page.notice.text()


def test_a_cashier_sees_the_case_but_no_merge_buttons(qtbot, cashier_ctx, ui_db):
    duplicate_case(ui_db)
    page = show_page(qtbot, ReviewsPage(cashier_ctx), 1130, 760)
    qtbot.waitUntil(lambda: page.loads > 0 or bool(page.load_error.text()), timeout=WAIT)
    assert not page.detail.merge.isVisible() and not page.detail.apart.isVisible()


@pytest.mark.parametrize("language", ["en", "zh_CN"], indirect=True)
def test_a_merged_member_says_where_it_went_and_the_kept_one_names_it(qtbot, supervisor_ctx, ui_db, language):
    from pointsmall import merge
    from ui.dialogs.member_detail import MemberDetailDialog

    first, second = duplicate_case(ui_db)
    [case] = reviews.list_cases(ui_db, supervisor_ctx.actor, kind="sync_member_merge")
    merge.merge_case(ui_db, supervisor_ctx.actor, case.id, keep=first.id, note="same person")
    gone = MemberDetailDialog(supervisor_ctx, second.id)
    qtbot.addWidget(gone)
    gone.show()
    qtbot.waitUntil(lambda: gone.member is not None, timeout=WAIT)
    status = gone.facts["status"].text()
    assert first.card_code in status and "张三" in status
    assert not gone.adjust_button.isEnabled() and not gone.freeze_button.isEnabled()
    assert first.card_code in " ".join(gone.card.warnings(gone.member))
    assert gone.card.progress.isHidden() and gone.card.growth.isHidden()  # no tier to grow towards
    kept = MemberDetailDialog(supervisor_ctx, first.id)
    qtbot.addWidget(kept)
    kept.show()
    qtbot.waitUntil(lambda: kept.merged_here.isVisible(), timeout=WAIT)
    assert second.card_code in kept.merged_here.text()
    assert kept.card.progress.isVisible()
    gone.grab().save(f"/tmp/merged_member_{language}.png")
    kept.grab().save(f"/tmp/kept_member_{language}.png")
    if language == "en":
        assert status == f"Merged into 张三 (card {first.card_code})"
