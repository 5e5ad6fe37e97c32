"""Extractive summaries and answers: the offline stand-ins for EXAONE and Gemini.

They pick the document's own sentences, so a Korean document gets a Korean summary and every
sentence of an answer can be traced to the source it cites.
"""

from __future__ import annotations

import math
import re

from lab_pipelines.text.sentences import split_sentences
from lab_pipelines.text.terms import terms

EXTRACTIVE_SUMMARY_MODEL = "offline-extractive-v1"
EXTRACTIVE_ANSWER_MODEL = "offline-extractive-answer-v1"

_HEADING = re.compile(r"^#{1,6}\s")
_SCAN_CHARS = 20_000  # the opening of a document says what it is about; bound the cost


def _prose_sentences(text: str) -> list[str]:
    """Sentences of paragraphs that read as prose (not headings, code, tables or lists of links)."""
    sentences: list[str] = []
    for paragraph in text[:_SCAN_CHARS].split("\n\n"):
        paragraph = paragraph.strip()
        if not paragraph or _HEADING.match(paragraph) or "|" in paragraph:
            continue
        letters = sum(ch.isalpha() for ch in paragraph)
        if letters < 0.6 * len(paragraph.replace(" ", "")):
            continue  # code, YAML, command lines
        for sentence in split_sentences(" ".join(paragraph.split())):
            if 25 <= len(sentence) <= 400 and len(terms(sentence)) >= 3:
                sentences.append(sentence)
    return sentences


def extractive_summary(text: str, max_sentences: int = 3, max_chars: int = 600) -> str:
    """The document's most central sentences, in their original order."""
    sentences = _prose_sentences(text)
    if not sentences:
        fallback = " ".join(text.split())
        return fallback[:max_chars]
    frequency: dict[str, int] = {}
    for sentence in sentences:
        for term in set(terms(sentence)):
            frequency[term] = frequency.get(term, 0) + 1
    scored = []
    for position, sentence in enumerate(sentences):
        sentence_terms = set(terms(sentence))
        centrality = sum(frequency[t] for t in sentence_terms) / math.sqrt(len(sentence_terms))
        lead_bonus = 1.5 if position < 3 else 1.0  # technical docs state their subject up front
        scored.append((centrality * lead_bonus, position))
    chosen = sorted(position for _, position in sorted(scored, reverse=True)[:max_sentences])
    summary = ""
    for position in chosen:
        candidate = f"{summary} {sentences[position]}".strip()
        if len(candidate) > max_chars and summary:
            break
        summary = candidate
    return summary[:max_chars]


def best_sentences(question: str, text: str, limit: int) -> list[tuple[float, str]]:
    """Sentences of ``text`` ranked by how many of the question's terms they contain."""
    wanted = set(terms(question))
    ranked = []
    for sentence in _prose_sentences(text):
        overlap = len(wanted & set(terms(sentence)))
        if overlap:
            ranked.append((overlap / math.sqrt(len(terms(sentence))), sentence))
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    return ranked[:limit]
