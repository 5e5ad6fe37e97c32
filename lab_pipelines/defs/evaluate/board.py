"""model_leaderboard's step: every candidate's latest figures from the instance, tonight's
backlog from the store, and the plain leaderboard built from them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from lab_pipelines.defs.evaluate.partitions import PARTITIONS_OF
from lab_pipelines.defs.evaluate.resources import EvaluationResource
from lab_pipelines.defs.evaluate.runner import as_metadata, latest_figures
from lab_pipelines.defs.resources import InboxResource, StoreResource
from lab_pipelines.evaluation.backlog import backlog_of, night_window_hours
from lab_pipelines.evaluation.candidates import EMBEDDING, KINDS, SUMMARY, WRITER
from lab_pipelines.evaluation.leaderboard import BOARDS, Leaderboard, build_leaderboard
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.stages.freshness import stale_documents


def leaderboard(
    instance: dg.DagsterInstance,
    inbox: InboxResource,
    store: StoreResource,
    evaluation: EvaluationResource,
) -> tuple[Leaderboard, dict]:
    """The leaderboard of every candidate's latest evaluation, and its metadata."""
    candidates = {k: instance.get_dynamic_partitions(PARTITIONS_OF[k].name) for k in KINDS}
    results = {
        kind: {c: f for c in candidates[kind] if (f := latest_figures(instance, kind, c))}
        for kind in KINDS
    }
    store = store.open()
    files = {f.doc_id: f for f in scan_inbox(Path(inbox.inbox_dir))}
    stale = stale_documents(
        store,
        files,
        summary_model=evaluation.summary_model,
        embedding_model=evaluation.embedding_model,
        chunk_chars=inbox.chunk_chars,
        chunk_overlap_chars=inbox.chunk_overlap_chars,
        max_bytes=inbox.max_file_mb * 1_000_000,
    )
    window = night_window_hours(evaluation.night_backfill_cron, evaluation.digest_hour)
    configured = {
        SUMMARY: evaluation.summary_model,
        EMBEDDING: evaluation.embedding_model,
        WRITER: evaluation.writer_model,
    }
    board = build_leaderboard(results, configured, backlog_of(store, files, stale), window)
    plots: dict[str, float] = {"backlog_documents": len(stale), "night_window_hours": window}
    for kind in KINDS:
        for r in board.ranked[kind]:
            # One series per candidate: the Plots tab draws each across materialisations.
            quality = r.figures.get(BOARDS[kind].quality_key, 0.0)
            plots[f"{kind} quality: {r.candidate}"] = round(quality, 4)
    metadata = {
        **as_metadata(plots),
        "leaderboard": dg.MetadataValue.md(board.markdown),
        "recommendation": dg.MetadataValue.json(board.recommendation),
        "candidates_evaluated": dg.MetadataValue.int(sum(len(r) for r in results.values())),
    }
    return board, metadata
