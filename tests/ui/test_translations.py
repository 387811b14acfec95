"""The committed Chinese translation is complete, compiled, and safe to format.

After adding or changing a UI string or a refusal, run
``python packaging/update_translations.py``, translate what it lists in
``assets/translations/pointsmall_zh_CN.ts`` and run it again (it rebuilds the
.qm); ``--check`` lists what is still untranslated.
"""
from __future__ import annotations

import re
import string
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from pointsmall.errors import DomainError, InsufficientPoints
from ui import i18n
from ui.error_templates import TEMPLATES
from ui.messages import error_text

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "assets" / "translations" / "pointsmall_zh_CN.ts"
QM = TS.with_suffix(".qm")

# Translations that use another of the refusal's own parameters than the
# English: the minimum-tier refusal carries both names, and Chinese shows
# the Chinese one ("金卡会员及以上可兑").
OTHER_PLACEHOLDERS = {("DomainError", "Only {tier_en} members and above can redeem this."): {"tier"}}


def messages() -> list[tuple[str, str, ET.Element]]:
    found = []
    for context in ET.parse(TS).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found.append((name, message.findtext("source") or "", message))
    return found


def texts(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    if translation is None:
        return []
    if message.get("numerus") == "yes":
        return [form.text or "" for form in translation.findall("numerusform")]
    return [translation.text or ""]


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_message_is_translated():
    untranslated = [(context, source) for context, source, message in messages()
                    if message.find("translation") is None
                    or message.find("translation").get("type") in ("unfinished", "vanished", "obsolete")
                    or not all(text.strip() for text in texts(message)) or not texts(message)]
    assert untranslated == [], "run packaging/update_translations.py and translate these"


def test_every_refusal_has_a_translation():
    translated = {source for context, source, _ in messages() if context == "DomainError"}
    assert [template for template in TEMPLATES if template not in translated] == []


def test_compiled_translation_matches_the_source_file(qapp):
    translator = QTranslator()
    assert translator.load(str(QM)), "the .qm is missing or unreadable"
    stale = []
    for context, source, message in messages():
        comment = message.findtext("comment")
        if message.get("numerus") == "yes":
            continue
        if translator.translate(context, source, comment) != texts(message)[0]:
            stale.append((context, source))
    assert stale == [], "the .qm is older than the .ts: run packaging/update_translations.py"


def test_translations_keep_the_placeholders():
    """A renamed or invented {field} would make str.format fail (or fall back to English)."""
    wrong = []
    for context, source, message in messages():
        expected = OTHER_PLACEHOLDERS.get((context, source), placeholders(source))
        for text in texts(message):
            try:
                found = placeholders(text)
            except ValueError as exc:  # an unbalanced brace
                wrong.append((context, source, text, str(exc)))
                continue
            if found != expected:
                wrong.append((context, source, text, sorted(found)))
    assert wrong == []


@pytest.fixture
def chinese(qapp) -> Iterator[None]:
    i18n.install_language("zh_CN")
    try:
        yield
    finally:
        i18n.install_language("en")


def test_key_strings_render_in_chinese(chinese):
    translate = QCoreApplication.translate
    assert "密码" in translate("DomainError", "Wrong user name or password.")
    assert translate("MainWindow", "Counter") == "收银台"
    assert error_text(DomainError("Only {tier_en} members and above can redeem this.",
                                  tier="金卡会员", tier_en="Gold")).startswith("金卡会员及以上可兑")
    assert "每人每天限兑 1 件" in error_text(DomainError("Each member can redeem at most {n} a day.", n=1))
    assert "积分不足，还差 320" in error_text(DomainError("Not enough points: {short} more are needed.", short=320))
    assert "积分不足" in error_text(InsufficientPoints(balance=80, needed=320))
    assert translate("TierProgressView", "Spend {amount} more to reach {tier}").format(
        amount=i18n.money_short(32_000), tier="金卡会员") == "再消费 ¥320 升级金卡会员"
    assert translate("MemberCard", "{points} points expire on {date}").format(
        points=i18n.points(1200), date=i18n.day(date(2027, 3, 31))) == "1,200 积分将于 2027-03-31 到期"
    assert translate("CounterPage", "Earned {points} points for this purchase, balance {balance}").format(
        points=50, balance=1200) == "本次消费获50积分，累计积分1200"


# -- full-width punctuation in Chinese sentences ------------------------------------------------------

HAN = re.compile(r"[\u3400-\u9fff]")
ASCII_MARKS = re.compile(r"[,:;()!?]")
# Spans whose ASCII punctuation is not the sentence's: {placeholders} and %1, `commands`, URLs
# (postgresql://user:password@server/db), and a file dialog's trailing filter "图片 (*.png *.jpg)",
# which Qt parses by its ASCII parentheses.
KEPT_SPANS = re.compile(r"\{[^{}]*\}|%\d+|%n|`[^`]*`|[a-z][a-z0-9+.-]*://[^\s（）()，。；]*")
FILE_FILTER = re.compile(r" \((?:\*[^()]*|\{\w+\})\)$")
# Between two digits a comma groups thousands (10,000) and a colon is a time or a ratio (12:30, 3:1).
IN_NUMBER = re.compile(r"(?<=\d)[,:](?=\d)")


def ascii_sentence_marks(text: str) -> list[str]:
    """The ASCII , : ; ( ) ! ? that punctuate a Chinese sentence (they should be full-width)."""
    if not HAN.search(text):
        return []
    text = FILE_FILTER.sub("", text)
    text = KEPT_SPANS.sub("X", text)
    text = IN_NUMBER.sub("", text)
    return ASCII_MARKS.findall(text)


@pytest.mark.parametrize(("text", "marks"), [
    ("积分(含待同步 {pending})", ["(", ")"]),
    ("无法连接总部服务器 {host}:{detail}", [":"]),
    ("请修正,或删除它;再试!", [",", ";", "!"]),
    ("是否继续?", ["?"]),
    ("每天 0 至 10,000 积分，12:30 开始，比例 3:1。", []),
    ("连锁总部数据库必须是 PostgreSQL（postgresql://用户:密码@服务器/数据库）。", []),
    ("请先运行一次 `pointsmall --db URL db upgrade`，再测试。", []),
    ("商品目录文件 (*.csv *.xlsx)", []),
    ("图片 ({patterns})", []),
    ("读取设置文件 {path}（{problem}）；{n:,} 条", []),
    ("Images (*.png)", []),  # no Chinese: not a Chinese sentence
    ("第 %1 格: 不可用", [":"]),
])
def test_the_punctuation_check_tells_sentence_marks_from_numbers_codes_and_filters(text, marks):
    assert ascii_sentence_marks(text) == marks


def test_chinese_sentences_use_full_width_punctuation():
    """，。：；！？（） in Chinese text: an ASCII "(" or ";" beside Chinese reads as a typo."""
    wrong = [(context, source, text) for context, source, message in messages() for text in texts(message)
             if ascii_sentence_marks(text)]
    assert wrong == []
