"""Offline stand-ins for what the cluster renders, built from dagster-k8s's own code.

- The chart turns ``deployment/helm/values.yaml`` into a ``K8sRunLauncher`` config and into the
  code server's container context (what ``includeConfigInLaunchedRuns`` copies into runs).
- dagster-k8s merges those with the executor config and each op's ``dagster-k8s/config`` tag
  (``K8sStepHandler._get_container_context``) and builds the step's Job with
  ``construct_dagster_k8s_job``.
- kustomize renders ``deployment/k8s``; there is no kustomize binary here, so
  :func:`render_kustomization` does the small part of it this repository uses.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import dagster as dg
import kubernetes.client
import yaml
from dagster._config import process_config
from dagster._core.code_pointer import ModuleCodePointer
from dagster._core.origin import JobPythonOrigin, RepositoryPythonOrigin
from dagster._core.storage.dagster_run import DagsterRun
from dagster_k8s import K8sRunLauncher
from dagster_k8s.container_context import K8sContainerContext
from dagster_k8s.executor import K8sStepHandler
from dagster_k8s.job import (
    UserDefinedDagsterK8sConfig,
    construct_dagster_k8s_job,
    get_k8s_job_name,
)

REPO = Path(__file__).resolve().parents[2]
DEPLOYMENT = REPO / "deployment"
VALUES_FILE = DEPLOYMENT / "helm" / "values.yaml"
KUSTOMIZATION_DIR = DEPLOYMENT / "k8s"

# What the chart names things for release "dagster" in namespace "lab-pipelines" (the Argo CD
# app's releaseName and destination).
RELEASE = "dagster"
NAMESPACE = "lab-pipelines"
CODE_LOCATION = "lab-pipelines"
DAGSTER_HOME = "/opt/dagster/dagster_home"
INSTANCE_CONFIG_MAP = f"{RELEASE}-instance"
PIPELINE_ENV_CONFIG_MAP = f"{RELEASE}-pipeline-env"
POSTGRES_SECRET = "dagster-postgresql-secret"
SERVICE_ACCOUNT = RELEASE  # the chart's; its exact name does not affect placement
TEST_IMAGE = "ghcr.io/example/lab-pipelines:sha-test"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def chart_values() -> dict[str, Any]:
    return load_yaml(VALUES_FILE)


def user_deployment(values: Mapping[str, Any], name: str = CODE_LOCATION) -> dict[str, Any]:
    deployments = values["dagster-user-deployments"]["deployments"]
    return next(d for d in deployments if d["name"] == name)


def code_server_container_context(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``k8s`` container context the chart hands the code server when
    ``includeConfigInLaunchedRuns.enabled`` is true, ported from the chart helper
    ``dagsterUserDeployments.k8sContainerContext``.

    It includes what chart 1.13.0 added (nodeSelector, tolerations, podSecurityContext), so the
    placement tests hold whether or not the deployed chart copies those.
    """
    dep = user_deployment(values)
    if not dep.get("includeConfigInLaunchedRuns", {"enabled": True})["enabled"]:
        return {}
    k8s: dict[str, Any] = {
        "image_pull_policy": dep["image"]["pullPolicy"],
        # A map-form `env` goes to this ConfigMap, which runs load too.
        "env_config_maps": [
            f"{RELEASE}-dagster-user-deployments-{dep['name']}-user-env",
            *(c["name"] for c in dep.get("envConfigMaps") or []),
        ],
        "namespace": NAMESPACE,
        "service_account_name": SERVICE_ACCOUNT,
    }
    optional = {
        "env_secrets": [s["name"] for s in dep.get("envSecrets") or []],
        "volume_mounts": dep.get("volumeMounts"),
        "volumes": dep.get("volumes"),
        "labels": dep.get("labels"),
        "resources": dep.get("resources"),
        "scheduler_name": dep.get("schedulerName"),
        "env": dep.get("env") if isinstance(dep.get("env"), list) else None,
    }
    k8s.update({key: value for key, value in optional.items() if value})
    pod_spec: dict[str, Any] = {"automount_service_account_token": True}
    for chart_key, k8s_key in (
        ("sidecarContainers", "containers"),
        ("initContainers", "init_containers"),
        ("nodeSelector", "node_selector"),
        ("tolerations", "tolerations"),
        ("podSecurityContext", "security_context"),
    ):
        if dep.get(chart_key):
            pod_spec[k8s_key] = dep[chart_key]
    run_k8s_config: dict[str, Any] = {"pod_spec_config": pod_spec}
    if dep.get("annotations"):
        run_k8s_config["pod_template_spec_metadata"] = {"annotations": dep["annotations"]}
    k8s["run_k8s_config"] = run_k8s_config
    return {"k8s": k8s}


def run_launcher_config(values: Mapping[str, Any], kubeconfig_file: Path) -> dict[str, Any]:
    """dagster.yaml's ``run_launcher.config`` as the chart renders it, with the environment
    references (``{env: DAGSTER_HOME}`` ...) resolved to the chart's values. Only the way to
    reach the API server differs: a kubeconfig file instead of the in-cluster service account.
    """
    cfg = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    run_k8s = cfg.get("runK8sConfig") or {}
    config: dict[str, Any] = {
        "load_incluster_config": False,
        "kubeconfig_file": str(kubeconfig_file),
        "job_namespace": cfg.get("jobNamespace") or NAMESPACE,
        "image_pull_policy": cfg["imagePullPolicy"],
        "service_account_name": SERVICE_ACCOUNT,
        "dagster_home": DAGSTER_HOME,
        "instance_config_map": INSTANCE_CONFIG_MAP,
        "postgres_password_secret": POSTGRES_SECRET,
        "env_config_maps": [PIPELINE_ENV_CONFIG_MAP, *(c["name"] for c in cfg["envConfigMaps"])],
        "env_secrets": [s["name"] for s in cfg["envSecrets"]],
        "env_vars": list(cfg["envVars"]),
        "volume_mounts": list(cfg["volumeMounts"]),
        "volumes": list(cfg["volumes"]),
        "run_k8s_config": {
            snake: run_k8s[camel]
            for camel, snake in (
                ("containerConfig", "container_config"),
                ("podSpecConfig", "pod_spec_config"),
                ("podTemplateSpecMetadata", "pod_template_spec_metadata"),
                ("jobSpecConfig", "job_spec_config"),
                ("jobMetadata", "job_metadata"),
            )
            if run_k8s.get(camel)
        },
    }
    for camel, snake in (
        ("labels", "labels"),
        ("failPodOnRunFailure", "fail_pod_on_run_failure"),
        ("resources", "resources"),
        ("schedulerName", "scheduler_name"),
        ("securityContext", "security_context"),
    ):
        if cfg.get(camel) is not None:
            config[snake] = cfg[camel]
    return config


def run_launcher(values: Mapping[str, Any], kubeconfig_file: Path) -> K8sRunLauncher:
    """A real ``K8sRunLauncher`` from the chart values; its Kubernetes API is a mock."""
    processed = process_config(
        K8sRunLauncher.config_type(), run_launcher_config(values, kubeconfig_file)
    )
    assert processed.success, processed.errors
    launcher = K8sRunLauncher(
        **processed.value, k8s_client_batch_api=mock.MagicMock(name="BatchV1Api")
    )
    instance = mock.MagicMock(name="DagsterInstance")
    launcher.register_instance(instance)
    launcher.test_instance = instance  # register_instance keeps only a weak reference
    return launcher


def dagster_run(container_context: Mapping[str, Any], image: str = TEST_IMAGE) -> DagsterRun:
    """A run of the implicit asset job, launched from the code server with this context."""
    origin = JobPythonOrigin(
        job_name="__ASSET_JOB",
        repository_origin=RepositoryPythonOrigin(
            executable_path="/usr/local/bin/python",
            code_pointer=ModuleCodePointer("lab_pipelines.definitions", "defs", None),
            container_image=image,
            entry_point=["dagster"],
            container_context=dict(container_context),
        ),
    )
    return DagsterRun(job_name="__ASSET_JOB", run_id=str(uuid.uuid4()), job_code_origin=origin)


def _serialize(job: kubernetes.client.V1Job) -> dict[str, Any]:
    return kubernetes.client.ApiClient().sanitize_for_serialization(job)


def render_run_job(launcher: K8sRunLauncher, run: DagsterRun) -> dict[str, Any]:
    """The run worker's Job, through K8sRunLauncher's own launch path (API mocked)."""
    batch_api = launcher._api_client.batch_api
    batch_api.reset_mock()
    launcher._launch_k8s_job_with_args(
        job_name=f"dagster-run-{run.run_id}", args=["dagster", "api", "execute_run"], run=run
    )
    return _serialize(batch_api.create_namespaced_job.call_args.kwargs["body"])


def step_container_context(
    launcher: K8sRunLauncher,
    run: DagsterRun,
    op_name: str,
    op_tags: Mapping[str, Any],
    executor_config: Mapping[str, Any] | None = None,
) -> K8sContainerContext:
    """What ``K8sStepHandler._get_container_context`` merges for one step: the run launcher and
    code location settings, then the executor's ``step_k8s_config``, then the op's
    ``dagster-k8s/config`` tag, then ``per_step_k8s_config``."""
    executor_config = dict(executor_config or {})
    handler = K8sStepHandler(
        image=None,
        container_context=K8sContainerContext(
            run_k8s_config=UserDefinedDagsterK8sConfig.from_dict(
                dict(executor_config.get("step_k8s_config", {}))
            )
        ),
        load_incluster_config=False,
        kubeconfig_file=launcher.kubeconfig_file,
        per_step_k8s_config=executor_config.get("per_step_k8s_config", {}),
    )
    context = SimpleNamespace(
        dagster_run=run,
        instance=SimpleNamespace(run_launcher=launcher),
        step_tags={op_name: dict(op_tags)},
        execute_step_args=SimpleNamespace(step_keys_to_execute=[op_name]),
        get_step_context=lambda _key: SimpleNamespace(step=SimpleNamespace(op_name=op_name)),
    )
    return handler._get_container_context(context)


def render_step_job(
    launcher: K8sRunLauncher,
    run: DagsterRun,
    op_name: str,
    op_tags: Mapping[str, Any],
    executor_config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The step's Job as ``K8sStepHandler.launch_step`` builds it, as a manifest dict."""
    context = step_container_context(launcher, run, op_name, op_tags, executor_config)
    job_config = context.get_k8s_job_config(None, launcher)
    if not job_config.job_image:
        job_config = job_config.with_image(run.job_code_origin.repository_origin.container_image)
    job_name = f"dagster-step-{get_k8s_job_name(run.run_id, op_name)}"
    job = construct_dagster_k8s_job(
        job_config=job_config,
        args=["dagster", "api", "execute_step"],
        job_name=job_name,
        pod_name=job_name,
        component="step_worker",
        user_defined_k8s_config=context.run_k8s_config,
        labels={"dagster/job": run.job_name, "dagster/op": op_name, "dagster/run-id": run.run_id},
        env_vars=[
            {"name": "DAGSTER_RUN_JOB_NAME", "value": run.job_name},
            {"name": "DAGSTER_RUN_STEP_KEY", "value": op_name},
        ],
    )
    return _serialize(job)


def asset_steps(defs: dg.Definitions) -> dict[str, tuple[dg.AssetsDefinition, Any]]:
    """Each executable op of the code location: name -> (assets definition, op definition)."""
    steps = {}
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if assets_def.is_executable:
            for op_def in assets_def.node_def.iterate_op_defs():
                steps[op_def.name] = (assets_def, op_def)
    return steps


def pod_spec(job: Mapping[str, Any]) -> dict[str, Any]:
    return job["spec"]["template"]["spec"]


def container_env(job: Mapping[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value") for e in pod_spec(job)["containers"][0].get("env", [])}


# --- kustomize, the part this repository uses -------------------------------------------------

NAMESPACED_KINDS = {
    "ConfigMap", "CronJob", "Deployment", "Job", "LimitRange", "NetworkPolicy",
    "PersistentVolumeClaim", "ResourceQuota", "Secret", "Service", "ServiceAccount", "StatefulSet",
}  # fmt: skip
SUPPORTED_KUSTOMIZATION_KEYS = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}


def _pod_templates(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec") or {}
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return [spec["template"]["spec"]] if "template" in spec else []


def _apply_images(doc: dict[str, Any], images: list[dict[str, Any]]) -> None:
    """kustomize's images transformer, for ``name`` + ``digest`` (what the release writes)."""
    by_name = {image["name"]: image for image in images}
    assert all(set(i) <= {"name", "newName", "digest"} for i in images), "teach _apply_images"
    for pod in _pod_templates(doc):
        for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
            ref = container["image"]
            name = ref.split("@")[0]
            if ":" in name.rsplit("/", 1)[-1]:
                name = name.rsplit(":", 1)[0]
            if name in by_name:
                image = by_name[name]
                container["image"] = f"{image.get('newName', name)}@{image['digest']}"


@cache
def _rendered(directory: Path) -> str:
    kustomization = load_yaml(directory / "kustomization.yaml")
    unsupported = set(kustomization) - SUPPORTED_KUSTOMIZATION_KEYS
    # A field this renderer ignores would make the test pass on manifests kustomize renders
    # differently: extend the renderer together with the kustomization.
    assert not unsupported, f"teach render_kustomization about {sorted(unsupported)}"
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        path = directory / resource
        assert path.is_file(), f"kustomization.yaml lists {resource}, which does not exist"
        docs.extend(load_yaml_documents(path))
    namespace = kustomization.get("namespace")
    for doc in docs:
        if namespace and doc["kind"] in NAMESPACED_KINDS:
            doc["metadata"]["namespace"] = namespace
        for entry in kustomization.get("labels", []):
            doc["metadata"].setdefault("labels", {}).update(entry["pairs"])
            if entry.get("includeTemplates") or entry.get("includeSelectors"):
                raise AssertionError("templates/selectors labels are not rendered here")
        _apply_images(doc, kustomization.get("images", []))
    return json.dumps(docs)


def render_kustomization(directory: Path = KUSTOMIZATION_DIR) -> list[dict[str, Any]]:
    """``kustomize build directory`` for resources, namespace and metadata-only labels."""
    return copy.deepcopy(json.loads(_rendered(directory)))
