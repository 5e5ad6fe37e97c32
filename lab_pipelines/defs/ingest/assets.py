"""documents and chunks: the inbox's files as normalised text, and that text as chunk plans."""

import time
from pathlib import Path

import dagster as dg

from lab_pipelines.defs.checks import result, spec
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.metadata import counts_table
from lab_pipelines.defs.pools import LANCEDB_POOL
from lab_pipelines.defs.resources import InboxResource, LanceStoreResource, TelemetryResource
from lab_pipelines.defs.telemetry import observe_step
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.models.base import CallCounter
from lab_pipelines.placement import COMPUTE_NODE, op_tags
from lab_pipelines.quality import documents_without_chunks, duplicate_ids
from lab_pipelines.stages.ingest import ingest_documents, plan_chunks
from lab_pipelines.store import CHUNKS
from lab_pipelines.text.fingerprints import CHUNKER_VERSION, PARSER_VERSION

# A ranged run covers many documents in one step; 100 keeps a step's memory and run time modest.
DOCUMENT_BACKFILL = dg.BackfillPolicy.multi_run(max_partitions_per_run=100)


@dg.asset(
    partitions_def=document_partitions,
    backfill_policy=DOCUMENT_BACKFILL,
    group_name="ingest",
    kinds={"python", "lancedb"},
    owners=["team:homelab"],
    pool=LANCEDB_POOL,
    op_tags=op_tags(COMPUTE_NODE),
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
    lance: LanceStoreResource,
    telemetry: TelemetryResource,
) -> dg.MaterializeResult:
    started = time.perf_counter()
    files = {f.doc_id: f for f in scan_inbox(Path(inbox.inbox_dir))}
    report = ingest_documents(
        lance.store(), files, context.partition_keys, inbox.max_file_mb * 1_000_000
    )
    for doc_id, reason in report.skipped.items():
        context.log.warning(f"skipped {doc_id}: {reason}")
    observe_step(
        context,
        telemetry,
        lance,
        asset="documents",
        backend="local",
        model="parser",
        counter=CallCounter(),
        documents=len(report.parsed),
        seconds=time.perf_counter() - started,
    )
    return dg.MaterializeResult(
        metadata={
            "parsed": len(report.parsed),
            "unchanged": len(report.unchanged),
            "skipped": len(report.skipped),
            "removed": len(report.removed),
            "characters": report.chars,
            "formats": counts_table(report.formats, "format"),
            "languages": counts_table(report.langs, "language"),
            "skip_reasons": dg.MetadataValue.md(
                "\n".join(f"- `{d}`: {r}" for d, r in report.skipped.items()) or "none"
            ),
        }
    )


@dg.asset(
    partitions_def=document_partitions,
    backfill_policy=DOCUMENT_BACKFILL,
    deps=[documents],
    group_name="ingest",
    kinds={"python", "lancedb"},
    owners=["team:homelab"],
    pool=LANCEDB_POOL,
    op_tags=op_tags(COMPUTE_NODE),
    code_version=CHUNKER_VERSION,
    check_specs=[
        spec(
            "every_document_has_chunks",
            "chunks",
            "An ingested document with zero chunks would be invisible to search.",
            True,
        ),
        spec(
            "no_duplicate_chunk_ids",
            "chunks",
            "Each chunk id is stored once (the LanceDB writer lock keeps it so).",
            True,
        ),
    ],
    description=(
        "Heading-aware chunk plans in LanceDB `chunks`: Korean sentences split with Kiwi, a "
        "character budget with whole-sentence overlap. A document's chunks are replaced in one "
        "commit; unchanged documents are not re-chunked."
    ),
)
def chunks(
    context: dg.AssetExecutionContext,
    inbox: InboxResource,
    lance: LanceStoreResource,
    telemetry: TelemetryResource,
) -> dg.MaterializeResult:
    started = time.perf_counter()
    store = lance.store()
    keys = context.partition_keys
    report = plan_chunks(store, keys, inbox.chunk_chars, inbox.chunk_overlap_chars)
    observe_step(
        context,
        telemetry,
        lance,
        asset="chunks",
        backend="local",
        model="chunker",
        counter=CallCounter(),
        documents=len(report.planned),
        seconds=time.perf_counter() - started,
    )
    return dg.MaterializeResult(
        metadata={
            "documents_chunked": len(report.planned),
            "chunks_written": sum(report.planned.values()),
            "unchanged": len(report.unchanged),
            "emptied": len(report.emptied),
            "chunk_chars": inbox.chunk_chars,
            "chunker_version": CHUNKER_VERSION,
        },
        check_results=[
            result(
                "every_document_has_chunks",
                "chunks",
                documents_without_chunks(store, keys),
                "documents without chunks",
            ),
            result(
                "no_duplicate_chunk_ids",
                "chunks",
                duplicate_ids(store, CHUNKS, "chunk_id", keys),
                "duplicated chunk ids",
            ),
        ],
    )
