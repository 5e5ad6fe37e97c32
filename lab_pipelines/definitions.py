"""The code location's single entry point (``dagster dev``, ``dg dev`` and the gRPC server)."""

from pathlib import Path

import dagster as dg

from lab_pipelines import placement


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)
    return dg.Definitions.merge(loaded, dg.Definitions(executor=placement.executor()))
