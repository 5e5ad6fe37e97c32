"""retrieval_eval: how well one embedding model finds the owner's documents, and how fast.

The candidate's vectors live in its own ``embeddings__<model>`` table, filled by the
pipeline's own embedding stage: a text already embedded by this model (by the pipeline or an
earlier evaluation) is reused by its content key, so a candidate costs its embedding time once.
Questions are embedded on every evaluation: that is the query latency being measured.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from lab_pipelines.evaluation.evalset import EvalQuestion
from lab_pipelines.evaluation.ranking import Scored, averages, distinct_documents, score
from lab_pipelines.models.base import Embedder
from lab_pipelines.stages.embed import embed_documents
from lab_pipelines.store import Store
from lab_pipelines.store.vectors import embeddings_table_name
from lab_pipelines.text.prefixes import query_text
from lab_pipelines.text.tokens import estimate_tokens

SEARCH_DEPTH = 60  # hits asked for: enough rows to rank ten distinct documents
MODES = ("vector", "hybrid")  # vector: the model alone; hybrid: what generation searches


@dataclass
class RetrievalResult:
    model: str
    questions: int
    documents: int
    texts_embedded: int  # document texts this evaluation had to embed (0 once embedded)
    vectors_reused: int
    figures: dict[str, float] = field(default_factory=dict)
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)  # question, lang, top3
    tokens_per_document: float = 0.0
    embed_tokens_per_s: float = 0.0  # Ollama's own prompt_eval_count over its compute time
    embedded_corpus: bool = False  # whether that speed comes from document texts (else queries)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def evaluate_retrieval(
    store: Store, embedder: Embedder, questions: Sequence[EvalQuestion], doc_ids: Sequence[str]
) -> RetrievalResult:
    """Embed what the model's table lacks, then rank every question's documents."""
    report = embed_documents(store, embedder, doc_ids)
    corpus_timings = embedder.counter.throughput()
    model = embedder.model
    scored: dict[str, list[Scored]] = {mode: [] for mode in MODES}
    embed_ms: list[float] = []
    search_ms: list[float] = []
    # Reused: every stored vector this evaluation did not have to embed (unchanged documents
    # and rows whose text was already embedded under another document).
    reused = store.count(embeddings_table_name(model)) - report.embedded
    result = RetrievalResult(model, len(questions), len(doc_ids), report.embedded, reused)
    for q in questions:
        started = time.perf_counter()
        vector = embedder.embed([query_text(model, q.question)])[0]  # as retrieval sends it
        embedded = time.perf_counter()
        ranked: dict[str, list[str]] = {}
        for mode in MODES:
            hits = store.search(model, q.question, vector, k=SEARCH_DEPTH, mode=mode)
            ranked[mode] = distinct_documents((h.doc_id for h in hits), 10)
            scored[mode].append(score(ranked[mode], q.relevant, q.language))
        search_ms.append((time.perf_counter() - embedded) * 1000 / len(MODES))
        embed_ms.append((embedded - started) * 1000)
        if not scored["vector"][-1].recall_at_5:
            result.misses.append((q.question, q.language, ranked["vector"][:3]))
    result.figures = {
        **averages(scored["vector"]),
        **averages(scored["hybrid"], prefix="hybrid_"),
        "query_embed_ms_p50": round(statistics.median(embed_ms), 2) if embed_ms else 0.0,
        "search_ms_p50": round(statistics.median(search_ms), 2) if search_ms else 0.0,
        "query_ms_p95": round(
            _percentile([e + s for e, s in zip(embed_ms, search_ms, strict=True)], 0.95), 2
        ),
    }
    rows = store.read(embeddings_table_name(model), ["doc_id", "text"])
    if rows:
        result.tokens_per_document = sum(estimate_tokens(r["text"]) for r in rows) / len(
            {r["doc_id"] for r in rows}
        )
    result.embedded_corpus = report.embedded > 0
    speed = (corpus_timings if result.embedded_corpus else embedder.counter.throughput())[
        "prompt_tokens_per_s"
    ]
    if not speed:  # a backend without server timings (offline): our own clock
        query_tokens = sum(estimate_tokens(q.question) for q in questions)
        speed = round(query_tokens / (sum(embed_ms) / 1000), 1) if sum(embed_ms) else 0.0
    result.embed_tokens_per_s = speed
    return result


def node_b_hours_per_1000_docs(tokens_per_document: float, tokens_per_s: float) -> float:
    """Hours of model time 1,000 documents like these cost, at the measured speed."""
    if tokens_per_s <= 0:
        return 0.0
    return round(1000 * tokens_per_document / tokens_per_s / 3600, 3)
