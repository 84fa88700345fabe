"""A sound view of a message for the linear intent model: toneless pinyin syllables.

Chinese typos are mostly homophones typed with a pinyin IME (在/再, 帐/账, 己/已, 射射 for 谢谢),
and shoppers without a Chinese IME type pinyin (tuihuo, songyao shangmen). Both read the same as
the intended words in pinyin, so syllable unigrams and bigrams let the model recognise them from
examples written correctly. Latin runs of four or more letters that split entirely into pinyin
syllables are split; other Latin words (iphone, thanks) stay whole. Symbols such as emoji add a
shared ``<sym>`` feature so an unseen emoji resembles the seen ones; digit runs read as ``<num>``
(up to four digits) or ``<longnum>`` (order and phone numbers).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["syllables", "features", "table"]

_CHUNK = re.compile(r"[a-zA-Z]+|[\u3400-\u9fff]+|[0-9]+|\S")


@lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """Toneless pinyin of every CJK character (U+3400..U+9FFF), built once (~0.5 s): a
    per-character cache would miss on every new character, and pypinyin costs ~20 us a call."""
    from pypinyin import lazy_pinyin
    chars = [chr(code) for code in range(0x3400, 0xA000)]
    return {c: lazy_pinyin(c)[0] for c in chars}


def _char(c: str) -> str:
    got = table().get(c)
    if got is None:
        from pypinyin import lazy_pinyin
        got = lazy_pinyin(c)[0]
    return got


@lru_cache(maxsize=1)
def _syllable_set() -> frozenset[str]:
    return frozenset(s for c, s in table().items()
                     if "\u4e00" <= c <= "\u9fa5" and s.isascii() and s.isalpha())


@lru_cache(maxsize=4096)
def _split_latin(word: str) -> tuple[str, ...] | None:
    """Fewest pinyin syllables that make up ``word`` exactly, or None."""
    known = _syllable_set()
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            if word[i:j] in known and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = best[i] + [word[i:j]]
    return tuple(best[n]) if best[n] else None


def syllables(text: str) -> list[str]:
    out: list[str] = []
    for chunk in _CHUNK.findall(text):
        first = chunk[0]
        if first.isascii() and first.isalpha():
            low = chunk.lower()
            split = _split_latin(low) if len(low) >= 4 else None
            out.extend(split if split else (low,))
        elif "\u3400" <= first <= "\u9fff":
            out.extend(_char(c) for c in chunk)
        elif first.isascii() and first.isdigit():
            out.append("<num>" if len(chunk) <= 4 else "<longnum>")
        elif unicodedata.category(first) == "So":
            out.append("<sym>")
        else:
            out.append(chunk)
    return out


def features(text: str) -> list[str]:
    """Syllable unigrams and bigrams."""
    s = syllables(text)
    return s + [f"{a}_{b}" for a, b in zip(s, s[1:])]
