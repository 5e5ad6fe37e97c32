"""Failed runs as a metric, for the 'pipeline failing' alert."""

import dagster as dg

from lab_pipelines.defs.resources import TelemetryResource
from lab_pipelines.metrics import failures_registry, push


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Pushes the count of failed runs to the Pushgateway when one is configured.",
)
def run_failure_metrics(context: dg.RunFailureSensorContext, telemetry: TelemetryResource) -> None:
    failed = context.instance.get_runs_count(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
    push(telemetry.pushgateway_url, "run_failures", failures_registry(failed))
