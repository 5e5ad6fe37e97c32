"""Which language a text is in: Korean or English, the two the lab's documents come in."""

from __future__ import annotations


def is_hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def hangul_share(text: str) -> float:
    """Share of Hangul among Hangul and Latin letters (digits and symbols ignored)."""
    hangul = latin = 0
    for ch in text:
        if is_hangul(ch):
            hangul += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    letters = hangul + latin
    return hangul / letters if letters else 0.0


def detect_language(text: str) -> str:
    """'ko' when Hangul makes up at least a fifth of the letters, else 'en'.

    A fifth, not a half, because Korean technical prose is full of Latin identifiers
    (kubectl, Pod, YAML keys) that would otherwise outvote the Korean around them.
    """
    return "ko" if hangul_share(text[:20_000]) >= 0.2 else "en"
