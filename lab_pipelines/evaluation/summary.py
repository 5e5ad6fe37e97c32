"""summary_eval: one summary model on a fixed, seeded sample of the lab's documents.

Speed comes from Ollama's own timings (prompt_eval_count/duration, eval_count/duration,
load_duration) and memory from /api/ps, so the figures are node B's, not this process's.
The summaries are written nowhere: the pipeline's ``summaries`` table stays the configured
model's.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lab_pipelines.evaluation.judge import Judge, judge_score
from lab_pipelines.evaluation.summary_checks import (
    SummaryCheck,
    check_summary,
    inverse_document_frequency,
)
from lab_pipelines.models.base import Summarizer
from lab_pipelines.store import Store
from lab_pipelines.text.tokens import estimate_tokens

SEED = 20261201  # fixed: every candidate, every evaluation sees the same documents


def sample_documents(store: Store, size: int, seed: int = SEED) -> list[dict]:
    """``size`` documents drawn with a fixed seed from the stored ones (sorted first, so the
    sample depends on which documents exist, not on the order LanceDB returns them)."""
    ids = store.ok_document_ids()  # sorted
    chosen = sorted(random.Random(seed).sample(ids, min(size, len(ids))))
    docs = {d["doc_id"]: d for d in store.documents(chosen, ["doc_id", "title", "lang", "text"])}
    return [docs[doc_id] for doc_id in chosen]


@dataclass
class SummaryResult:
    model: str
    documents: int
    checks: dict[str, SummaryCheck] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)


def evaluate_summaries(
    summarizer: Summarizer,
    sample: Sequence[dict],
    resident_bytes: Callable[[], int | None] = lambda: None,
    judge: Judge | None = None,
) -> SummaryResult:
    """Summarise the sample one document at a time (clean per-request timings) and check each."""
    idf = inverse_document_frequency([d["text"] for d in sample])
    result = SummaryResult(summarizer.model, len(sample))
    parts: list[int] = []
    wall = 0.0
    for doc in sample:
        started = time.perf_counter()
        summary = summarizer.summarize(doc["title"], doc["text"], doc["lang"])
        wall += time.perf_counter() - started
        parts.append(summary.parts)
        result.summaries[doc["doc_id"]] = summary.text
        result.checks[doc["doc_id"]] = check_summary(summary.text, doc["text"], doc["lang"], idf)
    n = max(1, len(sample))
    timings = summarizer.counter.timings
    speed = summarizer.counter.throughput()
    # Server-measured compute per document where the backend reports it, else our clock.
    busy_s = (timings.total_ns - timings.load_ns) / 1e9 if timings.total_ns else wall
    checks = list(result.checks.values())
    memory = resident_bytes()  # right after the calls: the model is still loaded
    grades = (
        [judge.grade_summary(d["text"], result.summaries[d["doc_id"]]) for d in sample]
        if judge
        else []
    )
    result.figures = {
        "quality_score": round(sum(c.score for c in checks) / n, 4),
        "key_term_coverage": round(sum(c.coverage for c in checks) / n, 4),
        "invented_share": round(
            sum(c.invented for c in checks) / max(1, sum(c.mentions for c in checks)), 4
        ),
        "language_match_share": round(sum(c.language_ok for c in checks) / n, 4),
        "summary_tokens_mean": round(
            sum(estimate_tokens(s) for s in result.summaries.values()) / n, 1
        ),
        "summary_chars_mean": round(sum(len(s) for s in result.summaries.values()) / n, 1),
        "seconds_per_document": round(busy_s / n, 3),
        "document_tokens_mean": round(sum(estimate_tokens(d["text"]) for d in sample) / n, 1),
        "prompt_tokens_per_s": speed["prompt_tokens_per_s"],
        "gen_tokens_per_s": speed["gen_tokens_per_s"],
        "load_s": speed["load_s"],
        "map_reduce_documents": sum(1 for p in parts if p > 1),
        "map_reduce_parts": sum(p for p in parts if p > 1),
        "truncations": int(getattr(summarizer, "truncations", 0)),
        "resident_memory_gb": round(memory / 1e9, 2) if memory else 0.0,
        "node_b_hours_per_1000_docs": round(busy_s / n * 1000 / 3600, 3),
    }
    if judge is not None:
        result.figures |= judged(judge, grades)
    return result


def judged(judge: Judge, grades: list[int | None]) -> dict[str, float]:
    """The judge's figures: its 0-1 score (-1 when it gave no grade) and what it cost."""
    score = judge_score(grades)
    return {
        "judge_score": -1.0 if score is None else score,
        "judge_grades": judge.grades,
        "judge_skipped_at_cap": judge.skipped,
        "judge_usd": round(judge.spent_usd, 6),
    }


def details_markdown(result: SummaryResult, limit: int = 8) -> str:
    """Per document: the checks and the start of the summary, for a person to judge."""
    lines = ["| document | coverage | invented | language | summary |", "|---|---:|---:|---|---|"]
    for doc_id, check in list(result.checks.items())[:limit]:
        text = " ".join(result.summaries[doc_id].split())[:160].replace("|", "\\|")
        lines.append(
            f"| {doc_id} | {check.coverage:.2f} | {check.invented}/{check.mentions} | "
            f"{'ok' if check.language_ok else 'WRONG'} | {text} |"
        )
    return "\n".join(lines)
