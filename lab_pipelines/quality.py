"""Checks for what can go wrong silently, as plain functions over the store.

Each returns the offenders (empty when all is well); ``defs/checks.py`` turns them into asset
check results: per-document rules on each document's own partition, whole-table invariants as
blocking checks of their own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from lab_pipelines.store import Store
from lab_pipelines.store.rows import CHUNKS, DOCUMENTS, SUMMARIES
from lab_pipelines.store.vectors import embeddings_table_name
from lab_pipelines.text.language import detect_language


def _ok_documents(store: Store, doc_ids: Sequence[str], columns: list[str]) -> list[dict]:
    return [
        d for d in store.documents(doc_ids, ["doc_id", "status", *columns]) if d["status"] == "ok"
    ]


# Per-document rules: doc_id -> what is wrong with that document (absent when all is well).
# A summary cut by Ollama's context window is not among them: the client notices a short
# prompt_eval_count itself and summarises the document in parts, so it is never stored.
# Nor is "a document without chunks": the parser skips text-less files and the chunker gives
# any other text at least one chunk (lab_pipelines_tests/text/test_chunking.py).


def empty_summaries(store: Store, doc_ids: Sequence[str]) -> dict[str, str]:
    """Ingested documents whose summary is missing or empty (a model can answer 200 with no
    text)."""
    docs = _ok_documents(store, doc_ids, [])
    summaries = store.summaries([d["doc_id"] for d in docs])
    bad = {}
    for doc in docs:
        summary = summaries.get(doc["doc_id"])
        if summary is None:
            bad[doc["doc_id"]] = "no summary stored"
        elif not summary["summary"].strip():
            bad[doc["doc_id"]] = f"{summary['model']} returned an empty summary"
    return bad


def summary_language_mismatches(store: Store, doc_ids: Sequence[str]) -> dict[str, str]:
    """Korean documents summarised in English, or the other way round."""
    summaries = store.summaries(doc_ids)
    docs = _ok_documents(store, list(summaries), ["lang"])
    bad = {}
    for doc in docs:
        text = summaries[doc["doc_id"]]["summary"]
        lang = detect_language(text) if text.strip() else doc["lang"]
        if lang != doc["lang"]:
            bad[doc["doc_id"]] = f"the document is in {doc['lang']}, its summary in {lang}"
    return bad


def bad_vectors(store: Store, model: str, doc_ids: Sequence[str]) -> dict[str, str]:
    """Documents with a vector that is not unit length or whose dimension differs from the
    table's most common one."""
    rows = store.embedding_rows(model, doc_ids, ["row_id", "doc_id", "vector"])
    if not rows:
        return {}
    dim = Counter(len(r["vector"]) for r in rows).most_common(1)[0][0]
    bad: dict[str, list[str]] = {}
    for row in rows:
        vector = row["vector"]
        norm = math.sqrt(sum(x * x for x in vector))
        if len(vector) != dim or not abs(norm - 1.0) <= 1e-3:  # "not <=" catches NaN too
            bad.setdefault(row["doc_id"], []).append(row["row_id"])
    return {
        doc_id: f"{len(ids)} vectors off the dimension {dim} or unit norm: {', '.join(ids[:5])}"
        for doc_id, ids in bad.items()
    }


def duplicate_ids(store: Store, table: str, key: str) -> list[str]:
    """Ids stored more than once anywhere in ``table`` (concurrent merge_insert can do that;
    the writer lock should make it impossible)."""
    rows = store.read(table, [key])
    return sorted(k for k, n in Counter(r[key] for r in rows).items() if n > 1)


def outputs_citing_missing_documents(store: Store, request_ids: Sequence[str]) -> dict:
    """request_id → cited doc ids that no longer exist (the file left the inbox)."""
    outputs = store.outputs(request_ids, ["request_id", "cited_doc_ids"])
    cited = sorted({d for o in outputs for d in o["cited_doc_ids"]})
    present = {d["doc_id"] for d in store.documents(cited, ["doc_id"])}
    missing = {}
    for output in outputs:
        gone = [d for d in output["cited_doc_ids"] if d not in present]
        if gone:
            missing[output["request_id"]] = gone
    return missing


def store_matches_inbox(
    store: Store,
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
        (SUMMARIES, "doc_id"),
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
