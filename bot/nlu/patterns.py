"""Pattern entities found by regular expressions over the normalised (Simplified, half-width)
text, with normalised values: order numbers, money (yuan, two places), weights (kg), ages
(months), diaper sizes, dates (ISO, from the ledger clock) and purchase quantities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

__all__ = ["PatternEntity", "find_pattern_entities", "cn_number"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)"


def cn_number(text: str) -> Decimal | None:
    """'12' -> 12, '十二' -> 12, '两' -> 2, '一百二十' -> 120, '3.5' -> 3.5."""
    text = text.strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    total, section, number = 0, 0, 0
    seen = False
    for char in text:
        if char in _CN_DIGITS:
            number, seen = _CN_DIGITS[char], True
        elif char in _CN_UNITS:
            unit = _CN_UNITS[char]
            if unit == 10000:
                total += (section + number) * unit
                section = 0
            else:
                section += (number or 1) * unit
            number, seen = 0, True
        else:
            return None
    return Decimal(total + section + number) if seen else None


@dataclass
class PatternEntity:
    entity: str
    start: int
    end: int
    text: str
    value: str


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("order_no", re.compile(r"(?<![\d.])\d{10,14}(?![\d.])")),
    ("money", re.compile(rf"[¥￥]\s*\d+(?:\.\d{{1,2}})?|{NUM}\s*(?:元|块钱|块|rmb|RMB)(?![\u4e00-\u9fff]*?[个月岁])")),
    ("weight", re.compile(rf"{NUM}\s*(?:kg|KG|Kg|公斤|千克|斤|克|g)(?![a-zA-Z])")),
    ("age", re.compile(rf"(?:{NUM}\s*(?:周岁|岁半|岁|个半月|个多月|个月|月龄)|半岁)")),
    ("diaper_size", re.compile(r"(?<![A-Za-z])(?:NB|XXXL|XXL|XL|L|M|S)(?:码|号)?(?![A-Za-z])")),
    ("date", re.compile(r"大前天|前天|昨天|今天|明天|后天|上上周|上周[一二三四五六日天]?|上个?星期[一二三四五六日天]?"
                        r"|上个月|这周|本周|这个月|本月|双十一|双11|双12|\d{1,2}月\d{1,2}[日号]|\d{1,2}月份?"
                        r"|(?<!\d)618(?!\d)")),
    ("quantity", re.compile(rf"(?<![第换上下这那哪每某\d])(?:{NUM})\s*(?:件|包|盒|瓶|台|箱|袋|罐|部|个|双|套)(?!月|电影|人|问题|客服)")),
    # a message that is only a small number answers "how many?" (3, 两, 十二)
    ("quantity", re.compile(r"^\s*(?P<n>[1-9]\d?|[一二两三四五六七八九]|十[一二三四五六七八九]?"
                            r"|[二两三四五六七八九]十[一二三四五六七八九]?)(?=\s*[。.!！~]?\s*$)")),
]


def _value(entity: str, text: str, today: date) -> str | None:
    t = text.strip()
    if entity == "order_no":
        return t
    if entity == "money":
        n = cn_number(re.sub(r"[¥￥\s元块钱rmbRMB]", "", t))
        return f"{n.quantize(Decimal('0.01'))}" if n is not None else None
    if entity == "weight":
        m = re.match(rf"({NUM})\s*(.*)", t)
        n = cn_number(m.group(1)) if m else None
        if n is None:
            return None
        unit = m.group(2).lower()
        kg = n / 2 if unit == "斤" else n / 1000 if unit in ("克", "g") else n
        return _fmt(kg)
    if entity == "age":
        if t == "半岁":
            return "6"
        m = re.match(rf"({NUM})\s*(.*)", t)
        n = cn_number(m.group(1)) if m else None
        if n is None:
            return None
        unit = m.group(2)
        months = n * 12 + (6 if unit == "岁半" else 0) if "岁" in unit else n + (Decimal("0.5") if "半" in unit else 0)
        return _fmt(months)
    if entity == "diaper_size":
        return re.sub(r"[码号]", "", t).upper()
    if entity == "quantity":
        m = re.match(rf"({NUM})", t)
        n = cn_number(m.group(1)) if m else None
        return _fmt(n) if n is not None else None
    if entity == "date":
        return _date_value(t, today)
    return t


_WEEKDAYS = "一二三四五六日"


def _date_value(t: str, today: date) -> str | None:
    offsets = {"大前天": -3, "前天": -2, "昨天": -1, "今天": 0, "明天": 1, "后天": 2}
    if t in offsets:
        return (today + timedelta(days=offsets[t])).isoformat()
    monday = today - timedelta(days=today.weekday())
    if t in ("这周", "本周"):
        return monday.isoformat()
    if t == "上上周":
        return (monday - timedelta(days=14)).isoformat()
    m = re.match(r"上个?(?:周|星期)([一二三四五六日天])?$", t)
    if m:
        day = _WEEKDAYS.index(m.group(1)) if m.group(1) and m.group(1) != "天" else (6 if m.group(1) else 0)
        return (monday - timedelta(days=7) + timedelta(days=day)).isoformat()
    if t in ("上个月",):
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1).isoformat()
    if t in ("这个月", "本月"):
        return today.replace(day=1).isoformat()

    def past(month: int, day: int) -> str | None:
        try:
            d = date(today.year, month, day)
        except ValueError:
            return None
        return (d if d <= today else d.replace(year=today.year - 1)).isoformat()

    if t in ("双十一", "双11"):
        return past(11, 11)
    if t == "双12":
        return past(12, 12)
    if t == "618":
        return past(6, 18)
    m = re.match(r"(\d{1,2})月(\d{1,2})[日号]$", t)
    if m:
        return past(int(m.group(1)), int(m.group(2)))
    m = re.match(r"(\d{1,2})月份?$", t)
    if m and 1 <= int(m.group(1)) <= 12:
        return past(int(m.group(1)), 1)
    return None


def find_pattern_entities(text: str, *, now: datetime | None = None) -> list[PatternEntity]:
    """Non-overlapping pattern entities, earlier patterns winning over later ones."""
    from bot.ledger import clock
    today = clock.local(now or clock.now()).date()
    found: list[PatternEntity] = []
    taken: list[tuple[int, int]] = []
    for entity, pattern in _PATTERNS:
        group = "n" if "n" in pattern.groupindex else 0     # the number, not the space around it
        for m in pattern.finditer(text):
            start, end = m.span(group)
            if any(start < e and s < end for s, e in taken):
                continue
            value = _value(entity, m.group(group), today)
            if value is None:
                continue
            found.append(PatternEntity(entity, start, end, m.group(group), value))
            taken.append((start, end))
    return sorted(found, key=lambda e: e.start)
