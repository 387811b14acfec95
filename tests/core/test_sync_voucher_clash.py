"""Two offline stores issue a voucher with the same code (issue 6).

A voucher code is 11 random symbols of 30 plus a check character, drawn at
the store without asking head office. Two stores can draw the same one: the
chance is tiny (about 3·10^-5 after a million vouchers chain-wide), so the
tests force it by fixing the code generator at both stores.

The chain's unique key on ``vouchers.code`` used to stop the second store's
push: nothing of its batch was applied, its later facts waited behind it,
and every retry stopped again. Now (``pointsmall/sync/claims.py``):

- the projector preloads which of a batch's voucher and prize-voucher codes
  the chain already holds (one ``code = ANY(array)`` read per table); a
  store's voucher whose code is taken, at the chain or earlier in the same
  batch, is inserted with a fresh ``new_code()`` the chain does not hold,
  its redemption (or wheel draw) unchanged;
- the chain remembers the move in ``voucher_code_moves``, (the issuing
  till, the store's code, kind) -> the chain's code, so that till's write-off
  of that code (the member holds a slip with the store's code; vouchers are
  not pulled, so only that till can write it off offline), in the same push or
  a later one, is translated before it is inserted, and never lands on the
  other store's voucher; a till of that store working on the chain's
  database finds its voucher by the slip's code too (``handover``);
- a ``sync_voucher_code`` case (the member, the redemption or draw as
  subject, details: store, store's code, chain's code; "resolved" its only
  decision) says so, and comes down to every store with the next pull.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from pointsmall import handover, prizes, purchases, redemption, staff, vouchers, wheel, wheel_setup
from pointsmall.models import (
    PrizeVoucher,
    PrizeVoucherWriteOff,
    Redemption,
    ReviewCase,
    ReviewSubject,
    Voucher,
    VoucherCodeMove,
    VoucherWriteOff,
)
from pointsmall.sync import attach_replica, first_pull, outbox, receive, replica_sender

from .games_support import FixedDraws, seg
from .sync_support import (
    SECRET,
    assert_agree,
    assert_chain_clean,
    balance,
    chain,  # noqa: F401 - fixture
    chain_item,
    chain_member,
    login,
    new_store,
    open_replica,
    sync,
)


def _same_code_at_two_stores(chain, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]  # noqa: F811
    north_member, south_member = chain_member(chain, "北", points=300), chain_member(chain, "南", points=300)
    item_id = chain_item(chain, stock=10, price=100)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    code = vouchers.new_code()
    monkeypatch.setattr(redemption, "new_code", lambda: code)  # both stores draw the same code
    at_north = redemption.redeem(north.db, north.cashier, member_id=north_member, item_id=item_id)
    at_south = redemption.redeem(south.db, south.cashier, member_id=south_member, item_id=item_id)
    monkeypatch.undo()
    assert at_north.voucher_code == at_south.voucher_code == code
    return north, south, north_member, south_member, at_north, at_south, code


def _redemptions_at_chain(chain, member_id):  # type: ignore[no-untyped-def]  # noqa: F811
    with chain.db.read() as session:
        return session.scalar(select(func.count()).select_from(Redemption).where(Redemption.member_id == member_id))


def test_the_second_voucher_gets_a_fresh_code_at_the_chain_and_a_case_tells_the_store(chain, tmp_path,
                                                                                      monkeypatch):  # noqa: F811
    north, south, north_member, south_member, at_north, at_south, code = _same_code_at_two_stores(
        chain, tmp_path, monkeypatch)
    sync(north, chain)
    report = sync(south, chain)  # goes through
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_voucher_code"]
    with chain.db.read() as session:
        codes = dict(session.execute(select(Redemption.member_id, Voucher.code)
                                     .join(Voucher, Voucher.redemption_id == Redemption.id)
                                     .where(Redemption.member_id.in_([north_member, south_member]))).tuples().all())
        [case] = session.scalars(select(ReviewCase).where(ReviewCase.kind == "sync_voucher_code")).all()
        case_member, case_status, case_details = case.member_id, case.status, case.details
    assert codes[north_member] == code  # the first to arrive keeps its code
    fresh = codes[south_member]
    assert fresh != code and vouchers.clean_code(fresh, len(code)) == fresh  # a valid code of its own
    assert case_member == south_member and case_status == "open"
    assert code in case_details and fresh in case_details
    # The slip the member holds has the store's code: a write-off at south is of south's voucher at the chain.
    vouchers.write_off(south.db, south.supervisor, code)
    sync(south, chain)
    with chain.db.read() as session:
        written_off = set(session.scalars(select(VoucherWriteOff.voucher_code)))
    assert written_off == {fresh}
    with south.db.read() as session:  # the case came down with the pull: the store is told
        assert session.scalar(select(func.count()).select_from(ReviewCase)
                              .where(ReviewCase.kind == "sync_voucher_code")) == 1
    assert_chain_clean(chain)


def _chain_codes(chain, *member_ids):  # type: ignore[no-untyped-def]  # noqa: F811
    with chain.db.read() as session:
        return dict(session.execute(select(Redemption.member_id, Voucher.code)
                                    .join(Voucher, Voucher.redemption_id == Redemption.id)
                                    .where(Redemption.member_id.in_(member_ids))).tuples().all())


def test_the_clash_no_longer_stops_the_sync_and_the_later_facts_apply(chain, tmp_path, monkeypatch):  # noqa: F811
    north, south, north_member, south_member, at_north, at_south, code = _same_code_at_two_stores(
        chain, tmp_path, monkeypatch)
    purchases.award_for_purchase(south.db, south.cashier, member_id=south_member, receipt_no="S03-AFTER",
                                 amount_fen=5_000)  # a fact after the voucher, in a later event
    sync(north, chain)
    report = sync(south, chain)
    assert report.pushed == 2 and len(report.conflicts) == 1
    assert _redemptions_at_chain(chain, south_member) == 1
    assert balance(chain.db, south_member) == balance(south.db, south_member) == 300 - 100 + 50
    codes = _chain_codes(chain, north_member, south_member)
    assert codes[north_member] == code and codes[south_member] != code  # north's voucher is untouched
    with south.db.read() as session:  # the store keeps its own code: the member's slip
        assert session.scalar(select(Voucher.code)) == code
    assert_agree(south, chain)
    assert_chain_clean(chain)


def test_the_write_off_in_the_same_push_as_the_voucher_is_translated_and_north_keeps_its_own(
        chain, tmp_path, monkeypatch):  # noqa: F811
    north, south, north_member, south_member, at_north, at_south, code = _same_code_at_two_stores(
        chain, tmp_path, monkeypatch)
    sync(north, chain)
    vouchers.write_off(south.db, south.supervisor, code)  # handed over before south synced at all
    sync(south, chain)
    fresh = _chain_codes(chain, south_member)[south_member]
    with chain.db.read() as session:
        assert set(session.scalars(select(VoucherWriteOff.voucher_code))) == {fresh}
    vouchers.write_off(north.db, north.supervisor, code)  # north's own voucher, its own code
    sync(north, chain)
    with chain.db.read() as session:
        assert set(session.scalars(select(VoucherWriteOff.voucher_code))) == {fresh, code}
    assert_chain_clean(chain)


def test_a_repeat_delivery_does_not_move_the_code_twice(chain, tmp_path, monkeypatch):  # noqa: F811
    north, south, north_member, south_member, at_north, at_south, code = _same_code_at_two_stores(
        chain, tmp_path, monkeypatch)
    sync(north, chain)
    outbox.seal(south.db)
    events = outbox.unacked(south.db, 100)
    for _ in range(3):  # the acknowledgement was lost twice: the same batch arrives again
        got = receive(chain.db, replica_sender(south.db), events)
        assert got.applied_through == len(events)
    with chain.db.read() as session:
        moves = session.execute(select(VoucherCodeMove.store_id, VoucherCodeMove.store_code,
                                       VoucherCodeMove.kind)).all()
        cases = session.scalar(select(func.count()).select_from(ReviewCase)
                               .where(ReviewCase.kind == "sync_voucher_code"))
        vouchers_of_south = session.scalar(select(func.count()).select_from(Voucher)
                                           .join(Redemption, Redemption.id == Voucher.redemption_id)
                                           .where(Redemption.member_id == south_member))
    assert moves == [("S03", code, "mall")] and cases == 1 and vouchers_of_south == 1
    sync(south, chain)
    vouchers.write_off(south.db, south.supervisor, code)
    sync(south, chain)
    with chain.db.read() as session:
        assert set(session.scalars(select(VoucherWriteOff.voucher_code))) == {_chain_codes(
            chain, south_member)[south_member]}
    assert_chain_clean(chain)


def test_a_code_used_by_a_prize_and_a_voucher_in_one_batch_is_moved_once(chain, tmp_path, monkeypatch):  # noqa: F811
    """One store cannot draw a voucher code twice (the table's key), but a mall voucher's code is not checked
    against the store's prizes: both arrive in one batch, and the chain keeps one code in both tables."""
    wheel_id = _coupon_wheel(chain)
    member = chain_member(chain, "西", points=300)
    item_id = chain_item(chain, stock=10, price=100)
    west = new_store(chain, "S04", tmp_path)
    code = vouchers.new_code()
    monkeypatch.setattr(prizes, "new_code", lambda: code)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(60))
    wheel.spin(west.db, west.cashier, member_id=member, wheel_id=wheel_id)
    monkeypatch.setattr(redemption, "new_code", lambda: code)
    redemption.redeem(west.db, west.cashier, member_id=member, item_id=item_id)
    monkeypatch.undo()
    vouchers.write_off(west.db, west.supervisor, code)
    report = sync(west, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_voucher_code"]
    fresh = _chain_codes(chain, member)[member]
    with chain.db.read() as session:
        assert session.scalar(select(PrizeVoucher.code)) == code  # the prize came first in the batch
        assert set(session.scalars(select(VoucherWriteOff.voucher_code))) == {fresh} != {code}
    assert_chain_clean(chain)


def _coupon_wheel(chain):  # type: ignore[no-untyped-def]  # noqa: F811
    """Thanks 25, thanks 25, a ¥5 coupon 25 ([50, 75)), a ¥10 coupon 25: coupons are handed over against a
    prize voucher's code."""
    now = datetime.now(timezone.utc)
    return wheel_setup.save_wheel(chain.db, chain.admin, wheel_setup.WheelDraft(
        name="券转盘", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), fallback_index=0,
        segments=(seg("谢谢参与", 25), seg("再接再厉", 25),
                  seg("5元券", 25, "coupon", face_value_fen=500, validity_days=7, value_points=100),
                  seg("10元券", 25, "coupon", face_value_fen=1000, validity_days=7, value_points=200)))).id


def test_a_prize_voucher_clash_gets_a_fresh_code_and_a_later_write_off_follows_it(chain, tmp_path,
                                                                                  monkeypatch):  # noqa: F811
    wheel_id = _coupon_wheel(chain)
    north_member, south_member = chain_member(chain, "北"), chain_member(chain, "南")
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    code = vouchers.new_code()
    monkeypatch.setattr(prizes, "new_code", lambda: code)  # both stores draw the same prize code
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(60))
    won = [wheel.spin(s.db, s.cashier, member_id=m, wheel_id=wheel_id)
           for s, m in ((north, north_member), (south, south_member))]
    monkeypatch.undo()
    assert {vouchers.clean_code(w.voucher_code or "", len(code)) for w in won} == {code}
    sync(north, chain)
    report = sync(south, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_voucher_code"]
    with chain.db.read() as session:
        codes = dict(session.execute(select(PrizeVoucher.member_id, PrizeVoucher.code)).tuples().all())
        [case] = session.scalars(select(ReviewCase).where(ReviewCase.kind == "sync_voucher_code")).all()
        subject = session.scalar(select(ReviewSubject.ref_id).where(ReviewSubject.case_id == case.id))
        case_member = case.member_id
    fresh = codes[south_member]
    assert codes[north_member] == code and fresh != code and vouchers.clean_code(fresh, len(code)) == fresh
    assert case_member == south_member and subject == won[1].draw_id.hex
    prizes.write_off(south.db, south.supervisor, code)  # a later push than the prize
    sync(south, chain)
    with chain.db.read() as session:
        assert set(session.scalars(select(PrizeVoucherWriteOff.voucher_code))) == {fresh}
    prizes.write_off(north.db, north.supervisor, code)
    sync(north, chain)
    with chain.db.read() as session:
        assert set(session.scalars(select(PrizeVoucherWriteOff.voucher_code))) == {fresh, code}
    assert_chain_clean(chain)


def test_a_till_of_the_moved_store_online_with_the_chain_finds_its_voucher_by_the_slips_code(
        chain, tmp_path, monkeypatch):  # noqa: F811
    north, south, north_member, south_member, at_north, at_south, code = _same_code_at_two_stores(
        chain, tmp_path, monkeypatch)
    sync(north, chain)
    sync(south, chain)
    fresh = _chain_codes(chain, south_member)[south_member]
    at_chain = {store: staff.authenticate(chain.db, chain.staff[store][1], SECRET) for store in ("S02", "S03")}
    assert handover.look_up(chain.db, at_chain["S02"], code).member_id == north_member
    found = handover.look_up(chain.db, at_chain["S03"], code)
    assert (found.member_id, found.code) == (south_member, fresh)
    handed = handover.hand_over(chain.db, at_chain["S03"], code)
    assert handed.state == "written_off" and handed.code == fresh
    assert handover.look_up(chain.db, at_chain["S02"], code).state == "valid"  # north's is still to hand over
    assert_chain_clean(chain)


def test_two_tills_of_one_store_drawing_one_code_keep_their_own_write_offs(chain, tmp_path, monkeypatch):  # noqa: F811
    """Moves are remembered per till: the till that kept the code writes off its own voucher, not the moved one."""
    first_member, second_member = chain_member(chain, "一", points=300), chain_member(chain, "二", points=300)
    item_id = chain_item(chain, stock=10, price=100)
    till_a = new_store(chain, "S02", tmp_path)
    second_file = open_replica(tmp_path / "replica-S02-till-b.db")
    attach_replica(second_file, "S02")
    first_pull(second_file, chain.db)
    till_b = login(chain, "S02", second_file)
    code = vouchers.new_code()
    monkeypatch.setattr(redemption, "new_code", lambda: code)
    redemption.redeem(till_a.db, till_a.cashier, member_id=first_member, item_id=item_id)
    redemption.redeem(till_b.db, till_b.cashier, member_id=second_member, item_id=item_id)
    monkeypatch.undo()
    sync(till_a, chain)
    sync(till_b, chain)  # till b's voucher is moved
    moved = _chain_codes(chain, second_member)[second_member]
    assert moved != code and _chain_codes(chain, first_member)[first_member] == code
    vouchers.write_off(till_a.db, till_a.supervisor, code)  # the slip of till a's member
    sync(till_a, chain)
    with chain.db.read() as session:
        assert set(session.scalars(select(VoucherWriteOff.voucher_code))) == {code}  # till a's own voucher
    vouchers.write_off(till_b.db, till_b.supervisor, code)  # the slip of till b's member: the moved voucher
    sync(till_b, chain)
    with chain.db.read() as session:
        assert set(session.scalars(select(VoucherWriteOff.voucher_code))) == {code, moved}
    assert_chain_clean(chain)
