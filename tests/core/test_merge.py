"""Merging a duplicate member (issue 6: the same phone at two stores is a case a supervisor resolves)."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update

from pointsmall import ledger, members, merge, purchases, reviews, signin, tiers
from pointsmall.errors import Conflict, DomainError, MemberMerged, PermissionDenied, ValidationError
from pointsmall.ledger import EntryKind
from pointsmall.models import Member, PointEntry, ReviewCase, TierChange

from .support import assert_clean, audit_count, count, entries, lots, member_row, new_member, unique_phone

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)


def give(db, actor, member_id: uuid.UUID, points: int, expires_on: date | None = None, *,
         allow_negative: bool = False) -> None:
    """Post points straight to the ledger (a lot with a chosen expiry, or a debt)."""
    with db.write() as session:
        member = ledger.lock_member(session, member_id)
        ledger.post(session, member, actor, kind=EntryKind.ADJUST if points > 0 else EntryKind.REFUND_REVERSAL,
                    points=points, now=NOW, expires_on=expires_on, reason_category="correction", note="test",
                    allow_negative=allow_negative, review_reason="test debt")


def duplicate_case(db, system) -> tuple[members.MemberView, members.MemberView, uuid.UUID, str]:
    """What the sync makes of a phone registered at two stores: the second member's phone marked, a case."""
    phone = unique_phone()
    first = new_member(db, system, name="张三", phone=phone)
    second = new_member(db, system, name="张三", phone=unique_phone())
    marked = f"{phone}#{second.id.hex[:6]}"
    with db.write() as session:
        session.execute(update(Member).where(Member.id == second.id).values(phone=marked))
        case = reviews.open_case(session, system, kind="sync_member_merge", member_id=second.id,
                                 reason="registered offline with the phone of another member", now=NOW,
                                 details={"phone": phone, "card": second.card_code},
                                 ref_key=f"sync_member_merge:{second.id.hex}",
                                 subjects=[("member", second.id.hex, 0)])
        case_id = case.id
    return first, second, case_id, phone


def test_merging_moves_the_balance_with_each_lots_expiry_through_the_ledger(db, system, supervisor):
    keep, gone = new_member(db, system, name="张三"), new_member(db, system, name="张叁")
    give(db, system, keep.id, 100, date(2027, 1, 31))
    give(db, system, gone.id, 200, date(2027, 6, 30))
    give(db, system, gone.id, 50, date(2028, 1, 31))
    give(db, system, gone.id, -120)  # spent from the soonest lot: 80 of it left
    result = merge.merge_members(db, supervisor, keep=keep.id, absorb=gone.id, note="同一人 same person",
                                 request_id="m-1")
    assert (result.points_moved, result.kept_balance, result.repeated) == (130, 230, False)
    kept_lots = sorted((lot.remaining, lot.expires_on) for lot in lots(db, keep.id) if lot.remaining)
    assert kept_lots == [(50, date(2028, 1, 31)), (80, date(2027, 6, 30)), (100, date(2027, 1, 31))]
    assert all(lot.remaining == 0 for lot in lots(db, gone.id))
    out, in_ = entries(db, gone.id)[-1], entries(db, keep.id)[-1]
    assert (out.kind, out.points, out.reason_category) == ("merge", -130, "merge")
    assert (in_.kind, in_.points, in_.reason_category) == ("merge", 130, "merge")
    row = member_row(db, gone.id)
    assert (row.status, row.balance, row.merged_into, row.merge_request_id) == ("merged", 0, keep.id, "m-1")
    assert members.get_member(db, supervisor, gone.id).merged_into.name == "张三"
    assert [m.id for m in members.merged_members(db, supervisor, keep.id)] == [gone.id]
    assert_clean(db)


def test_merging_the_same_pair_again_does_nothing(db, system, supervisor):
    keep, gone = new_member(db, system), new_member(db, system)
    give(db, system, gone.id, 40, date(2027, 3, 31))
    merge.merge_members(db, supervisor, keep=keep.id, absorb=gone.id, note="same person")
    written = (count(db, PointEntry), audit_count(db))
    again = merge.merge_members(db, supervisor, keep=keep.id, absorb=gone.id, note="same person")
    assert again.repeated and again.kept_balance == 40
    assert (count(db, PointEntry), audit_count(db)) == written
    assert_clean(db)


def test_a_debt_moves_too_and_flags_the_kept_member_when_it_goes_below_zero(db, system, supervisor):
    keep, gone = new_member(db, system), new_member(db, system)
    give(db, system, keep.id, 30, date(2027, 3, 31))
    give(db, system, gone.id, -80, allow_negative=True)
    result = merge.merge_members(db, supervisor, keep=keep.id, absorb=gone.id, note="same person")
    assert (result.points_moved, result.kept_balance) == (-80, -50)
    kept, absorbed = member_row(db, keep.id), member_row(db, gone.id)
    assert kept.needs_review and kept.balance == -50
    assert absorbed.balance == 0 and not absorbed.needs_review
    assert reviews.list_cases(db, supervisor, kind="negative_balance", member_id=keep.id)
    assert_clean(db)


def test_the_kept_member_keeps_the_higher_tier(db, system, supervisor):
    keep, gone = new_member(db, system), new_member(db, system)
    with db.read() as session:
        ladder = tiers.list_tiers(session)
    with db.write() as session:
        session.execute(update(Member).where(Member.id == gone.id).values(tier_id=ladder[2].id))
    result = merge.merge_members(db, supervisor, keep=keep.id, absorb=gone.id, note="same person")
    assert result.tier_code == ladder[2].code
    assert member_row(db, keep.id).tier_id == ladder[2].id
    assert count(db, TierChange, TierChange.member_id == keep.id) == 1
    # The other way round the kept member's own higher tier stays.
    a, b = new_member(db, system), new_member(db, system)
    with db.write() as session:
        session.execute(update(Member).where(Member.id == a.id).values(tier_id=ladder[1].id))
    assert merge.merge_members(db, supervisor, keep=a.id, absorb=b.id, note="same person").tier_code == ladder[1].code


def test_a_merged_member_leads_lookups_to_the_kept_one_and_takes_no_more_points(db, system, supervisor, cashier):
    keep, gone = new_member(db, system, name="李四"), new_member(db, system, name="李肆")
    merge.merge_members(db, supervisor, keep=keep.id, absorb=gone.id, note="same person")
    for query in (gone.card_code, member_row(db, gone.id).phone):
        found = members.search(db, cashier, query)
        assert [m.id for m in found.members] == [keep.id]
    with pytest.raises(MemberMerged) as refused:  # not "frozen": the cashier is told where the account went
        purchases.award_for_purchase(db, cashier, member_id=gone.id, receipt_no="R-MERGED", amount_fen=1000)
    assert "merged into another member" in refused.value.message
    with pytest.raises(MemberMerged):
        signin.sign_in(db, cashier, gone.id)
    with pytest.raises(ValidationError):
        members.set_status(db, supervisor, keep.id, "merged", "try")
    with pytest.raises(Conflict):
        members.set_status(db, supervisor, gone.id, "active", "revive")
    assert_clean(db)


def test_refusals_are_clear_and_write_nothing(db, system, supervisor, cashier):
    a, b, c = (new_member(db, system) for _ in range(3))
    with pytest.raises(merge.MergeRefused, match="itself"):
        merge.merge_members(db, supervisor, keep=a.id, absorb=a.id, note="same person")
    with pytest.raises(PermissionDenied):
        merge.merge_members(db, cashier, keep=a.id, absorb=b.id, note="same person")
    with pytest.raises(ValidationError):
        merge.merge_members(db, supervisor, keep=a.id, absorb=b.id, note="")
    members.set_status(db, supervisor, c.id, "frozen", "lost card")
    with pytest.raises(merge.MergeRefused, match="frozen"):
        merge.merge_members(db, supervisor, keep=a.id, absorb=c.id, note="same person")
    merge.merge_members(db, supervisor, keep=a.id, absorb=b.id, note="same person")
    before = (count(db, PointEntry), audit_count(db))
    with pytest.raises(merge.MergeRefused, match="already merged"):
        merge.merge_members(db, supervisor, keep=c.id, absorb=b.id, note="same person")
    with pytest.raises(merge.MergeRefused, match="already merged"):
        merge.merge_members(db, supervisor, keep=b.id, absorb=a.id, note="same person")
    assert (count(db, PointEntry), audit_count(db)) == before
    assert_clean(db)


def test_the_case_is_merged_and_the_kept_offline_member_takes_the_real_phone(db, system, supervisor):
    first, second, case_id, phone = duplicate_case(db, system)
    give(db, system, first.id, 70, date(2027, 5, 31))
    pair = merge.candidates(db, supervisor, case_id)
    assert [m.id for m in pair.members] == [first.id, second.id]
    assert [m.registered_offline for m in pair.members] == [False, True]
    with pytest.raises(ValidationError):
        reviews.resolve(db, supervisor, case_id, "closing it")  # only a merge or a correction decides it
    with pytest.raises(ValidationError):
        merge.merge_case(db, supervisor, case_id, keep=uuid.uuid4(), note="a third member")
    result = merge.merge_case(db, supervisor, case_id, keep=second.id, note="同一人 same person")
    assert (result.absorbed_id, result.kept_balance) == (first.id, 70)
    assert member_row(db, second.id).phone == phone
    assert members.search(db, supervisor, phone).members[0].id == second.id
    case = reviews.get_case(db, supervisor, case_id)
    assert case.status == "merged" and case.decision.decision == "merged" and case.allowed == ()
    again = merge.merge_case(db, supervisor, case_id, keep=second.id, note="retry")
    assert again.repeated
    with pytest.raises(Conflict):
        merge.merge_case(db, supervisor, case_id, keep=first.id, note="the other way")
    assert_clean(db)


def test_different_people_get_the_new_members_real_phone(db, system, supervisor):
    first, second, case_id, phone = duplicate_case(db, system)
    other = new_member(db, system)
    assert reviews.get_case(db, supervisor, case_id).allowed == ("merged", "kept_apart")
    with pytest.raises(ValidationError):
        merge.correct_phone(db, supervisor, case_id, phone="12345", note="two people")
    with pytest.raises(Conflict, match="already belongs"):
        merge.correct_phone(db, supervisor, case_id, phone=phone, note="two people")
    with db.read() as session:
        taken = session.get(Member, other.id).phone
    with pytest.raises(Conflict):
        merge.correct_phone(db, supervisor, case_id, phone=taken, note="two people")
    real = unique_phone()
    view = merge.correct_phone(db, supervisor, case_id, phone=real, note="两个人 two people")
    assert view.status == "kept_apart"
    row = member_row(db, second.id)
    assert (row.phone, row.phone_last4, row.status) == (real, real[-4:], "active")
    with pytest.raises(Conflict):
        merge.merge_case(db, supervisor, case_id, keep=first.id, note="changed my mind")
    assert_clean(db)


def test_a_case_whose_details_name_nobody_else_cannot_be_merged(db, system, supervisor):
    first, second, case_id, phone = duplicate_case(db, system)
    with db.write() as session:
        session.execute(update(ReviewCase).where(ReviewCase.id == case_id)
                        .values(details=json.dumps({"phone": "13000000000", "card": "x"})))
    with pytest.raises(merge.MergeRefused, match="correct the phone"):
        merge.merge_case(db, supervisor, case_id, keep=second.id, note="same person")
