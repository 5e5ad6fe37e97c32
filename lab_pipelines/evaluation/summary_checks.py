"""Reference-free checks of a summary against its document: does it cover the document's key
terms, does it invent numbers or names the document never mentions, is it in its language.

No reference summary is needed, so every document of the lab can be checked, by any model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from lab_pipelines.text.language import detect_language
from lab_pipelines.text.terms import terms

KEY_TERMS = 12
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
# Identifiers and proper names: a capital after the first letter, or digits, _ - . inside
# (OLLAMA_NUM_PARALLEL, bge-m3, LanceDB, Argo); checked case-insensitively in the document.
# ASCII boundaries, not \b: a Korean particle glued to a name (OLLAMA_KEEP_ALIVE를) is a
# word character to \b.
_NAME = re.compile(
    r"(?<![A-Za-z0-9_])(?:[A-Za-z][A-Za-z0-9]*(?:[_.-][A-Za-z0-9]+)+|[A-Za-z]+[A-Z][A-Za-z0-9]*)"
    r"(?![A-Za-z0-9_])"
)
# A capitalised word not opening a sentence: a proper name (Kubernetes, Grafana).
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)(?<![A-Za-z0-9_])[A-Z][a-z]{2,}(?![A-Za-z0-9_])")


def inverse_document_frequency(texts: Sequence[str]) -> dict[str, float]:
    """Smoothed idf of every term over ``texts``: rare terms say more about a document."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(terms(text)))
    n = len(texts)
    return {term: math.log((n + 1) / (count + 1)) + 1.0 for term, count in df.items()}


def key_terms(text: str, idf: dict[str, float], k: int = KEY_TERMS) -> list[str]:
    """The document's ``k`` most characteristic terms (tf-idf; numbers and 1-letter terms out)."""
    counts = Counter(t for t in terms(text) if len(t) > 1 and not t.isdigit())
    ranked = sorted(counts, key=lambda t: (-counts[t] * idf.get(t, 1.0), t))
    return ranked[:k]


def invented_mentions(summary: str, document: str) -> tuple[int, int]:
    """(numbers and names in the summary, those the document never mentions)."""
    haystack = document.lower()
    numbers = set(_NUMBER.findall(summary))
    names = set(_NAME.findall(summary)) | set(_CAPITALISED.findall(summary))
    # A number must stand alone in the document too: "4" is not in "Q4" or "14".
    invented = {n for n in numbers if not re.search(rf"(?<![\d.]){re.escape(n)}(?!\d)", document)}
    invented |= {name for name in names if name.lower() not in haystack}
    return len(numbers | names), len(invented)


@dataclass(frozen=True)
class SummaryCheck:
    coverage: float  # share of the document's key terms the summary holds
    mentions: int
    invented: int
    language_ok: bool

    @property
    def faithfulness(self) -> float:
        return 1.0 - self.invented / self.mentions if self.mentions else 1.0

    @property
    def score(self) -> float:
        """Coverage times faithfulness; a summary in the wrong language scores 0."""
        return self.coverage * self.faithfulness if self.language_ok else 0.0


def check_summary(summary: str, document: str, lang: str, idf: dict[str, float]) -> SummaryCheck:
    wanted = key_terms(document, idf)
    have = set(terms(summary))
    coverage = sum(1 for t in wanted if t in have) / len(wanted) if wanted else 0.0
    mentions, invented = invented_mentions(summary, document)
    language_ok = bool(summary.strip()) and detect_language(summary) == lang
    return SummaryCheck(round(coverage, 4), mentions, invented, language_ok)
