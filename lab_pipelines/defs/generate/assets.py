"""generated_outputs, ad_hoc_output and daily_digest: Gemini's final text, grounded in retrieved
documents and their local summaries."""

import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from pydantic import Field

from lab_pipelines.defs.checks import partition_check_results, partition_check_specs
from lab_pipelines.defs.embed.assets import embeddings
from lab_pipelines.defs.generate.partitions import daily_partitions, request_partitions
from lab_pipelines.defs.metadata import per_partition, preview, range_totals
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
    TextWriterResource,
)
from lab_pipelines.defs.step_options import LANCEDB_STEP, OLLAMA_STEP
from lab_pipelines.defs.summarize.assets import summaries
from lab_pipelines.defs.telemetry import observe_step
from lab_pipelines.inbox import request_files
from lab_pipelines.settings import current_settings
from lab_pipelines.stages.generate import (
    GeneratedOutput,
    generate_digest,
    generate_output,
    write_output_file,
)
from lab_pipelines.text.fingerprints import ANSWER_PROMPT_VERSION, fingerprint

_CODE_VERSION = f"{ANSWER_PROMPT_VERSION}:{current_settings().gemini_model}"
_ALL_DOCUMENTS = dg.AssetDep(embeddings, partition_mapping=dg.AllPartitionMapping())


def _cited_links(output: GeneratedOutput) -> dg.MetadataValue:
    """Links from an output to the documents it cites (their partitions in the UI)."""
    lines = [
        f"- [{s.doc_id}](/assets/documents?partition={urllib.parse.quote(s.doc_id)}) — {s.title}"
        for s in output.cited
    ]
    return dg.MetadataValue.md("\n".join(lines) or "no document cited")


def _output_metadata(output: GeneratedOutput, path: Path) -> dict:
    return {
        "regenerated": output.answer is not None,
        "thinking_tokens": output.row["thinking_tokens"],
        "prompt_tokens_estimated": output.prompt.prompt_tokens,
        "sources_offered": len(output.prompt.sources),
        "cited_documents": _cited_links(output),
        "cited_doc_ids": dg.MetadataValue.json([s.doc_id for s in output.cited]),
        # What retrieval offered, best first, with the fused score each hit got.
        "sources": dg.MetadataValue.md(
            "\n".join(
                f"{s['rank']}. `{s['doc_id']}` {s['title']} ({s['score']:.4f})"
                for s in output.sources
            )
            or "no document matched"
        ),
        "output_file": dg.MetadataValue.path(str(path)),
        "preview": preview(output.markdown, 4000),
    }


@dg.asset(
    **OLLAMA_STEP,  # the question's own embedding is an Ollama call
    partitions_def=request_partitions,
    deps=[_ALL_DOCUMENTS],
    group_name="generate",
    kinds={"gemini", "ollama", "lancedb"},
    code_version=_CODE_VERSION,
    check_specs=partition_check_specs("generated_outputs"),
    description=(
        "For each request file: hybrid retrieval (vector + full-text, fused by reciprocal rank), "
        "a prompt within the token budget from summaries and top chunks, and Markdown written by "
        "Gemini (or the offline extractive writer) that cites the documents it used, in LanceDB "
        "`outputs` and `outputs/<request>.md`. An unchanged prompt reuses the stored answer."
    ),
)
def generated_outputs(
    context: dg.AssetExecutionContext,
    inbox: InboxResource,
    store: StoreResource,
    local_models: LocalModelsResource,
    text_writer: TextWriterResource,
    telemetry: TelemetryResource,
) -> Iterator[dg.MaterializeResult | dg.Output | dg.AssetCheckEvaluation]:
    started = time.perf_counter()
    requests = {f.doc_id: f for f in request_files(Path(inbox.requests_dir))}
    outputs = store.outputs_dir
    store, embedder, writer = store.open(), local_models.embedder(), text_writer.writer()
    own: dict[str, dict] = {}  # request id → its output's metadata, for its own partition
    for request_id in context.partition_keys:
        request = requests.get(request_id)
        if request is None:
            store.delete_output(request_id)
            context.log.warning(f"request {request_id} is no longer in {inbox.requests_dir}")
            continue
        question = request.path.read_text(encoding="utf-8").strip()
        if not question:
            raise dg.Failure(f"request file {request.relpath} is empty: write the question in it")
        output = generate_output(
            store, embedder, writer, request_id, question, text_writer.prompt_token_budget
        )
        path = write_output_file(outputs, output)
        own[request_id] = _output_metadata(output, path)
    per_partition(context, own)
    regenerated = sum(1 for m in own.values() if m["regenerated"])  # outputs actually written
    seconds = time.perf_counter() - started
    observed = observe_step(
        context, telemetry, store, writer, documents=regenerated, seconds=seconds
    )
    yield dg.MaterializeResult(metadata=range_totals(context.partition_keys, observed))
    yield from partition_check_results(context, store)


class Question(dg.Config):
    # No default: Materialize then opens the launchpad to ask for it, instead of paying for a
    # Gemini call on a question nobody asked.
    question: str = Field(
        description="The question to answer, e.g. 쿠버네티스에서 파드란 무엇인가요?"
    )


@dg.asset(
    **OLLAMA_STEP,
    deps=[_ALL_DOCUMENTS],
    # A group of its own, so the generate group's "Materialize all" does not include it.
    group_name="ask",
    kinds={"gemini", "ollama", "lancedb"},
    code_version=_CODE_VERSION,
    description=(
        "An ad-hoc question asked from the launchpad (run config `question`, required: "
        "Materialize opens the launchpad, nothing is spent before a question is written), "
        "answered like a request file: retrieval, a budgeted prompt, cited Markdown. In a group "
        "of its own, so the generate group's Materialize all leaves it out."
    ),
)
def ad_hoc_output(
    context: dg.AssetExecutionContext,
    config: Question,
    store: StoreResource,
    local_models: LocalModelsResource,
    text_writer: TextWriterResource,
    telemetry: TelemetryResource,
) -> dg.MaterializeResult:
    started = time.perf_counter()
    if not config.question.strip():
        raise dg.Failure("the question is empty: set `question` in the launchpad's run config")
    writer = text_writer.writer()
    outputs, store = store.outputs_dir, store.open()
    request_id = "ad-hoc/" + fingerprint(config.question.strip())[:12]
    output = generate_output(
        store,
        local_models.embedder(),
        writer,
        request_id,
        config.question,
        text_writer.prompt_token_budget,
    )
    path = write_output_file(outputs, output)
    seconds = time.perf_counter() - started
    observed = observe_step(context, telemetry, store, writer, documents=1, seconds=seconds)
    return dg.MaterializeResult(metadata={**observed, **_output_metadata(output, path)})


@dg.asset(
    partitions_def=daily_partitions,
    **LANCEDB_STEP,
    deps=[dg.AssetDep(summaries, partition_mapping=dg.AllPartitionMapping())],
    group_name="generate",
    kinds={"gemini", "lancedb"},
    code_version=_CODE_VERSION,
    description=(
        "One digest per day (LAB_TIMEZONE, Asia/Seoul by default) of the documents ingested or "
        "updated that day, written by Gemini (or the offline extractive writer) from their "
        "local summaries, in LanceDB `outputs` as `digest/<day>` and in "
        "`outputs/digest/<day>.md`; a day without documents makes no call. Backfill past days "
        "from the asset's partitions page."
    ),
)
def daily_digest(
    context: dg.AssetExecutionContext,
    store: StoreResource,
    text_writer: TextWriterResource,
    telemetry: TelemetryResource,
) -> dg.MaterializeResult:
    started = time.perf_counter()
    window = context.partition_time_window
    writer = text_writer.writer()
    outputs, store = store.outputs_dir, store.open()
    output = generate_digest(
        store,
        writer,
        context.partition_key,
        window.start,
        window.end,
        text_writer.prompt_token_budget,
    )
    seconds = time.perf_counter() - started
    if output is None:
        return dg.MaterializeResult(metadata={"documents": 0, "model_calls": 0})
    path = write_output_file(outputs, output)
    n = len(output.prompt.sources) if output.answer is not None else 0
    observed = observe_step(context, telemetry, store, writer, documents=n, seconds=seconds)
    return dg.MaterializeResult(
        metadata={"documents": n, **observed, **_output_metadata(output, path)}
    )
