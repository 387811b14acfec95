"""Members: phones, cards, registration, editing, freezing and the search box."""
from __future__ import annotations

import pytest

from pointsmall import adjustments, members, purchases
from pointsmall.errors import Conflict, MemberNotActive, ValidationError
from pointsmall.members import MatchKind
from pointsmall.models import AuditRecord, Member, MemberSearchTerm, Purchase

from .support import audit_count, count, last_audit, member_row, row_counts, unique_phone


# -- phones ------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "13800138000",
    "138 0013 8000",
    " 138-0013-8000 ",
    "+86 138 0013 8000",
    "+8613800138000",
    "0086 138 0013 8000",
    "86-138-0013-8000",
    "(138) 0013-8000",
])
def test_phone_normalisation_accepts_what_people_type(raw):
    assert members.normalise_phone(raw) == "13800138000"


@pytest.mark.parametrize("raw", [
    "1380013800",  # 10 digits
    "138001380001",  # 12 digits
    "+86 138001380001",  # 12 digits after the country code
    "1380013800O",  # a letter O for a zero
    "abc",
    "",
    "23800138000",  # does not start with 1
    "12800138000",  # no mobile network starts 12
    "+1 138 0013 8000",
])
def test_phone_normalisation_rejects_wrong_numbers(raw):
    with pytest.raises(ValidationError) as err:
        members.normalise_phone(raw)
    assert err.value.field == "phone"
    assert "11 digits" in err.value.message


def test_phone_is_masked_for_a_cashier_and_full_for_a_supervisor(db, cashier, supervisor, operator):
    m = members.create_member(db, cashier, name="王五", phone="138 0013 1234")
    assert m.phone == "138****1234"
    assert members.get_member(db, cashier, m.id).phone == "138****1234"
    assert members.get_member(db, supervisor, m.id).phone == "13800131234"
    assert members.get_member(db, operator, m.id).phone == "13800131234"
    assert members.search(db, cashier, "王五").members[0].phone == "138****1234"
    assert members.search(db, supervisor, "王五").members[0].phone == "13800131234"
    # The audit log never keeps the full number either.
    assert "13800131234" not in (last_audit(db).after or "")


# -- card codes --------------------------------------------------------------

def test_luhn_check_digit_matches_the_textbook_example():
    assert members.luhn_digit("7992739871") == "3"


def test_new_card_codes_are_twelve_digits_with_a_valid_check_digit():
    for _ in range(200):
        code = members.new_card_code()
        assert len(code) == 12 and code.isdigit() and code[0] == "8"
        assert members.is_card_code(code)


def test_card_code_check_digit_catches_every_single_digit_typo():
    code = members.new_card_code()
    for pos in range(12):
        for digit in "0123456789":
            if digit != code[pos]:
                assert not members.is_card_code(code[:pos] + digit + code[pos + 1:])


def test_card_code_check_digit_catches_adjacent_swaps():
    code = "812345678901"
    code = code[:-1] + members.luhn_digit(code[:-1])
    for pos in range(11):
        a, b = code[pos], code[pos + 1]
        if a != b and {a, b} != {"0", "9"}:  # Luhn's one blind spot
            assert not members.is_card_code(code[:pos] + b + a + code[pos + 2:])


def test_create_with_a_given_card_code_normalises_it(db, cashier):
    payload = "80000000012"
    card = payload + members.luhn_digit(payload)
    m = members.create_member(db, cashier, name="赵六", phone=unique_phone(),
                              card_code=f"{card[:4]} {card[4:8]}-{card[8:]}")
    assert m.card_code == card


def test_create_with_a_mistyped_card_code_is_refused(db, cashier):
    payload = "80000000012"
    bad = payload + str((int(members.luhn_digit(payload)) + 1) % 10)
    before = row_counts(db)
    with pytest.raises(ValidationError) as err:
        members.create_member(db, cashier, name="赵六", phone=unique_phone(), card_code=bad)
    assert err.value.field == "card_code"
    assert row_counts(db) == before


# -- registration ------------------------------------------------------------

def test_create_member_writes_member_terms_and_audit(db, cashier):
    before = audit_count(db)
    m = members.create_member(db, cashier, name=" 张  三 ", phone="+86 138-0013-8000")
    assert (m.name, m.balance, m.status, m.tier.code) == ("张 三", 0, "active", "regular")
    row = member_row(db, m.id)
    assert (row.phone, row.phone_last4, row.home_store_id) == ("13800138000", "8000", cashier.store_id)
    assert members.is_card_code(row.card_code)
    assert count(db, MemberSearchTerm, MemberSearchTerm.member_id == m.id) > 0
    assert audit_count(db) == before + 1
    assert last_audit(db).action == "member.create"


def test_duplicate_phone_is_refused_with_a_conflict_naming_it(db, cashier):
    members.create_member(db, cashier, name="张三", phone="13800138000")
    before = row_counts(db)
    with pytest.raises(Conflict) as err:
        members.create_member(db, cashier, name="李四", phone="+86 138 0013 8000")
    assert "phone" in err.value.message and "138****8000" in err.value.message
    assert "张三" in err.value.message  # the cashier can find the existing member
    assert row_counts(db) == before  # nothing half-written: no member, no terms, no audit record


def test_duplicate_card_is_refused_with_a_conflict_naming_it(db, cashier):
    first = members.create_member(db, cashier, name="张三", phone=unique_phone())
    before = row_counts(db)
    with pytest.raises(Conflict) as err:
        members.create_member(db, cashier, name="李四", phone=unique_phone(), card_code=first.card_code)
    assert "Card" in err.value.message and first.card_code in err.value.message
    assert row_counts(db) == before


@pytest.mark.parametrize("name", ["", "   ", "x" * 33])
def test_invalid_names_are_refused(db, cashier, name):
    before = row_counts(db)
    with pytest.raises(ValidationError) as err:
        members.create_member(db, cashier, name=name, phone=unique_phone())
    assert err.value.field == "name"
    assert row_counts(db) == before


# -- editing -----------------------------------------------------------------

def test_edit_name_moves_the_search_terms(db, cashier):
    m = members.create_member(db, cashier, name="张三", phone=unique_phone())
    before = audit_count(db)
    view = members.update_member(db, cashier, m.id, name="李四")
    assert view.name == "李四"
    assert [r.id for r in members.search(db, cashier, "李四").members] == [m.id]
    assert members.search(db, cashier, "zs").members == []
    assert [r.id for r in members.search(db, cashier, "ls").members] == [m.id]
    assert audit_count(db) == before + 1 and last_audit(db).action == "member.update"


def test_edit_phone_and_search_by_the_new_number(db, cashier, supervisor):
    m = members.create_member(db, cashier, name="张三", phone="13800138000")
    members.update_member(db, cashier, m.id, phone="139-0000-1111")
    assert members.search(db, cashier, "13800138000").members == []
    found = members.search(db, supervisor, "13900001111").members
    assert [(r.id, r.phone) for r in found] == [(m.id, "13900001111")]
    assert [r.id for r in members.search(db, cashier, "1111").members] == [m.id]


def test_edit_to_another_members_phone_is_refused_and_changes_nothing(db, cashier):
    a = members.create_member(db, cashier, name="张三", phone="13800138000")
    b = members.create_member(db, cashier, name="李四", phone="13900139000")
    before = row_counts(db)
    with pytest.raises(Conflict) as err:
        members.update_member(db, cashier, b.id, name="李四四", phone="13800138000")
    assert "phone" in err.value.message
    assert row_counts(db) == before
    assert (member_row(db, b.id).phone, member_row(db, b.id).name) == ("13900139000", "李四")
    # Keeping one's own phone is not a conflict.
    members.update_member(db, cashier, a.id, phone="13800138000", name="张三丰")


def test_edit_with_no_change_writes_no_audit_record(db, cashier):
    m = members.create_member(db, cashier, name="张三", phone="13800138000")
    before = audit_count(db)
    members.update_member(db, cashier, m.id, name="张三", phone="138 0013 8000")
    assert audit_count(db) == before


def test_phone_change_with_the_same_mask_is_audited(db, cashier):
    """Bug: the audit compared masked phones, so 138****8000 -> 138****8000
    (a different number with the same first three and last four digits)
    changed the member's phone without leaving an audit record."""
    m = members.create_member(db, cashier, name="张三", phone="13800138000")
    before = audit_count(db)
    members.update_member(db, cashier, m.id, phone="13811118000")
    assert member_row(db, m.id).phone == "13811118000"
    assert audit_count(db) == before + 1
    assert last_audit(db).action == "member.update"


# -- search ------------------------------------------------------------------

@pytest.fixture
def zhangsan(db, cashier):
    return members.create_member(db, cashier, name="张三", phone="13800131234")


def test_search_by_card(db, cashier, zhangsan):
    members.create_member(db, cashier, name="张三丰", phone=unique_phone())
    card = zhangsan.card_code
    for query in (card, f" {card} ", f"{card[:4]} {card[4:8]} {card[8:]}"):
        result = members.search(db, cashier, query)
        assert result.kind is MatchKind.CARD
        assert [m.id for m in result.members] == [zhangsan.id]


def test_search_by_full_phone_in_any_format(db, cashier, zhangsan):
    for query in ("13800131234", "138 0013 1234", "+86 138-0013-1234"):
        result = members.search(db, cashier, query)
        assert result.kind is MatchKind.PHONE
        assert [m.id for m in result.members] == [zhangsan.id]


def test_search_by_last_four(db, cashier, zhangsan):
    other = members.create_member(db, cashier, name="李四", phone="13900001234")
    members.create_member(db, cashier, name="王五", phone="13900005678")
    result = members.search(db, cashier, "1234")
    assert result.kind is MatchKind.LAST4
    assert {m.id for m in result.members} == {zhangsan.id, other.id}


@pytest.mark.parametrize("query", ["张", "三", "张三", "zs", "ZS", " zs "])
def test_search_by_name_fragment_and_pinyin_initials(db, cashier, zhangsan, query):
    members.create_member(db, cashier, name="李四", phone=unique_phone())
    result = members.search(db, cashier, query)
    assert result.kind is MatchKind.NAME
    assert [m.id for m in result.members] == [zhangsan.id]


def test_search_puts_the_exact_name_first(db, cashier, zhangsan):
    longer = members.create_member(db, cashier, name="张三丰", phone=unique_phone())
    ids = [m.id for m in members.search(db, cashier, "张三").members]
    assert ids == [zhangsan.id, longer.id]
    assert [m.id for m in members.search(db, cashier, "张三丰").members] == [longer.id]
    assert [m.id for m in members.search(db, cashier, "zsf").members] == [longer.id]


def test_search_latin_names_by_word_prefix(db, cashier):
    alice = members.create_member(db, cashier, name="Alice Wang", phone=unique_phone())
    members.create_member(db, cashier, name="Bob Li", phone=unique_phone())
    for query in ("ali", "ALICE", "wang", "Alice Wang", "alicewang"):
        assert [m.id for m in members.search(db, cashier, query).members] == [alice.id], query
    assert members.search(db, cashier, "a").members == []  # one Latin letter is too vague


def test_long_cjk_names_are_searchable_beyond_the_indexed_fragment(db, cashier):
    a = members.create_member(db, cashier, name="欧阳娜娜美丽动人的小姐姐", phone=unique_phone())
    b = members.create_member(db, cashier, name="欧阳娜娜可爱", phone=unique_phone())
    assert {m.id for m in members.search(db, cashier, "欧阳娜娜").members} == {a.id, b.id}
    assert [m.id for m in members.search(db, cashier, "欧阳娜娜美丽").members] == [a.id]
    assert [m.id for m in members.search(db, cashier, "欧阳娜娜可爱").members] == [b.id]
    assert members.search(db, cashier, "欧阳娜娜不在").members == []
    assert [m.id for m in members.search(db, cashier, "oynnml").members] == [a.id]


def test_a_name_of_the_longest_allowed_length(db, cashier):
    name = "司马" + "长" * 30
    m = members.create_member(db, cashier, name=name, phone=unique_phone())
    assert member_row(db, m.id).name == name
    assert [r.id for r in members.search(db, cashier, name).members] == [m.id]
    assert [r.id for r in members.search(db, cashier, "smcc").members] == [m.id]


def test_long_latin_queries_filter_beyond_the_indexed_prefix(db, cashier):
    """Bug: Latin names are indexed by prefixes of up to 16 letters and a
    longer query was cut to 16 with no further filter, so "Maximilianus
    Alexandros" also found "Maximilianus Alexandrina"."""
    a = members.create_member(db, cashier, name="Maximilianus Alexandros", phone=unique_phone())
    b = members.create_member(db, cashier, name="Maximilianus Alexandrina", phone=unique_phone())
    assert {m.id for m in members.search(db, cashier, "maximilianus").members} == {a.id, b.id}
    assert [m.id for m in members.search(db, cashier, "Maximilianus Alexandros").members] == [a.id]
    assert [m.id for m in members.search(db, cashier, "maximilianusalexandrina").members] == [b.id]


def test_search_for_nobody_and_for_nothing(db, cashier, zhangsan):
    assert members.search(db, cashier, "").members == []
    assert members.search(db, cashier, "   ").members == []
    assert members.search(db, cashier, "9999").members == []
    assert members.search(db, cashier, "13900009999").members == []
    assert members.search(db, cashier, "王").members == []
    assert members.search(db, cashier, "100%_").members == []


def test_search_never_returns_more_than_the_limit(db, cashier):
    for i in range(7):
        members.create_member(db, cashier, name=f"张三{i}", phone=f"13800{i:02d}0077")
    for query in ("张", "张三", "zs", "0077"):
        assert len(members.search(db, cashier, query, limit=50).members) == 7, query
        for limit in (1, 3, 6):
            assert len(members.search(db, cashier, query, limit=limit).members) == limit, query


# -- freezing ----------------------------------------------------------------

def test_frozen_members_cannot_earn_or_be_adjusted(db, cashier, supervisor):
    m = members.create_member(db, cashier, name="张三", phone=unique_phone())
    purchases.award_for_purchase(db, cashier, member_id=m.id, receipt_no="R-1", amount_fen=10_000)
    view = members.set_status(db, supervisor, m.id, "frozen", reason="suspected card sharing")
    assert view.status == "frozen"
    before = row_counts(db)
    with pytest.raises(MemberNotActive):
        purchases.award_for_purchase(db, cashier, member_id=m.id, receipt_no="R-2", amount_fen=10_000)
    with pytest.raises(MemberNotActive):
        adjustments.adjust_points(db, supervisor, member_id=m.id, points=10, reason_category="goodwill",
                                  note="sorry")
    assert row_counts(db) == before
    assert count(db, Purchase, Purchase.receipt_no == "R-2") == 0
    # A refund still takes the points back from a frozen member.
    refund = purchases.refund_purchase(db, supervisor, receipt_no="R-1", refund_no="F-1", amount_fen=10_000)
    assert refund.balance == 0
    members.set_status(db, supervisor, m.id, "active", reason="checked with the member")
    assert purchases.award_for_purchase(db, cashier, member_id=m.id, receipt_no="R-2",
                                        amount_fen=10_000).points == 100


def test_freezing_needs_a_reason_and_is_audited(db, cashier, supervisor):
    m = members.create_member(db, cashier, name="张三", phone=unique_phone())
    with pytest.raises(ValidationError):
        members.set_status(db, supervisor, m.id, "frozen", reason=" ")
    before = count(db, AuditRecord)
    members.set_status(db, supervisor, m.id, "frozen", reason="lost card")
    assert count(db, AuditRecord) == before + 1
    assert count(db, Member, Member.status == "frozen") == 1
