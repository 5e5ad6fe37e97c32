"""The code location's single entry point (``dagster dev``, ``dg dev`` and the gRPC server)."""

from pathlib import Path

import dagster as dg

from lab_pipelines import placement


@dg.definitions
def defs() -> dg.Definitions:
    import lab_pipelines.defs

    loaded = dg.components.load_defs(
        lab_pipelines.defs, project_root=Path(__file__).resolve().parent.parent
    )
    return dg.Definitions.merge(loaded, dg.Definitions(executor=placement.executor()))
