"""Every step pod lands on its node: Ollama clients on node B, every other step on node A.

The Jobs are rendered with dagster-k8s's own merge and Job builder from the real chart values
(run launcher + what the code server passes to runs), the executor config and each op's
``dagster-k8s/config`` tag, so these are the manifests the cluster would receive.
"""

import copy
import json

import dagster as dg
import pytest

from lab_pipelines.defs.resources import InboxResource, LocalModelsResource
from lab_pipelines.placement import (
    COMPUTE_NODE,
    INFERENCE_NODE,
    K8S_CONFIG_TAG,
    PLACEMENT_TAG,
    calls_ollama,
    misplaced_assets,
    op_tags,
)
from lab_pipelines_tests.deployment import rendering
from lab_pipelines_tests.deployment.rendering import pod_spec


def container(job: dict) -> dict:
    return pod_spec(job)["containers"][0]


def taint_tolerated(job: dict, placement=INFERENCE_NODE) -> bool:
    return any(t.get("key") == placement.taint_key for t in pod_spec(job).get("tolerations") or [])


@pytest.fixture(scope="module")
def steps(code_location: dg.Definitions) -> dict:
    return rendering.asset_steps(code_location)


@pytest.fixture(scope="module")
def step_jobs(steps: dict, run_launcher, cluster_run) -> dict[str, dict]:
    """op name -> the Job manifest of that step."""
    return {
        name: rendering.render_step_job(run_launcher, cluster_run, name, op_def.tags)
        for name, (_assets_def, op_def) in steps.items()
    }


def ollama_steps(steps: dict) -> set[str]:
    return {
        name
        for name, (assets_def, op_def) in steps.items()
        if calls_ollama(set(assets_def.required_resource_keys) | set(op_def.required_resource_keys))
    }


def test_every_asset_of_the_code_location_carries_its_placement(code_location):
    assert misplaced_assets(code_location) == []


def test_forgetting_the_placement_of_an_ollama_client_is_reported():
    @dg.asset
    def rogue_summaries(local_models: LocalModelsResource) -> None:
        """Calls Ollama but has no op tags: k8s_job_executor would start it anywhere."""

    @dg.asset(op_tags=op_tags(INFERENCE_NODE))
    def rogue_parser(inbox: InboxResource) -> None:
        """Calls no model but asks for node B, where it would take the inference node's CPU."""

    edited = json.loads(op_tags(INFERENCE_NODE)[K8S_CONFIG_TAG])
    del edited["pod_spec_config"]["tolerations"]

    @dg.asset(op_tags={K8S_CONFIG_TAG: json.dumps(edited), PLACEMENT_TAG: "inference"})
    def hand_edited(local_models: LocalModelsResource) -> None:
        """A copied and trimmed tag: without the toleration the pod would stay Pending."""

    @dg.asset(op_tags=op_tags(INFERENCE_NODE))
    def placed_embeddings(local_models: LocalModelsResource) -> None:
        """Done right."""

    defs = dg.Definitions(
        assets=[rogue_summaries, rogue_parser, hand_edited, placed_embeddings],
        resources={
            "local_models": LocalModelsResource(),
            "inbox": InboxResource(inbox_dir="inbox", requests_dir="requests"),
        },
    )
    problems = misplaced_assets(defs)

    assert [p.split(" ")[0] for p in problems] == ["hand_edited", "rogue_parser", "rogue_summaries"]
    assert "requires 'local_models', so it needs placement 'inference'" in problems[2]
    assert "op_tags=op_tags(INFERENCE_NODE)" in problems[2]
    assert "calls no model, so it needs placement 'compute'" in problems[1]
    assert "no exact 'dagster-k8s/config' tag" in problems[0]


def test_ollama_steps_run_on_node_b_and_all_others_on_node_a(steps, step_jobs):
    on_b = ollama_steps(steps)
    # Not vacuous: the summaries and embeddings clients, and the parsers, are all here.
    assert {"summaries", "embeddings"} <= on_b
    assert {"documents", "chunks"} <= set(steps) - on_b

    for name, job in step_jobs.items():
        placement = INFERENCE_NODE if name in on_b else COMPUTE_NODE
        assert pod_spec(job)["nodeSelector"] == placement.node_selector(), name
        assert container(job)["resources"] == placement.resources(), name
        assert job["spec"]["template"]["metadata"]["labels"][PLACEMENT_TAG] == placement.name
        assert taint_tolerated(job) == (name in on_b), name


def test_the_summaries_step_job(step_jobs):
    """The manifest quoted in issue 4's closing note (the lab's default labels and sizes)."""
    job = step_jobs["summaries"]

    assert pod_spec(job)["nodeSelector"] == {"lab/role": "inference"}
    assert pod_spec(job)["tolerations"] == [
        {"effect": "NoSchedule", "key": "lab/inference", "operator": "Exists"}
    ]
    assert container(job)["resources"] == {
        "requests": {"cpu": "250m", "memory": "768Mi"},
        "limits": {"cpu": "1", "memory": "1536Mi"},
    }
    assert container(job)["args"] == ["dagster", "api", "execute_step"]
    assert job["spec"]["template"]["metadata"]["labels"]["lab/pipeline"] == "lab-pipelines"


def test_step_pods_inherit_what_the_code_server_and_run_launcher_give_them(step_jobs):
    for name, job in step_jobs.items():
        env = rendering.container_env(job)
        assert env["LAB_PROFILE"] == "cluster" and env["LAB_BACKEND"] == "live", name
        assert {"secretRef": {"name": "lab-gemini"}} in container(job)["envFrom"], name
        claims = {
            v["persistentVolumeClaim"]["claimName"]
            for v in pod_spec(job)["volumes"]
            if "persistentVolumeClaim" in v
        }
        assert claims == {"lab-inbox", "lab-data"}, name
        assert container(job)["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert pod_spec(job)["securityContext"]["runAsNonRoot"] is True, name


def test_run_pods_stay_on_node_a(run_launcher, cluster_run):
    """The run worker only launches and watches step pods: no toleration, so never node B."""
    job = rendering.render_run_job(run_launcher, cluster_run)

    assert "nodeSelector" not in pod_spec(job)
    assert not taint_tolerated(job)
    assert rendering.container_env(job)["LAB_PROFILE"] == "cluster"  # -> k8s_job_executor
    assert container(job)["args"] == ["dagster", "api", "execute_run"]


def test_the_op_tag_wins_over_an_executor_wide_step_config(steps, run_launcher, cluster_run):
    """Merge order: run launcher and code location, then executor step_k8s_config, then the
    op's dagster-k8s/config tag. A cluster-wide default cannot pull Ollama steps off node B."""
    executor_config = {
        "step_k8s_config": {
            "pod_spec_config": {"node_selector": COMPUTE_NODE.node_selector()},
            "container_config": {"resources": {"requests": {"cpu": "2"}}},
        }
    }
    _assets_def, op_def = steps["summaries"]
    job = rendering.render_step_job(
        run_launcher, cluster_run, "summaries", op_def.tags, executor_config
    )

    assert pod_spec(job)["nodeSelector"] == INFERENCE_NODE.node_selector()
    assert container(job)["resources"] == INFERENCE_NODE.resources()


def test_the_code_server_is_not_pinned_because_runs_would_inherit_it(
    chart_values, steps, run_launcher, kubeconfig
):
    """includeConfigInLaunchedRuns copies the code server's settings into every run and step
    pod (chart 1.13 included nodeSelector and tolerations). Pinning the code server to node B
    would hand node B's toleration to every parsing step; so the values pin nothing."""
    deployment = rendering.user_deployment(chart_values)
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert not {"nodeSelector", "tolerations", "affinity"} & set(deployment)

    pinned = copy.deepcopy(chart_values)
    rendering.user_deployment(pinned).update(
        nodeSelector=INFERENCE_NODE.node_selector(), tolerations=INFERENCE_NODE.tolerations()
    )
    run = rendering.dagster_run(rendering.code_server_container_context(pinned))
    _assets_def, op_def = steps["documents"]
    job = rendering.render_step_job(run_launcher, run, "documents", op_def.tags)

    assert taint_tolerated(job)  # the parser may now be scheduled among the models
