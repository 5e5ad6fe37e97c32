"""The generate group's partitions: request files, and the digest's days."""

import dagster as dg

from lab_pipelines.settings import current_settings

# One partition per request file in the requests folder; the key is its path there.
request_partitions = dg.DynamicPartitionsDefinition(name="requests")

# One daily_digest partition per day in the lab's timezone; end_offset=1: today's digest so
# far can be materialised from the UI too.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date="2026-01-01", timezone=current_settings().schedule_timezone, end_offset=1
)
