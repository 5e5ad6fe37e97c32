import dagster as dg

# One partition per document; the key is its path under the inbox (lab_pipelines.inbox).
document_partitions = dg.DynamicPartitionsDefinition(name="documents")
