"""Does tonight's backlog fit? Node B's memory and the night window, against measured speeds.

Conservative on purpose: one request at a time (two in flight on 8 CPU cores share the cores,
so they add little), document tokens by the pipeline's estimate (which over-counts), and the
model load paid once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lab_pipelines.inbox import InboxFile
from lab_pipelines.store import Store
from lab_pipelines.text.tokens import estimate_tokens

NODE_B_MEMORY_GB = 64.0
# Left to the OS, the kubelet and the page cache Ollama's memory-mapped weights lean on.
NODE_B_RESERVED_GB = 8.0
# Vectors per document token: chunks overlap (LAB_CHUNK_OVERLAP_CHARS) and the summary is
# embedded too.
EMBED_TOKENS_PER_DOCUMENT_TOKEN = 1.2


@dataclass(frozen=True)
class Backlog:
    documents: int
    tokens: int  # estimated tokens of their text


def night_window_hours(backfill_cron: str, digest_hour: int) -> float:
    """Hours from the night backfill's start (a daily ``M H * * *`` cron) to the digest."""
    fields = backfill_cron.split()
    try:
        minute, hour = int(fields[0]), int(fields[1])
    except (IndexError, ValueError):
        return 4.0  # a cron this arithmetic cannot read: assume the shipped 01:00-05:00
    return round((digest_hour - hour - minute / 60) % 24, 2)


def summary_hours(
    backlog: Backlog,
    prompt_tokens_per_s: float,
    gen_tokens_per_s: float,
    output_tokens_per_document: float,
    load_s: float = 0.0,
) -> float | None:
    """Hours the backlog's summaries take at the measured speeds (None: speed unknown)."""
    if prompt_tokens_per_s <= 0 or gen_tokens_per_s <= 0:
        return None
    seconds = (
        load_s
        + backlog.tokens / prompt_tokens_per_s
        + backlog.documents * output_tokens_per_document / gen_tokens_per_s
    )
    return round(seconds / 3600, 3)


def embedding_hours(backlog: Backlog, tokens_per_s: float) -> float | None:
    if tokens_per_s <= 0:
        return None
    return round(backlog.tokens * EMBED_TOKENS_PER_DOCUMENT_TOKEN / tokens_per_s / 3600, 3)


def fits_memory(*resident_gb: float) -> bool:
    """Whether the models can stay loaded side by side (OLLAMA_KEEP_ALIVE) on node B."""
    return sum(resident_gb) <= NODE_B_MEMORY_GB - NODE_B_RESERVED_GB


def backlog_of(store: Store, files: Mapping[str, InboxFile], stale: Mapping[str, str]) -> Backlog:
    """The documents the night backfill would process, and their estimated tokens (stored
    text where there is one, else ~3.5 bytes a token of the file)."""
    texts = {d["doc_id"]: d["text"] for d in store.documents(list(stale), ["doc_id", "text"])}
    tokens = 0
    for doc_id in stale:
        text = texts.get(doc_id)
        if text:
            tokens += estimate_tokens(text)
        elif doc_id in files:
            tokens += int(files[doc_id].size / 3.5)
    return Backlog(len(stale), tokens)
