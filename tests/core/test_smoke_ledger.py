"""The basic earn -> refund -> adjust path on both backends."""
from __future__ import annotations

from pointsmall import check, members, purchases


def test_award_refund_and_check(db, cashier, supervisor):
    m = members.create_member(db, cashier, name="张三", phone="13800138000")
    r = purchases.award_for_purchase(db, cashier, member_id=m.id, receipt_no="R-1", amount_fen=12_345)
    assert (r.points, r.balance, r.repeated) == (123, 123, False)
    again = purchases.award_for_purchase(db, cashier, member_id=m.id, receipt_no="R-1", amount_fen=12_345)
    assert again.repeated and again.balance == 123
    refund = purchases.refund_purchase(db, supervisor, receipt_no="R-1", refund_no="F-1", amount_fen=12_345)
    assert refund.points_reversed == 123 and refund.balance == 0
    assert check.run_check(db).ok
