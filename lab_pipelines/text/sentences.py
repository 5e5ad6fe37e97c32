"""Sentence boundaries for Korean and English.

Korean goes through Kiwi (kiwipiepy, which ships its model on PyPI): Korean sentences end in
verb endings (…다., …요.) that a punctuation regex confuses with abbreviations and numbers.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from lab_pipelines.text.language import hangul_share

_EN_BOUNDARY = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[^\s])|\n+")
_kiwi_lock = threading.Lock()


@lru_cache(maxsize=1)
def _kiwi():  # noqa: ANN202 - kiwipiepy has no type stubs
    from kiwipiepy import Kiwi

    return Kiwi()


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, in order; joined with single spaces they give back its words."""
    if not text.strip():
        return []
    if hangul_share(text) >= 0.2:
        with _kiwi_lock:  # one Kiwi instance is not safe to share between threads
            spans = [(s.start, s.end) for s in _kiwi().split_into_sents(text)]
        pieces = []
        last = 0
        for start, end in spans:
            # Kiwi may skip whitespace between sentences; keep any text it did not cover.
            if start > last and text[last:start].strip():
                pieces.append(text[last:start])
            pieces.append(text[start:end])
            last = end
        if text[last:].strip():
            pieces.append(text[last:])
        return [p.strip() for p in pieces if p.strip()]
    return [p.strip() for p in _EN_BOUNDARY.split(text) if p and p.strip()]
