"""One partition per candidate: adding a model to LAB_CANDIDATES adds a partition."""

import dagster as dg

from lab_pipelines.evaluation.candidates import candidates_for
from lab_pipelines.settings import load_settings

CANDIDATES = candidates_for(load_settings())

summary_candidates = dg.StaticPartitionsDefinition(list(CANDIDATES.summary))
embedding_candidates = dg.StaticPartitionsDefinition(list(CANDIDATES.embedding))
writer_candidates = dg.StaticPartitionsDefinition(list(CANDIDATES.writer))
