"""One place at the counter for every code: a mall voucher or a wheel prize is found, shown and handed over once.

Issue #5: wheel prizes could not be handed over anywhere in the client; the
write-off place only knew the mall's vouchers.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from pointsmall import catalog, handover, purchases, redemption, vouchers, wheel, wheel_setup
from pointsmall.catalog import ItemDraft
from pointsmall.demo_games import SEGMENTS, SPIN_COST, demo_wheel
from pointsmall.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pointsmall.ids import new_id

from .games_support import MONDAY, FixedDraws, Games, assert_clean, games, local, new_wheel  # noqa: F401
from .support import new_member


def _fund(g: Games, member_id, points: int = 2000) -> None:  # type: ignore[no-untyped-def]
    purchases.award_for_purchase(g.db, g.cashier, member_id=member_id, receipt_no=f"H-{new_id().hex[:20]}",
                                 amount_fen=points * 100, now=local(MONDAY, 9))


def _coupon_prize(g: Games, monkeypatch: pytest.MonkeyPatch, member_id, at_hour: int = 12) -> str:  # type: ignore[no-untyped-def]
    w = new_wheel(g)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(95))  # the ¥5 coupon (weights 40, 30, 20, 10)
    result = wheel.spin(g.db, g.cashier, member_id=member_id, wheel_id=w.id, now=local(MONDAY, at_hour))
    monkeypatch.undo()
    assert result.prize == "coupon" and result.voucher_code is not None
    return result.voucher_code


def test_both_kinds_are_found_by_their_code_and_handed_over_once(games: Games, monkeypatch) -> None:
    m = new_member(games.db, games.cashier, name="李领奖", phone="13812345678")
    _fund(games, m.id)
    item = catalog.save_item(games.db, games.operator, ItemDraft(sku=f"HO{new_id().hex[:8]}", name="帆布袋",
                                                                  category="家居", price_points=100, unlimited=True))
    bought = redemption.redeem(games.db, games.cashier, member_id=m.id, item_id=item.id)
    prize_code = _coupon_prize(games, monkeypatch, m.id)

    prize = handover.look_up(games.db, games.cashier, prize_code.lower())
    assert (prize.source, prize.name, prize.kind, prize.state, prize.refusal) == ("prize", "5元券", "coupon", "valid",
                                                                                    None)
    assert (prize.member_name, prize.member_phone, prize.member_id) == ("李领奖", "138****5678", m.id)
    assert prize.expires_on == MONDAY + timedelta(days=6)
    mall = handover.look_up(games.db, games.cashier, bought.voucher_display)
    assert (mall.source, mall.name, mall.kind, mall.member_phone, mall.state) == ("mall", "帆布袋", "goods",
                                                                                  "138****5678", "valid")

    assert [p.code for p in handover.prizes_to_hand_over(games.db, games.cashier, m.id)] == [prize.code]
    done = handover.hand_over(games.db, games.cashier, prize_code)
    assert (done.source, done.state, done.refusal is not None) == ("prize", "written_off", True)
    assert handover.prizes_to_hand_over(games.db, games.cashier, m.id) == []
    with pytest.raises(Conflict, match="already handed over"):
        handover.hand_over(games.db, games.supervisor, prize_code)
    again = handover.look_up(games.db, games.cashier, prize_code)
    assert again.state == "written_off" and "already handed over" in again.refusal.message  # type: ignore[union-attr]

    used = handover.hand_over(games.db, games.cashier, bought.voucher_code)
    assert (used.source, used.state) == ("mall", "written_off")
    with pytest.raises(Conflict, match="already used"):
        handover.hand_over(games.db, games.cashier, bought.voucher_display)
    with pytest.raises(PermissionDenied):
        handover.hand_over(games.db, games.operator, prize_code)
    assert_clean(games.db)


def test_an_expired_prize_is_refused_and_not_listed(games: Games, monkeypatch) -> None:
    m = new_member(games.db, games.cashier)
    _fund(games, m.id)
    code = _coupon_prize(games, monkeypatch, m.id)
    later = local(MONDAY + timedelta(days=7), 10)  # the coupon was valid for 7 days from MONDAY
    monkeypatch.setattr("pointsmall.prizes.utc_now", lambda: later)
    monkeypatch.setattr("pointsmall.handover.utc_now", lambda: later)
    monkeypatch.setattr("pointsmall.vouchers.utc_now", lambda: later)  # the write-off's own clock
    assert handover.prizes_to_hand_over(games.db, games.cashier, m.id) == []
    view = handover.look_up(games.db, games.cashier, code)
    assert view.state == "expired" and view.refusal is not None
    assert view.refusal.message == f"This prize expired on {(MONDAY + timedelta(days=6)).isoformat()}."
    with pytest.raises(Conflict, match="expired"):
        handover.hand_over(games.db, games.cashier, code)


def test_a_code_that_cannot_be_one_says_what_is_wrong(games: Games) -> None:
    body = "K7MQ9XH2TD4"
    good = body + next(c for c in vouchers.ALPHABET if vouchers.clean_code(body + c, 12))
    swapped = good[:3] + good[4] + good[3] + good[5:]  # M and 9 are not 15 apart: the check catches it
    cases = {
        good[:5] + "0" + good[6:]: "codes never use 0, O, 1, I, L or U, so 0 was misread",
        good[:4] + "/" + good[5:]: "codes have only letters and digits, not /",
        good[:-1]: "codes have 12 characters (like K7MQ-9XH2-TD4R), this one has 11",
        swapped: "a character is mistyped or two are swapped",
        "  ": "Scan or type the code on the voucher or the prize slip.",
    }
    for typed, words in cases.items():
        with pytest.raises(ValidationError) as exc:
            handover.look_up(games.db, games.cashier, typed)
        assert words in exc.value.message, (typed, exc.value.message)
    with pytest.raises(NotFound) as unknown:
        handover.look_up(games.db, games.cashier, "ｋ７ｍｑ－" + good[4:])  # full-width, from an input method
    assert unknown.value.message == f"No voucher or prize has the code {vouchers.display_code(good)}; " \
                                    "check it and type it again."


def test_the_demo_wheel_is_one_a_store_would_run(games: Games) -> None:
    """Issue #5: the demo wheel paid out about 309% of its spin cost."""
    draft = demo_wheel(games.db, "Asia/Shanghai", MONDAY)
    cost = wheel_setup.expected_cost(draft, expected_spins=10_000)
    assert cost.payout_ratio is not None and 0.4 <= cost.payout_ratio <= 0.7
    assert cost.warning is None and cost.spins_budget_pays is not None and cost.spins_budget_pays >= 10_000
    assert draft.cost_points == SPIN_COST and 0.3 <= cost.prize_chance <= 0.6
    total = sum(s.weight for s in draft.segments)
    best = max(SEGMENTS, key=lambda s: s[4] if s[3] == "points" else s[8])
    assert best[2] / total <= 0.005  # the big prize is rare
    for label, _, weight, kind, *_rest, stock in SEGMENTS:
        if stock is not None:  # enough stock for its share of the spins the budget pays for
            assert stock >= weight / total * cost.spins_budget_pays, label
