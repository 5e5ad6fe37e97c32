import dagster as dg

# One partition per request file in the requests folder; the key is its path there.
request_partitions = dg.DynamicPartitionsDefinition(name="requests")
