"""One partition per candidate. The candidates of the settings (LAB_CANDIDATES plus the
configured models) are registered by candidate_sensor and by model_evaluation_job; one can
also be added in the UI's launch dialog. Dynamic, so a candidate dropped from the settings
keeps its history."""

import dagster as dg

from lab_pipelines.evaluation.candidates import EMBEDDING, SUMMARY, WRITER

summary_candidates = dg.DynamicPartitionsDefinition(name="summary_candidates")
embedding_candidates = dg.DynamicPartitionsDefinition(name="embedding_candidates")
writer_candidates = dg.DynamicPartitionsDefinition(name="writer_candidates")

PARTITIONS_OF = {
    SUMMARY: summary_candidates,
    EMBEDDING: embedding_candidates,
    WRITER: writer_candidates,
}
