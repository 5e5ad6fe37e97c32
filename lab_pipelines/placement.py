"""Where the code location runs: the one place that decides local vs cluster, and which node.

``LAB_PROFILE=local`` (default) runs every step in the run's own process. ``LAB_PROFILE=cluster``
makes ``k8s_job_executor`` the default executor at the Definitions level, so UI
materialisations launch one pod per step too, and each step pod lands where its placement says:
steps that call Ollama on node B (the inference node), every other step on node A.

The placements reach the pods through the ``dagster-k8s/config`` op tag. Other executors ignore
that tag, so the same asset definitions serve both profiles unchanged.

Node labels, the taint and the step pod sizes are settings (``lab_pipelines/settings.py``:
``LAB_INFERENCE_NODE_LABEL``, ``LAB_INFERENCE_TAINT_KEY``, ``LAB_*_STEP_CPU``...), read once
when this module is imported; the Kubernetes manifests in ``deployment/`` use the same defaults
and the deployment tests check that they agree. :func:`misplaced_assets` is the guard that
keeps every Ollama client on node B.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from lab_pipelines.settings import CLUSTER as CLUSTER  # profile() is one of these two
from lab_pipelines.settings import LOCAL as LOCAL
from lab_pipelines.settings import current_settings

# Read once, at import: the pod placements below are fixed for the life of the process.
_SETTINGS = current_settings()

K8S_CONFIG_TAG = "dagster-k8s/config"
# Op tag and pod label naming the placement, so `kubectl get pods -l lab/placement=inference`
# lists the step pods that talk to Ollama.
PLACEMENT_TAG = "lab/placement"
# The resource every Ollama client requires (summaries, embeddings, query embeddings).
OLLAMA_RESOURCE_KEY = "local_models"


def profile() -> str:
    """LAB_PROFILE, read when asked: the code location decides it each time it loads."""
    return current_settings().profile


# Step pods one run may have at once. Each pool admits one run (granularity run), so this
# bounds the step pods on each node: two per run lets a compute step (chunks, on A) overlap an
# inference step (summaries, on B) without a second compute step crowding node A's budget
# (lab_pipelines_tests/deployment/test_budget.py sums it).
MAX_CONCURRENT_STEPS = _SETTINGS.max_concurrent_steps


def executor() -> dg.ExecutorDefinition:
    if profile() == CLUSTER:
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor.configured({"max_concurrent": MAX_CONCURRENT_STEPS}, name="k8s")
    # One process per run: the steps form a chain and each keeps Ollama busy by itself, so
    # subprocesses per step would only add start-up time (imports, Kiwi's model).
    return dg.in_process_executor


@dataclass(frozen=True)
class Placement:
    """A node for step pods: a label to select it, and the pod's resource requests/limits."""

    name: str
    node_label: str  # "key=value"
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str
    taint_key: str | None = None  # tolerated NoSchedule taint that keeps other work off the node
    extra_tolerations: tuple[dict[str, str], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        key, sep, _ = self.node_label.partition("=")
        # A label without "=" would select nothing and leave the step pod Pending forever.
        if not sep or not key.strip():
            raise ValueError(
                f"placement {self.name!r}: node label {self.node_label!r} must be 'key=value', "
                "e.g. lab/role=inference"
            )

    def node_selector(self) -> dict[str, str]:
        key, _, value = self.node_label.partition("=")
        return {key: value}

    def tolerations(self) -> list[dict[str, str]]:
        tolerations = list(self.extra_tolerations)
        if self.taint_key:
            tolerations.append(
                {"key": self.taint_key, "operator": "Exists", "effect": "NoSchedule"}
            )
        return tolerations

    def resources(self) -> dict[str, dict[str, str]]:
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
        }

    def k8s_config(self) -> dict[str, Any]:
        """The ``dagster-k8s/config`` tag value for a step pod with this placement."""
        pod_spec: dict[str, Any] = {"node_selector": self.node_selector()}
        if self.tolerations():
            pod_spec["tolerations"] = self.tolerations()
        return {
            "pod_spec_config": pod_spec,
            "pod_template_spec_metadata": {"labels": {PLACEMENT_TAG: self.name}},
            "container_config": {"resources": self.resources()},
        }


# Node B serves the models; a step pod there is only an HTTP client of Ollama, so it is small.
INFERENCE_NODE = Placement(
    name="inference",
    node_label=_SETTINGS.inference_node_label,
    taint_key=_SETTINGS.inference_taint_key,
    cpu_request=_SETTINGS.inference_step_cpu,
    memory_request=_SETTINGS.inference_step_memory,
    cpu_limit=_SETTINGS.inference_step_cpu_limit,
    memory_limit=_SETTINGS.inference_step_memory_limit,
)
# Node A runs parsing, chunking and generation; Kiwi and PDF parsing want a little more memory.
COMPUTE_NODE = Placement(
    name="compute",
    node_label=_SETTINGS.compute_node_label,
    cpu_request=_SETTINGS.compute_step_cpu,
    memory_request=_SETTINGS.compute_step_memory,
    cpu_limit=_SETTINGS.compute_step_cpu_limit,
    memory_limit=_SETTINGS.compute_step_memory_limit,
)
PLACEMENTS = {p.name: p for p in (INFERENCE_NODE, COMPUTE_NODE)}


def op_tags(placement: Placement) -> dict[str, str]:
    """Op tags that place an asset's step pod (dict tag values are JSON strings in Dagster)."""
    return {K8S_CONFIG_TAG: json.dumps(placement.k8s_config()), PLACEMENT_TAG: placement.name}


def calls_ollama(required_resource_keys: Iterable[str]) -> bool:
    """Whether a step with these resource keys talks to Ollama, and so belongs on node B."""
    return OLLAMA_RESOURCE_KEY in set(required_resource_keys)


def expected_placement(required_resource_keys: Iterable[str]) -> Placement:
    return INFERENCE_NODE if calls_ollama(required_resource_keys) else COMPUTE_NODE


def tagged_placement(tags: Mapping[str, Any]) -> Placement | None:
    """The placement whose exact ``dagster-k8s/config`` these op tags carry, if any.

    A tag written by hand, or one built before a setting changed, matches no placement: the
    step would still run, but not where this module says.
    """
    raw = tags.get(K8S_CONFIG_TAG)
    if raw is None:
        return None
    config = json.loads(raw) if isinstance(raw, str) else raw
    placement = PLACEMENTS.get(str(tags.get(PLACEMENT_TAG, "")))
    if placement is not None and placement.k8s_config() == config:
        return placement
    return next((p for p in PLACEMENTS.values() if p.k8s_config() == config), None)


def misplaced_assets(defs: dg.Definitions) -> list[str]:
    """One line per asset step that would not land on its node, empty when all is well.

    Steps that require the ``local_models`` resource must carry ``op_tags(INFERENCE_NODE)``;
    every other step must carry ``op_tags(COMPUTE_NODE)``. The deployment tests run this over
    the code location, so an asset that forgets its placement fails CI instead of sending
    Ollama traffic from node A (or parsing PDFs on node B).
    """
    problems: list[str] = []
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if not assets_def.is_executable:
            continue
        for op_def in assets_def.node_def.iterate_op_defs():
            keys = set(op_def.required_resource_keys) | set(assets_def.required_resource_keys)
            want = expected_placement(keys)
            have = tagged_placement(op_def.tags)
            if have is want:
                continue
            assets = ", ".join(sorted(k.to_user_string() for k in assets_def.keys))
            reason = (
                f"requires {OLLAMA_RESOURCE_KEY!r}" if want is INFERENCE_NODE else "calls no model"
            )
            found = f"placement {have.name!r}" if have else f"no exact {K8S_CONFIG_TAG!r} tag"
            problems.append(
                f"{assets} (op {op_def.name}): {reason}, so it needs placement {want.name!r} "
                f"(op_tags=op_tags({want.name.upper()}_NODE)), but has {found}"
            )
    return sorted(problems)
