"""Retrieval quality of one ranking against the documents that answer a question.

Rankings are of distinct documents (a document's chunks and summary count once, at its best
rank). The relevant documents of a question are alternatives (a Korean page and its English
original): recall@k is the share of questions with one of them in the first k, as in the
benchmark (bench/retrieval.py); nDCG@10 rewards finding more of them, higher up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def distinct_documents(doc_ids: Iterable[str], limit: int) -> list[str]:
    ranked: list[str] = []
    for doc_id in doc_ids:
        if doc_id not in ranked:
            ranked.append(doc_id)
            if len(ranked) == limit:
                break
    return ranked


def first_relevant_rank(ranked: Sequence[str], relevant: frozenset[str]) -> int | None:
    return next((i for i, d in enumerate(ranked, 1) if d in relevant), None)


def hit_at(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    rank = first_relevant_rank(ranked, relevant)
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank_at(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    rank = first_relevant_rank(ranked, relevant)
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def ndcg_at(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """Binary-gain nDCG: 1 when every relevant document (up to k) leads the ranking."""
    dcg = sum(1.0 / math.log2(i + 1) for i, d in enumerate(ranked[:k], 1) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass(frozen=True)
class Scored:
    """One question's figures under one retrieval mode."""

    language: str
    recall_at_5: float
    mrr_at_10: float
    ndcg_at_10: float


def score(ranked: Sequence[str], relevant: frozenset[str], language: str) -> Scored:
    return Scored(
        language,
        hit_at(ranked, relevant, 5),
        reciprocal_rank_at(ranked, relevant, 10),
        ndcg_at(ranked, relevant, 10),
    )


def averages(scored: Sequence[Scored], prefix: str = "") -> dict[str, float]:
    """Mean figures over all questions and per language: ``recall_at_5``, ``recall_at_5_ko``…"""
    out: dict[str, float] = {}
    groups: dict[str, list[Scored]] = {"": list(scored)}
    for s in scored:
        groups.setdefault(f"_{s.language}", []).append(s)
    for suffix, rows in sorted(groups.items()):
        for name in ("recall_at_5", "mrr_at_10", "ndcg_at_10"):
            value = sum(getattr(r, name) for r in rows) / len(rows) if rows else 0.0
            out[f"{prefix}{name}{suffix}"] = round(value, 4)
    return out
