"""A cheap token estimate, used to keep prompts inside a model's context window.

It deliberately over-counts a little: Hangul syllables cost about one token each in the
BPE vocabularies of EXAONE and Gemini, English about four characters a token.
"""

from __future__ import annotations

import math


def estimate_tokens(text: str) -> int:
    ascii_chars = sum(1 for ch in text if ch.isascii())
    other = len(text) - ascii_chars
    return math.ceil(ascii_chars / 3.5) + math.ceil(other / 1.2)


def clip_to_tokens(text: str, budget: int) -> str:
    """The longest prefix of ``text`` whose estimate fits ``budget``, cut at a line or space."""
    if estimate_tokens(text) <= budget:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if estimate_tokens(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    for sep in ("\n", " "):
        pos = cut.rfind(sep)
        if pos > lo * 0.7:
            return cut[:pos]
    return cut
