"""deployment/helm/values.yaml: valid for the pinned dagster chart, and the instance it
configures matches the local one (pools, run queue) without a secret in sight."""

import copy
import importlib.metadata
import re
import tomllib

import pytest
from dagster._config import process_config
from dagster._core.instance.config import (
    dagster_instance_config_schema,
    validate_concurrency_config,
)

from lab_pipelines.defs.pools import LANCEDB_POOL, OLLAMA_POOL
from lab_pipelines_tests.deployment import rendering, schemas
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT, REPO

LOCAL_INSTANCE = DEPLOYMENT / "local" / "dagster.yaml"


def env_of(deployment: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in deployment["env"]}


def instance_yaml(values: dict, kubeconfig) -> dict:
    """The parts of dagster.yaml the chart renders from these values (configmap-instance)."""
    concurrency = values["concurrency"]
    assert concurrency["enabled"]
    pools, runs = concurrency.get("pools", {}), concurrency.get("runs", {})
    queued = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    return {
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": rendering.run_launcher_config(values, kubeconfig),
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {"dequeue_interval_seconds": queued["dequeueIntervalSeconds"]},
        },
        "concurrency": {
            "pools": {
                key: pools[camel]
                for camel, key in (
                    ("defaultLimit", "default_limit"),
                    ("granularity", "granularity"),
                    ("opGranularityRunBuffer", "op_granularity_run_buffer"),
                )
                if pools.get(camel) is not None
            },
            "runs": {"max_concurrent_runs": runs["maxConcurrentRuns"]},
        },
        "telemetry": {"enabled": values["telemetry"]["enabled"]},
    }


def test_the_values_are_valid_for_the_pinned_chart(chart_values):
    assert schemas.chart_values_errors(chart_values) == []


@pytest.mark.parametrize(
    ("path", "bad_value", "message"),
    [
        # dagster.yaml spelling where the chart wants camelCase: Helm must refuse it.
        (("concurrency", "pools", "default_limit"), 1, "'default_limit' was unexpected"),
        # A chart field of the wrong type.
        (
            ("runLauncher", "config", "k8sRunLauncher", "failPodOnRunFailure"),
            "yes",
            "failPodOnRunFailure: 'yes' is not valid under any of the given schemas",
        ),
        # A Kubernetes object inside the values is checked against Kubernetes' own schema.
        (
            ("runLauncher", "config", "k8sRunLauncher", "securityContext", "runAsUser"),
            "10001",
            "securityContext.runAsUser: '10001' is not of type 'integer'",
        ),
    ],
)
def test_the_chart_schema_catches_mistakes(chart_values, path, bad_value, message):
    values = copy.deepcopy(chart_values)
    node = values
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad_value

    assert any(message in error for error in schemas.chart_values_errors(values))


def test_a_code_location_must_be_complete_because_lists_are_not_merged(chart_values):
    values = copy.deepcopy(chart_values)
    deployment = rendering.user_deployment(values)
    del deployment["image"]
    deployment["volumeMount"] = deployment.pop("volumeMounts")

    errors = schemas.chart_values_errors(values)

    assert "dagster-user-deployments.deployments.0.<root>: 'image' is a required property" in errors
    assert any("volumeMount: not a key of the chart's UserDeployment" in e for e in errors)


def test_the_code_server_runs_the_code_location_in_the_cluster_profile(chart_values):
    deployment = rendering.user_deployment(chart_values)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    env = env_of(deployment)

    assert deployment["dagsterApiGrpcArgs"] == ["-m", pyproject["tool"]["dagster"]["module_name"]]
    assert deployment["port"] == 3030
    assert env["LAB_PROFILE"] == "cluster" and env["LAB_BACKEND"] == "live"
    assert isinstance(deployment["env"], list)  # a list is what the chart copies into runs
    mounts = [m["mountPath"] for m in deployment["volumeMounts"]]
    for variable in ("LAB_INBOX", "LAB_REQUESTS", "LAB_DATA"):
        assert any(env[variable].startswith(mount) for mount in mounts), variable


def test_pods_write_only_to_their_volumes(chart_values):
    deployment = rendering.user_deployment(chart_values)
    mounts = {m["mountPath"] for m in deployment["volumeMounts"]}

    assert deployment["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["podSecurityContext"]["runAsNonRoot"] is True
    assert {"/tmp", rendering.DAGSTER_HOME} <= mounts
    # The run launcher repeats the security contexts, so runs get them whatever the chart copies.
    launcher = chart_values["runLauncher"]["config"]["k8sRunLauncher"]
    assert launcher["securityContext"] == deployment["securityContext"]
    assert (
        launcher["runK8sConfig"]["podSpecConfig"]["securityContext"]
        == (deployment["podSecurityContext"])
    )


def test_secrets_are_referenced_never_written(chart_values):
    deployment = rendering.user_deployment(chart_values)
    text = rendering.VALUES_FILE.read_text(encoding="utf-8")

    assert deployment["envSecrets"] == [{"name": "lab-gemini"}]
    assert not any(re.search("KEY|TOKEN|PASSWORD|SECRET", e["name"]) for e in deployment["env"])
    assert "postgresqlPassword" not in chart_values["postgresql"]
    assert chart_values["generatePostgresqlPasswordSecret"] is False
    assert not re.search(r"AIza[0-9A-Za-z_-]{20,}", text)  # the shape of a Google API key


def test_the_instance_is_a_valid_dagster_yaml(chart_values, kubeconfig):
    instance = instance_yaml(chart_values, kubeconfig)

    assert process_config(dagster_instance_config_schema(), instance).success
    # dagster refuses run limits in both the run coordinator and `concurrency`.
    validate_concurrency_config(instance)


def test_the_cluster_limits_pools_and_runs_like_the_local_instance(chart_values, kubeconfig):
    if not LOCAL_INSTANCE.exists():
        pytest.skip("deployment/local/dagster.yaml is not in this checkout")
    local = rendering.load_yaml(LOCAL_INSTANCE)["concurrency"]

    assert instance_yaml(chart_values, kubeconfig)["concurrency"] == local


def test_every_pool_of_the_code_location_admits_one_run(chart_values, code_location):
    pools = {
        op_def.pool
        for assets_def in code_location.resolve_asset_graph().assets_defs
        if assets_def.is_executable
        for op_def in assets_def.node_def.iterate_op_defs()
        if op_def.pool
    }

    assert pools == {OLLAMA_POOL, LANCEDB_POOL}
    # The chart has no per-pool limits; the default covers every pool the assets name.
    assert chart_values["concurrency"]["pools"] == {"defaultLimit": 1, "granularity": "run"}


def test_the_webserver_is_reached_over_tailscale_not_an_ingress(chart_values):
    service = chart_values["dagsterWebserver"]["service"]

    assert chart_values["ingress"]["enabled"] is False
    assert service["type"] == "ClusterIP"
    assert service["annotations"]["tailscale.com/expose"] == "true"


def test_the_chart_version_is_the_installed_dagster():
    """Values written for chart X are deployed with chart X (deployment/argocd/dagster.yaml)."""
    header = rendering.VALUES_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert importlib.metadata.version("dagster") in header
