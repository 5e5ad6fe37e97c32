"""Retrieval figures of one ranking, as the benchmark defines them."""

import pytest

from lab_pipelines.evaluation.ranking import averages, distinct_documents, ndcg_at, score

RELEVANT = frozenset({"ko/a.md", "en/a.md"})  # a Korean page and its English original


def test_a_document_counts_once_at_its_best_rank():
    assert distinct_documents(["x", "x", "ko/a.md", "x", "y"], 10) == ["x", "ko/a.md", "y"]


def test_recall_mrr_and_ndcg_of_a_ranking():
    scored = score(["x", "ko/a.md", "y", "en/a.md"], RELEVANT, "ko")
    assert scored.recall_at_5 == 1.0
    assert scored.mrr_at_10 == 0.5
    # found both, at 2 and 4: (1/log2 3 + 1/log2 5) / (1 + 1/log2 3)
    assert scored.ndcg_at_10 == pytest.approx(0.6509, abs=1e-4)
    assert ndcg_at(["en/a.md", "ko/a.md"], RELEVANT, 10) == 1.0
    assert score(["x"] * 5 + ["ko/a.md"], RELEVANT, "en").recall_at_5 == 0.0


def test_averages_per_language():
    figures = averages(
        [score(["ko/a.md"], RELEVANT, "ko"), score(["x", "y"], RELEVANT, "en")], "hybrid_"
    )
    assert figures["hybrid_recall_at_5"] == 0.5
    assert figures["hybrid_recall_at_5_ko"] == 1.0 and figures["hybrid_recall_at_5_en"] == 0.0
