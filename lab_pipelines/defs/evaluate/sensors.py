"""candidate_sensor: a model added to LAB_CANDIDATES becomes a partition of its evaluation."""

import dagster as dg

from lab_pipelines.defs.evaluate import runner
from lab_pipelines.defs.evaluate.partitions import PARTITIONS_OF
from lab_pipelines.defs.evaluate.resources import EvaluationResource
from lab_pipelines.evaluation.candidates import KINDS


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers the settings' model candidates as partitions of retrieval_eval, "
    "summary_eval and writer_eval; it evaluates nothing (that costs node-B hours).",
)
def candidate_sensor(
    context: dg.SensorEvaluationContext,
    evaluation: EvaluationResource,
) -> dg.SensorResult:
    candidates = runner.configured_candidates(evaluation)
    requests = []
    for kind in KINDS:
        partitions = PARTITIONS_OF[kind]
        known = set(context.instance.get_dynamic_partitions(partitions.name))
        new = [c for c in candidates.of(kind) if c not in known]
        if new:
            requests.append(partitions.build_add_request(new))
    return dg.SensorResult(dynamic_partitions_requests=requests)
