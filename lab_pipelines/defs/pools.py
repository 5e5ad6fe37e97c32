"""Dagster concurrency pools; their limits live in the instance configuration
(deployment/local/dagster.yaml locally, the Helm values in the cluster)."""

# Every step that sends requests to Ollama. Limit 1 step; each step keeps LAB_OLLAMA_PARALLEL
# requests in flight, so steps x requests = OLLAMA_NUM_PARALLEL slots, all kept busy.
OLLAMA_POOL = "ollama"
# The other LanceDB writers (documents, chunks, digests): one at a time.
LANCEDB_POOL = "lancedb"
