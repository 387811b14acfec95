"""Who the demo members are: Chinese names, mainland phones, card codes, birthdays.

Everything is drawn from a seeded ``random.Random``, so a seed always gives
the same people. A name's search terms are computed from a table of each
character's pinyin initial, fast enough for a million members; every
surname and given-name combination here was checked to give exactly what
``members.search_terms`` computes (pypinyin's phrase readings never change
an initial of these characters), and tests/core/test_demo.py keeps checking it.
"""
from __future__ import annotations

import bisect
import itertools
import random
import re
from datetime import date
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from .members import MAX_TERM

# Common surnames with their approximate share of the population (per mille).
_SURNAMES = (
    "王71 李70 张67 刘54 陈45 杨31 黄22 赵20 吴20 周19 徐15 孙15 马12 朱11 胡11 郭11 何10 高10 林10 罗9 "
    "郑9 梁9 谢8 宋7 唐7 许7 韩7 冯6 邓6 曹6 彭6 肖6 田5 董5 袁5 潘5 于5 蒋5 蔡5 余5 杜5 叶5 程5 苏4 "
    "魏4 吕4 丁4 任4 沈4 姚4 卢4 姜4 崔3 钟3 谭3 陆3 汪3 范3 金3 廖3 贾3 夏3 韦3 付3 方3 白3 邹3 孟3 "
    "熊3 秦3 邱3 江3 尹3 薛3 闫3 段3 雷3 侯3 龙3 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 钱2 严2 武2 戴2 "
    "莫2 孔2 向2 汤2 欧阳1 司马1 上官1 诸葛1"
)
_GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋阳峰亮成建志文博毅诚昊然轩睿泽晨子梓豪一天宏海国振鸿德"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞玲婷雪慧莹琳颖倩晶欣怡佳萱涵悦琪雨诗梦瑶婧蕾薇洁露秀英兰凤红燕萍丹月思可馨妍"
# Mainland mobile prefixes (China Mobile, Unicom, Telecom, virtual operators).
PHONE_PREFIXES = tuple(
    "130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159 166 "
    "173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 196 197 198 199".split()
)
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


@lru_cache(maxsize=1)
def _pools() -> tuple[list[str], list[int], str, str]:
    names, weights = [], []
    for token in _SURNAMES.split():
        names.append(token.rstrip("0123456789"))
        weights.append(int(re.sub(r"\D", "", token)))
    return names, list(itertools.accumulate(weights)), "".join(dict.fromkeys(_GIVEN_MALE)), \
        "".join(dict.fromkeys(_GIVEN_FEMALE))


@lru_cache(maxsize=1)
def _initials() -> dict[str, str]:
    names, _, male, female = _pools()
    chars = set("".join(names)) | set(male) | set(female)
    return {c: lazy_pinyin(c, style=Style.FIRST_LETTER)[0][0] for c in chars}


def random_name(rnd: random.Random) -> str:
    names, cumulative, male, female = _pools()
    surname = names[bisect.bisect_right(cumulative, rnd.random() * cumulative[-1])]
    pool = male if rnd.random() < 0.5 else female
    given = rnd.choice(pool) if rnd.random() < 0.3 else rnd.choice(pool) + rnd.choice(pool)
    return surname + given


def name_terms(name: str) -> list[str]:
    """``members.search_terms(name)`` for a demo name, from the per-character table."""
    table = _initials()
    terms = {name[start:start + size] for size in range(1, MAX_TERM + 1) for start in range(len(name) - size + 1)}
    initials = "".join(table[c] for c in name)
    terms.update(initials[:size] for size in range(2, len(initials) + 1))
    return list(terms)


PHONE_SPACE = len(PHONE_PREFIXES) * 100_000_000  # fits in 32 bits
_MASK = 0xFFFF_FFFF


def phone_keys(seed: int) -> list[tuple[int, int]]:
    rnd = random.Random(f"pointsmall-demo-phones:{seed}")
    return [(rnd.getrandbits(32) | 1, rnd.getrandbits(32)) for _ in range(3)]


def phone_for(number: int, keys: list[tuple[int, int]]) -> str:
    """The phone of member ``number``: a keyed permutation of the phone space, so no two members share one.

    Each round (an odd multiplier, then folding the high half into the low
    half) is a bijection of 32-bit numbers; values outside the phone space
    walk on until they land in it, which keeps the whole a bijection.
    """
    x = number
    while True:
        for a, b in keys:
            x = (x * a + b) & _MASK
            x ^= x >> 16
        if x < PHONE_SPACE:
            return f"{PHONE_PREFIXES[x // 100_000_000]}{x % 100_000_000:08d}"


def card_code(serial: int) -> str:
    """Twelve digits: 8, a ten-digit serial, and the Luhn check digit (as members.luhn_digit)."""
    payload = f"8{serial:010d}"
    total = sum(_DOUBLED[ord(c) - 48] for c in payload[::-2]) + sum(ord(c) - 48 for c in payload[-2::-2])
    return payload + str((10 - total % 10) % 10)


def card_serial(number: int, members: int, u: float) -> int:
    """Unique serials that grow with the member's number, as cards are issued in the order members join."""
    stride = 10_000_000_000 // members
    return number * stride + int(u * stride)


def random_birthday(rnd: random.Random, today: date) -> date | None:
    if rnd.random() < 0.08:
        return None  # not everybody gives one
    year = min(int(rnd.triangular(1950, today.year - 18, 1988)), today.year - 18)
    return date.fromordinal(date(year, 1, 1).toordinal() + rnd.randrange(365))
