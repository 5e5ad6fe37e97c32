"""Which documents need work: the night backfill's question, answered from LanceDB."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from lab_pipelines.inbox import InboxFile
from lab_pipelines.stages.embed import wanted_embedding_rows
from lab_pipelines.stages.ingest import oversize_marker
from lab_pipelines.store import Store
from lab_pipelines.text.fingerprints import CHUNKER_VERSION, chunk_plan_key, summary_key


def stale_documents(
    store: Store,
    files: Mapping[str, InboxFile],
    *,
    summary_model: str,
    embedding_model: str,
    chunk_chars: int,
    chunk_overlap_chars: int,
    max_bytes: int | None = None,
    known_hashes: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """doc_id → why it is not current: missing, changed on disk, or a fingerprint that no
    longer matches the configured models, prompt or chunker (e.g. a new embedding model).

    ``known_hashes`` (doc_id → a prefix of the file's SHA-256, as the inbox sensor's index
    holds it) spares reading the files: on NFS, hashing 10,000 files would not fit in a
    schedule tick's 60 s."""
    doc_ids = sorted(files)
    if not doc_ids:
        return {}
    stored = {
        r["doc_id"]: r
        for r in store.documents(doc_ids, ["doc_id", "source_hash", "content_hash", "status"])
    }
    plans = store.chunk_plan_keys(doc_ids)
    summaries = store.summary_keys(doc_ids)
    stale: dict[str, str] = {}
    for doc_id in doc_ids:
        row = stored.get(doc_id)
        if row is None:
            stale[doc_id] = "missing"
            continue
        file = files[doc_id]
        try:
            if max_bytes is not None and file.size > max_bytes:
                on_disk = oversize_marker(file.size)  # never read a file over the limit
            elif known_hashes is not None and doc_id in known_hashes:
                on_disk = known_hashes[doc_id]
            else:
                on_disk = hashlib.sha256(file.path.read_bytes()).hexdigest()
        except OSError:
            continue  # gone since the scan: the sensor removes it
        if not row["source_hash"].startswith(on_disk):
            stale[doc_id] = "changed on disk"
        elif row["status"] != "ok":
            continue  # skipped for a recorded reason; re-tried only when the file changes
        elif plans.get(doc_id) != chunk_plan_key(
            row["content_hash"], CHUNKER_VERSION, chunk_chars, chunk_overlap_chars
        ):
            stale[doc_id] = "chunker or chunk settings changed"
        elif summaries.get(doc_id) != summary_key(row["content_hash"], summary_model):
            stale[doc_id] = "summary model or prompt changed"
    # Vectors: exactly the rows the current chunks and summary call for (a failed embeddings
    # step after a successful re-chunk leaves old vectors behind; this catches it).
    current = [d for d in doc_ids if d not in stale and stored.get(d, {}).get("status") == "ok"]
    wanted = wanted_embedding_rows(store, embedding_model, current)
    have = store.embedding_keys(embedding_model, current)
    for doc_id in current:
        if {(r.row_id, r.embed_key) for r in wanted[doc_id]} != have.get(doc_id, set()):
            stale[doc_id] = "vectors missing or out of date for the embedding model"
    return stale
