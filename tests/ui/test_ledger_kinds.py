"""Every ledger entry kind has words in the member's ledger table, in English and in Chinese.

A kind added to ``pointsmall.ledger.EntryKind`` (by the games, the review
queue, sync...) without words would show the stored name ("task_reward")
to the cashier; this test fails until the words are there.
"""
from __future__ import annotations

import pytest

from pointsmall.ledger import EntryKind
from ui import i18n
from ui.models.ledger_table import kind_text, kind_words


def test_every_entry_kind_has_words() -> None:
    missing = sorted(kind.value for kind in EntryKind if kind.value not in kind_words())
    assert not missing, f"ledger_table.kind_words has no words for {missing}"


def test_no_words_for_a_kind_the_ledger_does_not_have() -> None:
    assert set(kind_words()) <= {kind.value for kind in EntryKind}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_words_are_words_not_stored_names(qapp, language: str) -> None:  # type: ignore[no-untyped-def]
    i18n.install_language(language)
    try:
        for kind in EntryKind:
            text = kind_text(kind.value)
            assert text and text != kind.value and "_" not in text, (kind, text)
            if language == "zh_CN":
                assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (kind, text)
    finally:
        i18n.install_language("en")
