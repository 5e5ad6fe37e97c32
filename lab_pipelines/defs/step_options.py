"""Decorator arguments many definitions share, written once: who owns a step, which node it
runs on and which pool it queues in, and how the folder sensors tick."""

from typing import Any

import dagster as dg

from lab_pipelines.defs.pools import LANCEDB_POOL, OLLAMA_POOL
from lab_pipelines.placement import COMPUTE_NODE, INFERENCE_NODE, op_tags
from lab_pipelines.settings import current_settings

OWNERS = ["team:homelab"]

# A step that sends requests to Ollama: on node B, in the Ollama pool (one such step at once).
OLLAMA_STEP: dict[str, Any] = {
    "owners": OWNERS,
    "pool": OLLAMA_POOL,
    "op_tags": op_tags(INFERENCE_NODE),
}
# Any other step that writes LanceDB: on node A, in the LanceDB writers' pool.
LANCEDB_STEP: dict[str, Any] = {
    "owners": OWNERS,
    "pool": LANCEDB_POOL,
    "op_tags": op_tags(COMPUTE_NODE),
}
# A step that only reads, or writes files: on node A, in no pool.
COMPUTE_STEP: dict[str, Any] = {"owners": OWNERS, "op_tags": op_tags(COMPUTE_NODE)}

# The inbox and requests sensors: running from the start, every LAB_SENSOR_INTERVAL_S.
FOLDER_SENSOR: dict[str, Any] = {
    "minimum_interval_seconds": current_settings().sensor_interval_s,
    "default_status": dg.DefaultSensorStatus.RUNNING,
}

# Every schedule: cron times in the lab's timezone (LAB_TIMEZONE), running from the start.
LAB_SCHEDULE: dict[str, Any] = {
    "execution_timezone": current_settings().schedule_timezone,
    "default_status": dg.DefaultScheduleStatus.RUNNING,
}
