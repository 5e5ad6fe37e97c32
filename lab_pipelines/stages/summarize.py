"""summaries: one local-model summary per document, keyed by text, model and prompt version."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lab_pipelines.models.base import Summarizer, Summary
from lab_pipelines.store import Store
from lab_pipelines.store.rows import SummaryRow
from lab_pipelines.text.fingerprints import summary_key

FLUSH_EVERY = 16  # summaries written per commit: a failed run keeps what it finished


@dataclass
class SummaryReport:
    written: dict[str, Summary] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def summarize_documents(
    store: Store, summarizer: Summarizer, doc_ids: Sequence[str], parallel: int = 1
) -> SummaryReport:
    """Summarise documents whose summary key changed, ``parallel`` requests in flight."""
    started = time.perf_counter()
    report = SummaryReport()
    docs = {
        d["doc_id"]: d
        for d in store.documents(doc_ids, ["doc_id", "content_hash", "status", "lang", "title"])
    }
    stored = store.summary_keys(doc_ids)
    todo: dict[str, str] = {}
    for doc_id in doc_ids:
        doc = docs.get(doc_id)
        if doc is None or doc["status"] != "ok":
            if doc_id in stored:
                report.removed.append(doc_id)
            continue
        key = summary_key(doc["content_hash"], summarizer.model)
        if stored.get(doc_id) == key:
            report.reused.append(doc_id)
        else:
            todo[doc_id] = key
    store.delete_summaries(report.removed)
    texts = {d["doc_id"]: d["text"] for d in store.documents(list(todo), ["doc_id", "text"])}
    pending_rows: list[SummaryRow] = []

    def flush() -> None:
        store.upsert_summaries(pending_rows)
        pending_rows.clear()

    def record(doc_id: str, summary: Summary) -> None:
        doc = docs[doc_id]
        report.written[doc_id] = summary
        pending_rows.append(
            SummaryRow(
                doc_id=doc_id,
                summary=summary.text,
                lang=doc["lang"],
                model=summary.model,
                backend=summarizer.backend,
                summary_key=todo[doc_id],
                prompt_tokens=summary.prompt_tokens,
                output_tokens=summary.output_tokens,
                parts=summary.parts,
                updated_at=datetime.now(UTC),
            )
        )
        if len(pending_rows) >= FLUSH_EVERY:
            flush()

    try:
        if parallel <= 1:
            for doc_id in todo:
                doc = docs[doc_id]
                record(doc_id, summarizer.summarize(doc["title"], texts[doc_id], doc["lang"]))
        else:
            _summarize_in_parallel(summarizer, todo, docs, texts, parallel, record)
    finally:
        flush()  # on failure too: finished summaries are kept, the re-run redoes only the rest
    report.seconds = time.perf_counter() - started
    return report


def _summarize_in_parallel(summarizer, todo, docs, texts, parallel, record) -> None:  # noqa: ANN001
    """Keep ``parallel`` documents in flight; stop submitting at the first failure.

    Longest first: the step ends when its last summary does, so a long document (a map-reduce
    with a serial merge) left to the end would keep one slot busy while the others idle.
    One document more than ``parallel`` is started: its prompt is built while the slots are
    busy and it waits on the Ollama connection's cap, so a freed slot is taken at once.
    """
    queue = sorted(todo, key=lambda doc_id: len(texts[doc_id]), reverse=True)
    ahead = parallel + 1
    with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="summary") as pool:
        running: dict[Future, str] = {}
        failure: BaseException | None = None
        while (queue and failure is None) or running:
            while queue and failure is None and len(running) < ahead:
                doc_id = queue.pop(0)
                doc = docs[doc_id]
                future = pool.submit(summarizer.summarize, doc["title"], texts[doc_id], doc["lang"])
                running[future] = doc_id
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                doc_id = running.pop(future)
                if future.exception() is not None:
                    failure = failure or future.exception()
                else:
                    record(doc_id, future.result())
        if failure is not None:
            raise failure
