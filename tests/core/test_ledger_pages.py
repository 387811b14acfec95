"""Paging through a member's ledger by ``seq`` (the detail screen's lazy table)."""
from __future__ import annotations

from pointsmall import adjustments, ledger

from .support import new_member


def test_entries_page_walks_the_ledger_newest_first_without_offset(db, supervisor):
    member = new_member(db, supervisor, "张三丰")
    for i in range(7):
        adjustments.adjust_points(db, supervisor, member_id=member.id, points=10 + i, reason_category="goodwill",
                                  note=f"补偿 {i}")
    pages: list[list[int]] = []
    before = None
    with db.read() as session:
        while True:
            page = ledger.entries_page(session, member.id, before_seq=before, limit=3)
            if not page:
                break
            pages.append([e.seq for e in page])
            before = page[-1].seq
        everything = ledger.entries_for(session, member.id, limit=100)
    assert pages == [[7, 6, 5], [4, 3, 2], [1]]
    assert [e.seq for e in everything] == [7, 6, 5, 4, 3, 2, 1]
    assert [e.points for e in everything] == [16, 15, 14, 13, 12, 11, 10]
    assert everything[0].balance_after == sum(range(10, 17))
    assert everything[0].expires_on is not None


def test_entries_page_of_a_member_without_entries_is_empty(db, supervisor):
    member = new_member(db, supervisor)
    with db.read() as session:
        assert ledger.entries_page(session, member.id) == []
        assert ledger.entries_page(session, member.id, before_seq=1) == []
