"""embeddings: vectors for every chunk and summary, reused per chunk by content fingerprint."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from lab_pipelines.models.base import Embedder
from lab_pipelines.store import Store
from lab_pipelines.store.vectors import EmbeddingRow
from lab_pipelines.text.fingerprints import embedding_key
from lab_pipelines.text.prefixes import document_text

GROUP_TEXTS = 256  # new texts embedded per commit: a failed run keeps the groups it finished


@dataclass
class EmbedReport:
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rows: int = 0
    embedded: int = 0  # texts sent to the model
    reused: int = 0  # rows whose vector was already stored under the same key
    dim: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class WantedEmbedding:
    """A row a document's embeddings should hold, before its vector: what is embedded, stored
    and full-text indexed (``text``), the title and heading path indexed as its own boosted
    field (``head_text``), and the key its vector is stored and reused under."""

    row_id: str
    doc_id: str
    kind: str  # "chunk" | "summary"
    seq: int
    text: str
    head_text: str
    embed_key: str

    def with_vector(self, vector: list[float]) -> EmbeddingRow:
        return EmbeddingRow.indexed(**asdict(self), vector=vector)


Wanted = dict[str, list[WantedEmbedding]]  # doc_id -> its wanted rows


def wanted_embedding_rows(store: Store, model: str, doc_ids: Sequence[str]) -> Wanted:
    """doc_id → the rows its embeddings should hold now: chunks, then its summary.

    The model embeds ``text`` behind its document prefix (lab_pipelines.text.prefixes), which
    the embed key therefore covers; the stored and indexed text has no prefix."""
    titles = {d["doc_id"]: d for d in store.documents(doc_ids, ["doc_id", "title", "status"])}
    summaries = store.summaries(doc_ids)
    wanted: Wanted = {doc_id: [] for doc_id in doc_ids}
    for chunk in store.chunks(doc_ids):
        doc = titles.get(chunk["doc_id"])
        if doc is None or doc["status"] != "ok":
            continue
        text = f"{chunk['heading']}\n{chunk['text']}" if chunk["heading"] else chunk["text"]
        wanted[chunk["doc_id"]].append(
            WantedEmbedding(
                row_id=chunk["chunk_id"],
                doc_id=chunk["doc_id"],
                kind="chunk",
                seq=chunk["seq"],
                text=text,
                head_text=f"{doc['title']}\n{chunk['heading']}",
                embed_key=embedding_key(document_text(model, text), model),
            )
        )
    for doc_id, summary in summaries.items():
        if wanted.get(doc_id):
            text = f"{titles[doc_id]['title']}\n{summary['summary']}"
            wanted[doc_id].append(
                WantedEmbedding(
                    row_id=f"{doc_id}#summary",
                    doc_id=doc_id,
                    kind="summary",
                    seq=-1,
                    text=text,
                    head_text=titles[doc_id]["title"],
                    embed_key=embedding_key(document_text(model, text), model),
                )
            )
    return wanted


def embed_documents(store: Store, embedder: Embedder, doc_ids: Sequence[str]) -> EmbedReport:
    """Bring each document's vectors in line with its chunks and summary; embed only new text."""
    started = time.perf_counter()
    report = EmbedReport()
    model = embedder.model
    wanted = wanted_embedding_rows(store, model, doc_ids)
    stored = store.embedding_keys(model, doc_ids)
    changed: list[str] = []
    for doc_id in doc_ids:
        target = {(r.row_id, r.embed_key) for r in wanted[doc_id]}
        if target == stored.get(doc_id, set()):
            if target:
                report.unchanged.append(doc_id)
        elif target:
            changed.append(doc_id)
        elif doc_id in stored:
            report.removed.append(doc_id)
    if report.removed:
        store.delete_documents_vectors(model, report.removed)

    groups: list[list[str]] = [[]]
    group_new = 0
    for doc_id in changed:
        groups[-1].append(doc_id)
        group_new += len(wanted[doc_id])
        if group_new >= GROUP_TEXTS:
            groups.append([])
            group_new = 0
    # Two groups at a time: while the last requests of one group finish, the next group's
    # requests already fill the other slots (the Ollama connection caps requests in flight at
    # LAB_OLLAMA_PARALLEL); groups are committed in order, each in one swap.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="embed-group") as pool:
        pending: deque[tuple[list[str], Future]] = deque()
        try:
            for group in (g for g in groups if g):
                pending.append((group, pool.submit(_vectors, store, embedder, group, wanted)))
                if len(pending) == 2:
                    done, future = pending.popleft()
                    _commit_group(store, embedder, done, wanted, future.result(), report)
            while pending:
                done, future = pending.popleft()
                _commit_group(store, embedder, done, wanted, future.result(), report)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    if changed:
        store.refresh_text_index(model)
        store.refresh_vector_index(model)
    # Also when nothing changed: a store from before the latent index (or of an older
    # LATENT_VERSION) gets it on its next run; otherwise that check is one table open.
    store.refresh_latent_index(model, changed=bool(changed or report.removed))
    report.seconds = time.perf_counter() - started
    return report


def _vectors(
    store: Store, embedder: Embedder, doc_ids: list[str], wanted: Wanted
) -> tuple[dict[str, list[float]], set[str]]:
    """The group's vectors by embed key: stored ones reused, the rest embedded now."""
    rows = [row for doc_id in doc_ids for row in wanted[doc_id]]
    vectors = store.vectors_by_key(embedder.model, [r.embed_key for r in rows])
    missing: dict[str, str] = {}
    for row in rows:
        if row.embed_key not in vectors:
            missing.setdefault(row.embed_key, document_text(embedder.model, row.text))
    if missing:
        fresh = embedder.embed(list(missing.values()))
        vectors.update(zip(missing, fresh, strict=True))
    return vectors, set(missing)


def _commit_group(
    store: Store,
    embedder: Embedder,
    doc_ids: list[str],
    wanted: Wanted,
    result: tuple[dict[str, list[float]], set[str]],
    report: EmbedReport,
) -> None:
    vectors, missing = result
    planned = [row for doc_id in doc_ids for row in wanted[doc_id]]
    report.embedded += len(missing)
    report.reused += len(planned) - sum(1 for r in planned if r.embed_key in missing)
    rows = [row.with_vector(vectors[row.embed_key]) for row in planned]
    dim = len(rows[0].vector)
    report.dim = dim
    store.replace_embeddings(embedder.model, dim, doc_ids, rows)
    report.updated.extend(doc_ids)
    report.rows += len(rows)
