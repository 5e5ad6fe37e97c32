"""The private Dagster names this project relies on, in one place.

Each has no public equivalent in Dagster 1.13.27; `lab_pipelines_tests/defs/test_dagster_private.py`
pins the behaviour we rely on, so an upgrade that changes them fails a test instead of a run.
"""

from dagster._core.scheduler.instigation import (  # what the CLI reads of sensor ticks
    InstigatorStatus,
    InstigatorType,
    TickStatus,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,  # a ranged run is named by these two run tags
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,  # and a single-partition run by this one
)

__all__ = [
    "ASSET_PARTITION_RANGE_END_TAG",
    "ASSET_PARTITION_RANGE_START_TAG",
    "PARTITION_NAME_TAG",
    "InstigatorStatus",
    "InstigatorType",
    "TickStatus",
]
