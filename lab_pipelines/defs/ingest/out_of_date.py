"""Which indexed documents the store does not hold as the settings now want them: what the
night backfill re-runs, and what `lab-pipelines run` asks the inbox sensor to catch up on."""

from collections.abc import Collection

from lab_pipelines.defs.resources import InboxResource, LocalModelsResource
from lab_pipelines.inbox import InboxFile
from lab_pipelines.stages.freshness import stale_documents
from lab_pipelines.store import Store
from lab_pipelines.watch import InboxState


def out_of_date(
    files: list[InboxFile],
    index: InboxState,
    partitions: Collection[str],
    inbox: InboxResource,
    store: Store,
    local_models: LocalModelsResource,
) -> tuple[dict[str, str], int]:
    """(doc_id → why it is not current, how many documents were looked at).

    Only documents the inbox sensor has indexed and that have a partition: what it has not seen
    yet is its own next tick's work, and its hashes spare reading every file here."""
    indexed = {doc_id: entry[2] for doc_id, entry in index.files.items()}
    keys = set(partitions)
    current = {f.doc_id: f for f in files if f.doc_id in indexed and f.doc_id in keys}
    stale = stale_documents(
        store,
        current,
        summary_model=local_models.summary_model_name(),
        embedding_model=local_models.embedding_model_name(),
        chunk_chars=inbox.chunk_chars,
        chunk_overlap_chars=inbox.chunk_overlap_chars,
        max_bytes=inbox.max_file_mb * 1_000_000,
        known_hashes=indexed,
    )
    return stale, len(current)
