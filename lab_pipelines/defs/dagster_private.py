"""The private Dagster names this project relies on, in one place.

Each has no public equivalent in Dagster 1.13.27; `lab_pipelines_tests/defs/test_dagster_private.py`
pins the behaviour we rely on, so an upgrade that changes them fails a test instead of a run.
"""

# The pointer from a check evaluation to the materialisation it judged: without it a partition's
# check status is dropped as not current (asset_check_state.py); no public constructor.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)

# What the CLI reads of sensor ticks; of the states that `instance.all_instigator_state` returns
# it also reads `state.instigator_data.cursor` (the committed cursor, lab_pipelines.daemon).
from dagster._core.scheduler.instigation import (
    InstigatorStatus,
    InstigatorType,
    TickStatus,
)

# Loading the code location against a given instance's state storage (what `with instance:`
# does) rather than whatever an earlier instance of the process left in Dagster's context.
from dagster._core.storage.defs_state.base import set_defs_state_storage
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,  # a ranged run is named by these two run tags
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,  # and a single-partition run by this one
)

__all__ = [
    "AssetCheckEvaluationTargetMaterializationData",
    "set_defs_state_storage",
    "ASSET_PARTITION_RANGE_END_TAG",
    "ASSET_PARTITION_RANGE_START_TAG",
    "PARTITION_NAME_TAG",
    "InstigatorStatus",
    "InstigatorType",
    "TickStatus",
]
