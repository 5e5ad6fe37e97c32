"""model_leaderboard: every candidate's latest figures side by side, ranked, with a
recommendation against node B's memory and tonight's backlog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lab_pipelines.evaluation.backlog import (
    NODE_B_MEMORY_GB,
    NODE_B_RESERVED_GB,
    Backlog,
    embedding_hours,
    fits_memory,
    summary_hours,
)
from lab_pipelines.evaluation.candidates import EMBEDDING, KINDS, SUMMARY, WRITER

Figures = Mapping[str, float]


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    fmt: str = "{:.3f}"


@dataclass(frozen=True)
class Board:
    kind: str
    title: str
    quality_key: str
    speed_key: str
    faster_is_higher: bool
    columns: tuple[Column, ...]


BOARDS = {
    SUMMARY: Board(
        SUMMARY,
        "Summary models (summary_eval)",
        "quality_score",
        "seconds_per_document",
        False,
        (
            Column("quality", "quality_score"),
            Column("key terms", "key_term_coverage"),
            Column("invented", "invented_share"),
            Column("language ok", "language_match_share", "{:.2f}"),
            Column("s / doc", "seconds_per_document", "{:.1f}"),
            Column("prompt tok/s", "prompt_tokens_per_s", "{:.0f}"),
            Column("gen tok/s", "gen_tokens_per_s", "{:.1f}"),
            Column("memory GB", "resident_memory_gb", "{:.1f}"),
            Column("node-B h / 1k docs", "node_b_hours_per_1000_docs", "{:.2f}"),
            Column("truncated", "truncations", "{:.0f}"),
        ),
    ),
    EMBEDDING: Board(
        EMBEDDING,
        "Embedding models (retrieval_eval)",
        "ndcg_at_10",
        "embed_tokens_per_s",
        True,
        (
            Column("nDCG@10", "ndcg_at_10"),
            Column("recall@5", "recall_at_5"),
            Column("MRR@10", "mrr_at_10"),
            Column("nDCG@10 ko", "ndcg_at_10_ko"),
            Column("nDCG@10 en", "ndcg_at_10_en"),
            Column("hybrid nDCG@10", "hybrid_ndcg_at_10"),
            Column("tok/s", "embed_tokens_per_s", "{:.0f}"),
            Column("query ms", "query_embed_ms_p50", "{:.1f}"),
            Column("memory GB", "resident_memory_gb", "{:.1f}"),
            Column("node-B h / 1k docs", "node_b_hours_per_1000_docs", "{:.2f}"),
        ),
    ),
    WRITER: Board(
        WRITER,
        "Gemini settings (writer_eval)",
        "quality_score",
        "seconds_per_answer",
        False,
        (
            Column("quality", "quality_score"),
            Column("right document", "grounded_share", "{:.2f}"),
            Column("valid citations", "citation_validity", "{:.2f}"),
            Column("answer tokens", "answer_tokens_mean", "{:.0f}"),
            Column("thinking tokens", "thinking_tokens_mean", "{:.0f}"),
            Column("s / answer", "seconds_per_answer", "{:.2f}"),
            Column("USD / 1k answers", "usd_per_1000_answers", "{:.3f}"),
        ),
    ),
}


@dataclass(frozen=True)
class Ranked:
    candidate: str
    figures: Figures
    quality_rank: int
    speed_rank: int


def rank(board: Board, results: Mapping[str, Figures]) -> list[Ranked]:
    """Candidates by quality (best first), each with its quality and speed rank; equal figures
    share a rank (1, 1, 3); no speed figure ranks last."""

    def quality(c: str) -> float:
        return results[c].get(board.quality_key, 0.0)

    def speed(c: str) -> float:
        value = results[c].get(board.speed_key, 0.0)
        if value <= 0:
            return float("-inf")
        return value if board.faster_is_higher else -value

    by_quality = sorted(results, key=lambda c: (-quality(c), c))
    return [
        Ranked(
            c,
            results[c],
            1 + sum(quality(o) > quality(c) for o in results),
            1 + sum(speed(o) > speed(c) for o in results),
        )
        for c in by_quality
    ]


def _bar(value: float, width: int = 10) -> str:
    filled = max(0, min(width, round(value * width)))
    return "█" * filled + "░" * (width - filled)


def table(board: Board, ranked: list[Ranked]) -> str:
    head = ["candidate", "quality #", "speed #", "", *(c.header for c in board.columns)]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|---:|---|" + "---:|" * len(board.columns)]
    for r in ranked:
        cells = [
            c.fmt.format(r.figures[c.key]) if c.key in r.figures else "–" for c in board.columns
        ]
        quality = r.figures.get(board.quality_key, 0.0)
        row = [f"`{r.candidate}`", str(r.quality_rank), str(r.speed_rank), _bar(quality), *cells]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


@dataclass
class Leaderboard:
    ranked: dict[str, list[Ranked]]
    recommendation: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    markdown: str = ""


def build_leaderboard(
    results: Mapping[str, Mapping[str, Figures]],
    configured: Mapping[str, str],
    backlog: Backlog,
    window_hours: float,
) -> Leaderboard:
    """``results``: kind → candidate → its latest figures; ``configured``: kind → the model
    the pipeline runs now."""
    board = Leaderboard({k: rank(BOARDS[k], results.get(k, {})) for k in KINDS})
    board.notes = _summary_notes(board, results, configured, backlog, window_hours)
    board.notes += _embedding_notes(board, configured, backlog)
    board.notes += _writer_notes(board, configured)
    parts = [
        f"Node B: {NODE_B_MEMORY_GB:.0f} GB ({NODE_B_RESERVED_GB:.0f} GB left to the system); "
        f"tonight's backlog: {backlog.documents} document{'' if backlog.documents == 1 else 's'}, "
        f"~{backlog.tokens:,} tokens; night "
        f"window: {window_hours:.1f} h.",
    ]
    for kind in KINDS:
        if board.ranked[kind]:
            parts += [f"### {BOARDS[kind].title}", table(BOARDS[kind], board.ranked[kind])]
    parts += ["### Recommendation", "\n".join(f"- {n}" for n in board.notes) or "- nothing yet"]
    board.markdown = "\n\n".join(parts)
    return board


def _summary_notes(board, results, configured, backlog, window_hours) -> list[str]:  # noqa: ANN001
    ranked = board.ranked[SUMMARY]
    if not ranked:
        return []
    embedding = results.get(EMBEDDING, {}).get(configured.get(EMBEDDING, ""), {})
    embed_gb = embedding.get("resident_memory_gb", 0.0)
    embed_h = embedding_hours(backlog, embedding.get("embed_tokens_per_s", 0.0)) or 0.0
    notes, fitting = [], []
    for r in ranked:
        f = r.figures
        hours = summary_hours(
            backlog,
            f.get("prompt_tokens_per_s", 0.0),
            f.get("gen_tokens_per_s", 0.0),
            f.get("summary_tokens_mean", 0.0),
            f.get("load_s", 0.0),
        )
        memory_ok = fits_memory(f.get("resident_memory_gb", 0.0), embed_gb)
        if hours is None:
            tonight = "no server timings (offline backend): backlog fit unknown"
        else:
            total = hours + embed_h
            verdict = "fits" if total <= window_hours else "does NOT fit"
            tonight = f"tonight's backlog {verdict}: {total:.2f} h of {window_hours:.1f} h"
        if memory_ok and (hours is None or hours + embed_h <= window_hours):
            fitting.append(r.candidate)
        memory = "fits" if memory_ok else "does NOT fit"
        notes.append(
            f"`{r.candidate}`: {memory} in memory beside the embedder "
            f"({f.get('resident_memory_gb', 0.0) + embed_gb:.1f} GB); {tonight}."
        )
    if fitting:
        board.recommendation[SUMMARY] = fitting[0]
        notes.insert(0, f"**Summaries: `{fitting[0]}`**, the best quality that fits tonight.")
    return notes


def _embedding_notes(board: Leaderboard, configured, backlog: Backlog) -> list[str]:  # noqa: ANN001
    ranked = board.ranked[EMBEDDING]
    if not ranked:
        return []
    best = ranked[0]
    board.recommendation[EMBEDDING] = best.candidate
    note = f"**Embeddings: `{best.candidate}`** (best nDCG@10)."
    if best.candidate != configured.get(EMBEDDING):
        note += " Switching writes a new `embeddings__<model>` table: the whole store once."
    return [note]


def _writer_notes(board: Leaderboard, configured) -> list[str]:  # noqa: ANN001
    ranked = board.ranked[WRITER]
    current = next((r for r in ranked if r.candidate == configured.get(WRITER)), None)
    if current is None:
        return []
    keep = current.figures.get("quality_score", 0.0)
    keeping = [r for r in ranked if r.figures.get("quality_score", 0.0) >= keep]
    cheapest = min(
        keeping, key=lambda r: (r.figures.get("usd_per_1000_answers", 0.0), r.quality_rank)
    )
    board.recommendation[WRITER] = cheapest.candidate
    return [
        f"**Answers: `{cheapest.candidate}`**, the cheapest setting that keeps the configured "
        f"quality ({keep:.3f}): ${cheapest.figures.get('usd_per_1000_answers', 0.0):.3f} per "
        f"1,000 answers instead of ${current.figures.get('usd_per_1000_answers', 0.0):.3f}."
    ]
