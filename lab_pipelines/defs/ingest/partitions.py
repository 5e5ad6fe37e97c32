"""One partition per document, and how ranged runs over them are cut."""

from typing import Any

import dagster as dg

from lab_pipelines.batching import MAX_PARTITIONS_PER_RUN

# One partition per document; the key is its path under the inbox (lab_pipelines.inbox).
document_partitions = dg.DynamicPartitionsDefinition(name="documents")

# A ranged run covers many documents in one step, as many as a sensor's run: the span that
# keeps a step's memory and run time modest.
DOCUMENT_BACKFILL = dg.BackfillPolicy.multi_run(max_partitions_per_run=MAX_PARTITIONS_PER_RUN)

# The decorator arguments of every per-document asset.
PER_DOCUMENT: dict[str, Any] = {
    "partitions_def": document_partitions,
    "backfill_policy": DOCUMENT_BACKFILL,
}
