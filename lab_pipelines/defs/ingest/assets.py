"""documents and chunks: the inbox's files as normalised text, and that text as chunk plans."""

import time
from pathlib import Path

import dagster as dg

from lab_pipelines.defs.ingest.partitions import PER_DOCUMENT
from lab_pipelines.defs.metadata import counts_table, per_partition, range_totals
from lab_pipelines.defs.resources import InboxResource, StoreResource, TelemetryResource
from lab_pipelines.defs.step_options import LANCEDB_STEP
from lab_pipelines.defs.telemetry import NoModel, observe_step
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.stages.ingest import ingest_documents, plan_chunks
from lab_pipelines.text.fingerprints import CHUNKER_VERSION, PARSER_VERSION


@dg.asset(
    **PER_DOCUMENT,
    **LANCEDB_STEP,
    group_name="ingest",
    kinds={"python", "lancedb"},
    code_version=PARSER_VERSION,
    description=(
        "One row per inbox file in LanceDB `documents`: the text parsed from Markdown, MDX, rST, "
        "AsciiDoc, HTML, PDF, notebooks or plain text, NFC-normalised, with its language. Files "
        "that cannot be ingested are kept as `skipped` with the reason and the fix."
    ),
)
def documents(
    context: dg.AssetExecutionContext,
    inbox: InboxResource,
    store: StoreResource,
    telemetry: TelemetryResource,
) -> dg.MaterializeResult:
    started = time.perf_counter()
    store = store.open()
    files = {f.doc_id: f for f in scan_inbox(Path(inbox.inbox_dir))}
    report = ingest_documents(store, files, context.partition_keys, inbox.max_file_mb * 1_000_000)
    for doc_id, reason in report.skipped.items():
        context.log.warning(f"skipped {doc_id}: {reason}")
    # Only the documents that were not ingested get facts of their own: each call costs Dagster
    # a read of the whole partition set, and a parsed document's row says the rest.
    per_partition(
        context,
        {
            **{d: {"status": "skipped", "skip_reason": r} for d, r in report.skipped.items()},
            **{d: {"status": "removed: no longer in the inbox"} for d in report.removed},
        },
    )
    seconds = time.perf_counter() - started
    observe_step(
        context, telemetry, store, NoModel("parser"), documents=len(report.parsed), seconds=seconds
    )
    return dg.MaterializeResult(
        metadata=range_totals(
            context.partition_keys,
            {
                "parsed": len(report.parsed),
                "unchanged": len(report.unchanged),
                "skipped": len(report.skipped),
                "removed": len(report.removed),
                "characters": report.chars,
                "formats": counts_table(report.formats, "format"),
                "languages": counts_table(report.langs, "language"),
            },
        )
    )


@dg.asset(
    **PER_DOCUMENT,
    **LANCEDB_STEP,
    deps=[documents],
    group_name="ingest",
    kinds={"python", "lancedb"},
    code_version=CHUNKER_VERSION,
    description=(
        "Heading-aware chunk plans in LanceDB `chunks`: Korean sentences split with Kiwi, a "
        "character budget (LAB_CHUNK_CHARS) with whole-sentence overlap. The step's re-chunked "
        "documents are replaced in one commit; a document whose text and chunker settings are "
        "unchanged is not re-chunked."
    ),
)
def chunks(
    context: dg.AssetExecutionContext,
    inbox: InboxResource,
    store: StoreResource,
    telemetry: TelemetryResource,
) -> dg.MaterializeResult:
    started = time.perf_counter()
    store = store.open()
    keys = context.partition_keys
    report = plan_chunks(store, keys, inbox.chunk_chars, inbox.chunk_overlap_chars)
    seconds = time.perf_counter() - started
    observe_step(
        context,
        telemetry,
        store,
        NoModel("chunker"),
        documents=len(report.planned),
        seconds=seconds,
    )
    return dg.MaterializeResult(
        metadata={
            **range_totals(
                keys,
                {
                    "documents_chunked": len(report.planned),
                    "chunks_written": sum(report.planned.values()),
                    "unchanged": len(report.unchanged),
                    "emptied": len(report.emptied),
                },
            ),
            "chunk_chars": inbox.chunk_chars,
            "chunker_version": CHUNKER_VERSION,
        },
    )
