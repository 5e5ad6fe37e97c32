"""Asset checks, each declared once in a table below: the spec an asset shows and the result it
records come from the same entry.

- Per-partition rules (``PARTITION_CHECKS``: one document, one request) are evaluated for every
  partition of a ranged step and recorded on that partition. They never block: one bad
  document must not fail the step of the other 99 or keep their embeddings from being made.
- Whole-table invariants (``TABLE_CHECKS``) are asset checks of their own, blocking, so a person
  can also run them alone from an asset's Checks tab.

Why per-document results are ``AssetCheckEvaluation``s and not ``AssetCheckResult``s: in
Dagster 1.13 an ``AssetCheckResult`` carries no partition; it is given the step's partition
only when the step has exactly one (``AssetCheckResult.to_asset_check_evaluation``). An
``AssetCheckEvaluation`` carries ``partition``, and the event log updates the row that the
run's planned event made for that partition of a partitioned check.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import dagster as dg

from lab_pipelines import quality
from lab_pipelines.defs.dagster_private import AssetCheckEvaluationTargetMaterializationData
from lab_pipelines.defs.generate.partitions import request_partitions
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.resources import InboxResource, LocalModelsResource, StoreResource
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.placement import INFERENCE_NODE, op_tags
from lab_pipelines.store import Store
from lab_pipelines.store.rows import CHUNKS
from lab_pipelines.store.vectors import embeddings_table_name

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN


Finder = Callable[[Store, Sequence[str], str], Mapping[str, str]]  # store, keys, embed model


@dataclass(frozen=True)
class Rule:
    """One rule of a check: ``find`` returns partition key → what is wrong, for offenders."""

    find: Finder
    severity: dg.AssetCheckSeverity = ERROR


@dataclass(frozen=True)
class PartitionCheck:
    """A check of each partition's data, failed by any of its rules, at the worst severity
    found. Rules share a check because each check costs an event per partition per run, as
    much as the materialisation itself."""

    asset: str
    name: str
    description: str
    rules: tuple[Rule, ...]
    partitions_def: dg.PartitionsDefinition = document_partitions

    @cached_property
    def spec(self) -> dg.AssetCheckSpec:
        # Partitioned check specs are a preview in 1.13; chosen knowingly (see the module's
        # docstring), so the warning is not repeated on every load of the code location.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dg.PreviewWarning)
            return dg.AssetCheckSpec(
                self.name,
                asset=self.asset,
                description=f"{self.description} Recorded per partition; never blocks the others.",
                blocking=False,
                partitions_def=self.partitions_def,
            )

    def problems(
        self, store: Store, keys: Sequence[str], embedding_model: str
    ) -> dict[str, tuple[dg.AssetCheckSeverity, list[str]]]:
        found: dict[str, tuple[dg.AssetCheckSeverity, list[str]]] = {}
        for rule in self.rules:
            for key, problem in rule.find(store, keys, embedding_model).items():
                severity, problems = found.get(key, (WARN, []))
                worst = ERROR if ERROR in (severity, rule.severity) else WARN
                found[key] = (worst, [*problems, problem])
        return found


PARTITION_CHECKS = (
    PartitionCheck(
        "summaries",
        "summary_matches_document",
        "The document has a summary and it is not empty (ERROR: a model can answer with no "
        "text), in the document's language (WARN: Korean documents get Korean summaries, "
        "English ones English).",
        (
            Rule(lambda store, ids, _: quality.empty_summaries(store, ids)),
            Rule(lambda store, ids, _: quality.summary_language_mismatches(store, ids), WARN),
        ),
    ),
    PartitionCheck(
        "embeddings",
        "vectors_have_unit_norm",
        "Every vector of the document has the table's dimension (its most common one) and unit "
        "length within 1e-3 (a model can return NaN for some inputs).",
        (Rule(lambda store, ids, model: quality.bad_vectors(store, model, ids)),),
    ),
    PartitionCheck(
        "generated_outputs",
        "cited_documents_exist",
        "Every document an output cites is still in the store's `documents` table, i.e. its "
        "file has not left the inbox (WARN).",
        (
            Rule(
                lambda store, ids, _: {
                    request_id: "cites documents no longer in the inbox: " + ", ".join(gone)
                    for request_id, gone in quality.outputs_citing_missing_documents(
                        store, ids
                    ).items()
                },
                WARN,
            ),
        ),
        request_partitions,
    ),
)


def partition_check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [c.spec for c in PARTITION_CHECKS if c.asset == asset]


def partition_check_results(
    context: dg.AssetExecutionContext, store: Store, embedding_model: str = ""
) -> Iterator[dg.Output | dg.AssetCheckEvaluation]:
    """One evaluation per selected check and partition of the step, on that partition.

    Yield these after the step's MaterializeResult: each points at its partition's new
    materialisation, which is what makes it that partition's current check status.
    """
    key = context.assets_def.key
    checks = [
        c
        for c in PARTITION_CHECKS
        if c.asset == key.path[-1] and c.spec.key in context.selected_asset_check_keys
    ]
    if not checks:
        return
    keys = list(context.partition_keys)
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=keys), limit=len(keys)
    ).records
    targets: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    for record in records:  # newest first
        if record.partition_key and record.partition_key not in targets:
            targets[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
            )
    for check in checks:
        # The check's output, which Dagster expects from the step like any other.
        yield dg.Output(
            None, output_name=context.assets_def.get_output_name_for_asset_check_key(check.spec.key)
        )
        found = check.problems(store, keys, embedding_model)
        for partition in keys:
            severity, problems = found.get(partition, (ERROR, []))
            yield dg.AssetCheckEvaluation(
                asset_key=key,
                check_name=check.name,
                passed=not problems,
                partition=partition,
                severity=severity,
                blocking=False,
                description="; ".join(problems) or "ok",
                target_materialization_data=targets.get(partition),
            )


def _result(offenders: Sequence[str], what: str) -> dg.AssetCheckResult:
    """Passed when there are no offenders; otherwise the first of them in the metadata."""
    return dg.AssetCheckResult(
        passed=not offenders,
        description=f"{len(offenders)} {what}" if offenders else f"no {what}",
        metadata={"count": len(offenders), "first": dg.MetadataValue.json(list(offenders[:20]))},
    )


def _store_problems(inbox: InboxResource, store: Store, models: LocalModelsResource) -> list:
    return quality.store_matches_inbox(
        store,
        {f.doc_id: f for f in scan_inbox(Path(inbox.inbox_dir))},
        summary_model=models.summary_model_name(),
        embedding_model=models.embedding_model_name(),
        chunk_chars=inbox.chunk_chars,
        chunk_overlap_chars=inbox.chunk_overlap_chars,
        max_bytes=inbox.max_file_mb * 1_000_000,
    )


TableFinder = Callable[[InboxResource, Store, LocalModelsResource], Sequence[str]]


@dataclass(frozen=True)
class TableCheck:
    """A blocking invariant of a whole table: ``find`` returns the offenders, ``what`` names
    them in the result. ``in_document_runs=False`` keeps it out of the sensor's runs."""

    asset: str
    name: str
    description: str
    what: str
    find: TableFinder
    in_document_runs: bool = True

    @cached_property
    def definition(self) -> dg.AssetChecksDefinition:
        # It holds the local-models resource (for the embedding model's name), and the
        # placement rule puts every step holding an Ollama client on node B: one exact rule
        # beats a special case, and these reads of LanceDB take seconds.
        @dg.asset_check(
            asset=self.asset,
            name=self.name,
            description=self.description,
            blocking=True,
            op_tags=op_tags(INFERENCE_NODE),
        )
        def _check(
            inbox: InboxResource, store: StoreResource, local_models: LocalModelsResource
        ) -> dg.AssetCheckResult:
            return _result(self.find(inbox, store.open(), local_models), self.what)

        return _check


_TABLE_RULES = (
    TableCheck(
        "chunks",
        "no_duplicate_chunk_ids",
        "No chunk id is stored twice anywhere in the `chunks` table (the store's writer lock "
        "keeps it so). Blocking: embeddings wait for it in the same run.",
        "duplicated chunk ids",
        lambda _inbox, store, _models: quality.duplicate_ids(store, CHUNKS, "chunk_id"),
    ),
    TableCheck(
        "embeddings",
        "no_duplicate_vector_rows",
        "No chunk or summary has more than one row anywhere in the embedding model's table "
        "(`embeddings__<model>`).",
        "duplicated vector rows",
        lambda _inbox, store, models: quality.duplicate_ids(
            store, embeddings_table_name(models.embedding_model_name()), "row_id"
        ),
    ),
    TableCheck(
        "embeddings",
        "store_matches_inbox",
        "The whole store matches the inbox: every document has one current set of chunks, "
        "vectors and summary, nothing is duplicated, nothing of a deleted file remains. Run it "
        "from this Checks tab; the sensor's runs leave it out, since a run covers only part of "
        "the inbox while the rest is still queued.",
        "problems between the store and the inbox",
        _store_problems,
        in_document_runs=False,
    ),
)

TABLE_CHECKS = [c.definition for c in _TABLE_RULES]

# What the document pipeline's job leaves out (see store_matches_inbox's description).
ON_DEMAND_CHECKS = [
    dg.AssetCheckKey(dg.AssetKey(c.asset), c.name) for c in _TABLE_RULES if not c.in_document_runs
]
