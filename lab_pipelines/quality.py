"""Checks for what can go wrong silently, as plain functions over the store.

Each returns the offending ids (empty when all is well); the asset checks in ``defs`` turn them
into AssetCheckResults, blocking where bad data would flow downstream.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from lab_pipelines.models.ollama_models import TRUNCATION_RATIO
from lab_pipelines.store import (
    CHUNKS,
    DOCUMENTS,
    OUTPUTS,
    LabStore,
    embeddings_table_name,
    in_filter,
)
from lab_pipelines.text.language import detect_language
from lab_pipelines.text.tokens import estimate_tokens


def _ok_documents(store: LabStore, doc_ids: Sequence[str], columns: list[str]) -> list[dict]:
    return [
        d for d in store.documents(doc_ids, ["doc_id", "status", *columns]) if d["status"] == "ok"
    ]


def empty_or_truncated_summaries(store: LabStore, doc_ids: Sequence[str]) -> list[str]:
    """Documents whose summary is missing or empty, or whose single-call summary read far fewer
    prompt tokens than the document holds (Ollama cut the prompt)."""
    docs = _ok_documents(store, doc_ids, ["text"])
    summaries = store.summaries([d["doc_id"] for d in docs])
    bad = []
    for doc in docs:
        summary = summaries.get(doc["doc_id"])
        if (
            summary is None
            or not summary["summary"].strip()
            or (
                summary["backend"] == "ollama"
                and summary["parts"] == 1
                and summary["prompt_tokens"] < TRUNCATION_RATIO * estimate_tokens(doc["text"])
            )
        ):
            bad.append(doc["doc_id"])
    return bad


def summary_language_mismatches(store: LabStore, doc_ids: Sequence[str]) -> list[str]:
    """Korean documents summarised in English, or the other way round."""
    summaries = store.summaries(doc_ids)
    docs = _ok_documents(store, list(summaries), ["lang"])
    return [
        d["doc_id"]
        for d in docs
        if summaries[d["doc_id"]]["summary"].strip()
        and detect_language(summaries[d["doc_id"]]["summary"]) != d["lang"]
    ]


def documents_without_chunks(store: LabStore, doc_ids: Sequence[str]) -> list[str]:
    docs = _ok_documents(store, doc_ids, [])
    with_chunks = {
        r["doc_id"] for r in store.read(CHUNKS, ["doc_id"], in_filter("doc_id", doc_ids or [""]))
    }
    return [d["doc_id"] for d in docs if d["doc_id"] not in with_chunks]


def bad_vectors(store: LabStore, model: str, doc_ids: Sequence[str]) -> list[str]:
    """Rows whose vector is not unit length or whose dimension differs from the table's."""
    rows = store.read(
        embeddings_table_name(model), ["row_id", "vector"], in_filter("doc_id", doc_ids or [""])
    )
    if not rows:
        return []
    dim = Counter(len(r["vector"]) for r in rows).most_common(1)[0][0]
    bad = []
    for row in rows:
        vector = row["vector"]
        norm = math.sqrt(sum(x * x for x in vector))
        if len(vector) != dim or abs(norm - 1.0) > 1e-3:
            bad.append(row["row_id"])
    return bad


def duplicate_ids(store: LabStore, table: str, key: str, doc_ids: Sequence[str]) -> list[str]:
    """Ids stored more than once (concurrent merge_insert can do that; the writer lock should
    make it impossible)."""
    rows = store.read(table, [key], in_filter("doc_id", doc_ids or [""]))
    return sorted(k for k, n in Counter(r[key] for r in rows).items() if n > 1)


def outputs_citing_missing_documents(store: LabStore, request_ids: Sequence[str]) -> dict:
    """request_id → cited doc ids that no longer exist (the file left the inbox)."""
    outputs = store.read(
        OUTPUTS, ["request_id", "cited_doc_ids"], in_filter("request_id", request_ids or [""])
    )
    cited = sorted({d for o in outputs for d in o["cited_doc_ids"]})
    present = {
        d["doc_id"] for d in store.read(DOCUMENTS, ["doc_id"], in_filter("doc_id", cited or [""]))
    }
    missing = {}
    for output in outputs:
        gone = [d for d in output["cited_doc_ids"] if d not in present]
        if gone:
            missing[output["request_id"]] = gone
    return missing


def store_matches_inbox(
    store: LabStore,
    files: dict,
    *,
    summary_model: str,
    embedding_model: str,
    chunk_chars: int,
    chunk_overlap_chars: int,
    max_bytes: int | None = None,
) -> list[str]:
    """The invariant every fault must leave intact: each inbox document has exactly one current
    set of chunks, vectors and summary; nothing is duplicated; nothing of a gone file remains.

    Returns the problems found, as sentences (empty when the store matches the inbox).
    """
    from lab_pipelines.stages.freshness import stale_documents

    problems = [
        f"{doc_id}: {why}"
        for doc_id, why in stale_documents(
            store,
            files,
            summary_model=summary_model,
            embedding_model=embedding_model,
            chunk_chars=chunk_chars,
            chunk_overlap_chars=chunk_overlap_chars,
            max_bytes=max_bytes,
        ).items()
    ]
    table = embeddings_table_name(embedding_model)
    for name, key in (
        (DOCUMENTS, "doc_id"),
        (CHUNKS, "chunk_id"),
        ("summaries", "doc_id"),
        (table, "row_id"),
    ):
        rows = store.read(name, [key, "doc_id"] if key != "doc_id" else ["doc_id"])
        counts = Counter(r[key] for r in rows)
        problems += [f"{name}: {k} stored {n} times" for k, n in counts.items() if n > 1]
        problems += [
            f"{name}: rows of {d}, which is not in the inbox"
            for d in sorted({r["doc_id"] for r in rows} - set(files))
        ]
    return problems
