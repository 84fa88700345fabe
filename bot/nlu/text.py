"""Text normalisation shared by the NLU components, the safety detector and the replies.

Every transformation keeps the length of the text, so entity offsets found in the normalised
text hold in the original: OpenCC ``t2s`` (character by character), full-width to half-width.
"""
from __future__ import annotations

from functools import lru_cache

__all__ = ["to_simplified", "to_traditional", "to_halfwidth", "detect_script", "normalise",
           "MAX_NLU_CHARS"]

MAX_NLU_CHARS = 512


@lru_cache(maxsize=1)
def _converters():
    from opencc import OpenCC
    return OpenCC("t2s"), OpenCC("s2t")


def to_simplified(text: str) -> str:
    out = _converters()[0].convert(text)
    # OpenCC's phrase tables may change the length (rare); fall back to character by character
    if len(out) != len(text):
        out = "".join(_char_t2s(c) for c in text)
    return out


@lru_cache(maxsize=8192)
def _char_t2s(char: str) -> str:
    out = _converters()[0].convert(char)
    return out if len(out) == 1 else char


def to_traditional(text: str) -> str:
    return _converters()[1].convert(text)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (Ａ, １, ？) and the ideographic space to their half-width forms."""
    chars = []
    for c in text:
        code = ord(c)
        if 0xFF01 <= code <= 0xFF5E:
            chars.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            chars.append(" ")
        else:
            chars.append(c)
    return "".join(chars)


def detect_script(text: str) -> str:
    """``traditional`` when more characters are Traditional-only than Simplified-only."""
    traditional = sum(1 for c in text if _char_t2s(c) != c)
    simplified = sum(1 for c in text if "\u4e00" <= c <= "\u9fff" and _char_s2t(c) != c)
    return "traditional" if traditional > simplified else "simplified"


@lru_cache(maxsize=8192)
def _char_s2t(char: str) -> str:
    return _converters()[1].convert(char)


def normalise(text: str) -> tuple[str, str]:
    """(normalised text for NLU, script of the original). The text is capped for NLU."""
    text = (text or "")[:MAX_NLU_CHARS]
    return to_simplified(to_halfwidth(text)), detect_script(text)
