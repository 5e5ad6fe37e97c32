"""The evaluation steps, shared by the assets (one candidate each, from the UI) and by
model_evaluation_job (every candidate in one run): build the candidate, call the plain
evaluation, record its model usage in the ledger, and return the metadata the UI plots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import stamina
from sqlalchemy.exc import IntegrityError  # what Dagster's SQL storages raise on a duplicate

from lab_pipelines.costs import price_book
from lab_pipelines.defs.evaluate.partitions import PARTITIONS_OF
from lab_pipelines.defs.evaluate.resources import EvaluationResource
from lab_pipelines.defs.resources import (
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
    TextWriterResource,
    backend_factory,
)
from lab_pipelines.evaluation import retrieval, summary, writer
from lab_pipelines.evaluation.candidates import (
    EMBEDDING,
    KINDS,
    SUMMARY,
    WRITER,
    Candidates,
    parse_candidates,
)
from lab_pipelines.evaluation.evalset import EvalQuestion, read_questions
from lab_pipelines.evaluation.judge import REPLY_TOKENS, Judge
from lab_pipelines.models.base import Embedder, Summarizer, Writer
from lab_pipelines.models.candidates import CandidateFactory
from lab_pipelines.settings import OFFLINE
from lab_pipelines.store import Store
from lab_pipelines.store.rows import DOCUMENTS
from lab_pipelines.usage import ledger_row

Context = dg.AssetExecutionContext | dg.OpExecutionContext
ASSET_OF = {EMBEDDING: "retrieval_eval", SUMMARY: "summary_eval", WRITER: "writer_eval"}


@dataclass(frozen=True)
class EvalResources:
    store: StoreResource
    local_models: LocalModelsResource
    text_writer: TextWriterResource
    telemetry: TelemetryResource
    evaluation: EvaluationResource


def configured_candidates(evaluation: EvaluationResource) -> Candidates:
    """The settings' candidates: the models the pipeline runs first, then LAB_CANDIDATES."""
    return parse_candidates(
        evaluation.candidates,
        summary_model=evaluation.summary_model,
        embedding_model=evaluation.embedding_model,
        writer_model=evaluation.writer_model,
    )


def register_candidates(instance: dg.DagsterInstance, candidates: Candidates) -> list[str]:
    """Add the candidates that have no partition yet; returns those that had none when this
    call looked, as kind/name (two runs at once may both name one; it is added once).

    Dagster's ``add_dynamic_partitions`` reads the table, then inserts what it did not find,
    so two evaluation runs registering the same new candidate at once (the Ollama pool lets
    two run) collide on the table's unique key. The one that loses reads again and finds the
    candidate added: 4 processes registering 40 new names at once failed 89 of 160 calls
    before (lab_pipelines_tests/defs/evaluate/test_registration.py)."""
    added = []
    for kind in KINDS:
        name = PARTITIONS_OF[kind].name
        for attempt in stamina.retry_context(
            on=IntegrityError, attempts=5, timeout=10, wait_initial=0.01, wait_max=0.2
        ):
            with attempt:
                known = set(instance.get_dynamic_partitions(name))
                new = [c for c in candidates.of(kind) if c not in known]
                if new:
                    instance.add_dynamic_partitions(name, new)
        added += [f"{kind}/{c}" for c in new]
    return added


def factory(local_models: LocalModelsResource, text_writer: TextWriterResource) -> CandidateFactory:
    """Every candidate's backend, built from the run's model resources."""
    return backend_factory(local_models, text_writer)


def as_metadata(figures: dict[str, float]) -> dict[str, dg.MetadataValue]:
    """Floats and ints as typed metadata: the UI plots them across materialisations."""
    return {
        key: dg.MetadataValue.int(value)
        if isinstance(value, int)
        else dg.MetadataValue.float(value)
        for key, value in figures.items()
    }


def latest_figures(instance: dg.DagsterInstance, kind: str, candidate: str) -> dict[str, float]:
    """The numeric metadata of the candidate's latest evaluation (empty if never evaluated)."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(ASSET_OF[kind]), asset_partitions=[candidate]),
        limit=1,
    ).records
    if not records or records[0].asset_materialization is None:
        return {}
    metadata = records[0].asset_materialization.metadata
    return {
        k: float(v.value)
        for k, v in metadata.items()
        if isinstance(v, dg.FloatMetadataValue | dg.IntMetadataValue) and v.value is not None
    }


def _record(
    context: Context,
    res: EvalResources,
    store: Store,
    asset: str,
    model: Summarizer | Embedder | Writer,
    documents: int,
    judge: Judge | None = None,
) -> None:
    """The evaluation's model calls (and its judge's) go into the usage ledger like the
    pipeline's own."""
    used = [(asset, model, documents)]
    if judge is not None:
        used.append((f"{asset}:judge", judge.writer, judge.grades))
    rows = [
        ledger_row(
            run_id=context.run.run_id,
            asset=name,
            backend=backend.backend,
            model=backend.model,
            counter=backend.counter,
            documents=n,
            seconds=backend.counter.timings.total_ns / 1e9,
            prices=price_book(),
            reference_model=res.telemetry.reference_model,
            timezone=res.telemetry.timezone,
        )
        for name, backend, n in used
        if backend.counter.calls
    ]
    store.record_usage(rows)


def _questions(evaluation: EvaluationResource, store: Store) -> tuple[list[EvalQuestion], int]:
    """The set's questions that name at least one stored document, and how many did not."""
    stored = {r["doc_id"] for r in store.read(DOCUMENTS, ["doc_id"])}
    questions = read_questions(Path(evaluation.questions_file))
    usable = [q for q in questions if q.relevant & stored]
    if not usable:
        raise dg.Failure(
            f"none of the {len(questions)} questions of {evaluation.questions_file} names a "
            "document of the store: run `lab-pipelines run` first, or point LAB_EVAL_QUESTIONS "
            "at the set written for this inbox"
        )
    return usable, len(questions) - len(usable)


def _judge(evaluation: EvaluationResource, text_writer: TextWriterResource) -> Judge | None:
    if evaluation.judge_usd <= 0 or text_writer.backend == OFFLINE:
        return None
    model = text_writer.gemini_model
    # Thinking off and short replies: a grade costs little, and the cap bounds the rest.
    grader = CandidateFactory(text_writer.as_settings()).writer(
        f"{model}@0", max_output_tokens=REPLY_TOKENS
    )
    return Judge(grader, price_book().price(model), evaluation.judge_usd)


def evaluate_embedding(context: Context, candidate: str, res: EvalResources) -> dict:
    store: Store = res.store.open()
    build = factory(res.local_models, res.text_writer)
    embedder = build.embedder(candidate)
    questions, skipped = _questions(res.evaluation, store)
    doc_ids = store.ok_document_ids()
    result = retrieval.evaluate_retrieval(store, embedder, questions, doc_ids)
    speed, from_corpus = result.embed_tokens_per_s, result.embedded_corpus
    previous = latest_figures(context.instance, EMBEDDING, candidate)
    if not from_corpus and previous.get("speed_from_corpus"):
        # Nothing new to embed: the speed measured when this model embedded the store stands.
        speed, from_corpus = previous["embed_tokens_per_s"], True
    connection = build.ollama
    memory = connection.resident_bytes(candidate) if connection else None
    _record(context, res, store, f"retrieval_eval[{candidate}]", embedder, result.texts_embedded)
    figures: dict[str, float] = {
        **result.figures,
        "questions": result.questions,
        "questions_naming_no_stored_document": skipped,
        "documents": result.documents,
        "texts_embedded": result.texts_embedded,
        "vectors_reused": result.vectors_reused,
        "embed_tokens_per_s": speed,
        "speed_from_corpus": int(from_corpus),
        "resident_memory_gb": round(memory / 1e9, 2) if memory else 0.0,
        "node_b_hours_per_1000_docs": retrieval.node_b_hours_per_1000_docs(
            result.tokens_per_document, speed
        ),
    }
    misses = "\n".join(
        f"- ({lang}) {q} → {', '.join(top) or 'nothing'}" for q, lang, top in result.misses
    )
    return {
        **as_metadata(figures),
        "candidate": candidate,
        "backend": embedder.backend,
        "missed_at_5": dg.MetadataValue.md(misses or "every question found at 5"),
    }


def evaluate_summary(context: Context, candidate: str, res: EvalResources) -> dict:
    store: Store = res.store.open()
    evaluation: EvaluationResource = res.evaluation
    build = factory(res.local_models, res.text_writer)
    summarizer = build.summarizer(candidate)
    sample = summary.sample_documents(store, evaluation.sample_docs)
    if not sample:
        raise dg.Failure("no document is stored yet: run `lab-pipelines run` first")
    connection = build.ollama
    judge = _judge(evaluation, res.text_writer)
    result = summary.evaluate_summaries(
        summarizer,
        sample,
        (lambda: connection.resident_bytes(candidate)) if connection else (lambda: None),
        judge,
    )
    _record(context, res, store, f"summary_eval[{candidate}]", summarizer, len(sample), judge)
    return {
        **as_metadata(result.figures),
        "candidate": candidate,
        "backend": summarizer.backend,
        "sample": dg.MetadataValue.json(sorted(result.summaries)),
        "summaries": dg.MetadataValue.md(summary.details_markdown(result)),
    }


def evaluate_writer(context: Context, candidate: str, res: EvalResources) -> dict:
    store: Store = res.store.open()
    text_writer: TextWriterResource = res.text_writer
    writer_model = factory(res.local_models, text_writer).writer(candidate)
    if writer_model.backend == "gemini":
        price_book().price(writer_model.model)  # no price, no evaluation: fails naming the fix
    questions, skipped = _questions(res.evaluation, store)
    judge = _judge(res.evaluation, text_writer)
    result = writer.evaluate_writer(
        store,
        res.local_models.embedder(),
        writer_model,
        candidate,
        questions,
        text_writer.prompt_token_budget,
        price_book(),
        judge,
    )
    name = f"writer_eval[{candidate}]"
    _record(context, res, store, name, writer_model, len(questions), judge)
    return {
        **as_metadata({**result.figures, "questions_naming_no_stored_document": skipped}),
        "candidate": candidate,
        "backend": writer_model.backend,
        "prices_read_on": price_book().read_on,
        "answers": dg.MetadataValue.md(writer.details_markdown(result)),
    }


EVALUATE = {EMBEDDING: evaluate_embedding, SUMMARY: evaluate_summary, WRITER: evaluate_writer}
