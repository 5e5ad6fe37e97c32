"""Index terms for Korean and English text, shared by the offline embedding and extractive models.

Korean particles stay glued to nouns (백업을, 백업은), so a Hangul word contributes its
character bigrams as well as itself: 백업을 and 백업 then share the term 백업.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+|[가-힣]+")
_EN_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "as",
        "at",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "this",
        "that",
        "these",
        "those",
        "from",
        "into",
        "than",
        "then",
        "can",
        "will",
        "would",
        "should",
        "may",
        "not",
        "no",
        "do",
        "does",
        "how",
        "what",
        "which",
        "when",
        "why",
        "you",
        "your",
        "we",
        "our",
        "they",
        "their",
        "i",
        "if",
        "so",
    ]
)


def _stem(word: str) -> str:
    """A crude English stemmer: enough to match 'backups' with 'backup', cheap to run."""
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    """Content terms of a text, lower-cased; Hangul words also yield their bigrams."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word[0] >= "가":
            out.append(word)
            if len(word) > 2:
                out.extend(word[i : i + 2] for i in range(len(word) - 1))
        elif word not in _EN_STOP and (len(word) > 1 or word.isdigit()):
            out.append(_stem(word))
    return out
