"""The raw manifests of deployment/k8s: they render, they are valid Kubernetes objects, and they
agree with the code location (node B's label and taint, models, Ollama's slots, volumes)."""

import copy
import socket
from collections import Counter
from collections.abc import Mapping
from urllib.parse import urlsplit

import pytest

from lab_pipelines.placement import INFERENCE_NODE
from lab_pipelines.settings import default
from lab_pipelines_tests.deployment import rendering, schemas
from lab_pipelines_tests.deployment.rendering import pod_spec

RENDERED = rendering.render_kustomization()


def find(kind: str, name: str) -> dict:
    """A copy of one rendered object, free to modify in a test."""
    return copy.deepcopy(
        next(d for d in RENDERED if d["kind"] == kind and d["metadata"]["name"] == name)
    )


def env_of(container: Mapping) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def pod_labels(workload: Mapping) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def selects(selector: Mapping, labels: Mapping) -> bool:
    """A NetworkPolicy podSelector (matchLabels only, as used here) against pod labels."""
    assert set(selector) <= {"matchLabels"}, "teach selects() about matchExpressions"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def test_the_kustomization_renders_the_lab():
    kinds = Counter(d["kind"] for d in RENDERED)

    assert kinds == {
        "Namespace": 1,
        "StorageClass": 1,  # nfs-lab
        # inbox + data + backups (NFS, RWX), Ollama's models (node B disk)
        "PersistentVolumeClaim": 4,
        "Service": 2,  # ollama, lab-postgres
        "StatefulSet": 1,  # lab-postgres
        "Deployment": 1,  # ollama
        "Job": 1,  # model pull
        "CronJob": 2,  # pg_dump, LanceDB snapshot
        "NetworkPolicy": 2,
        "LimitRange": 1,
        "ResourceQuota": 1,
        "PriorityClass": 1,  # lab-critical
    }
    cluster_scoped = {"Namespace", "StorageClass", "PriorityClass"}
    namespaced = [d for d in RENDERED if d["kind"] not in cluster_scoped]
    assert {d["metadata"]["namespace"] for d in namespaced} == {"lab-pipelines"}
    assert find("Namespace", "lab-pipelines")
    assert all(
        d["metadata"]["labels"]["app.kubernetes.io/part-of"] == "lab-pipelines" for d in RENDERED
    )


def test_the_renderer_refuses_a_kustomization_it_cannot_render(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="missing.yaml, which does not exist"):
        rendering.render_kustomization(tmp_path)

    (tmp_path / "kustomization.yaml").write_text("resources: []\npatches: []\n")
    with pytest.raises(AssertionError, match="patches"):
        rendering.render_kustomization(tmp_path)


@pytest.mark.parametrize(
    "doc", RENDERED, ids=[f"{d['kind']}/{d['metadata']['name']}" for d in RENDERED]
)
def test_every_rendered_manifest_is_a_valid_kubernetes_object(doc):
    assert schemas.validate_manifest(doc) == "1.32"


def test_a_misspelt_field_is_rejected():
    ollama = find("Deployment", "ollama")
    pod_spec(ollama)["containers"][0]["resource"] = {"requests": {"cpu": "1"}}

    with pytest.raises(schemas.kubernetes_validate.ValidationError, match="'resource'"):
        schemas.validate_manifest(ollama)


def test_the_schema_checks_need_no_network(monkeypatch, chart_values):
    """kubernetes-validate bundles its schemas, and the chart schema's URL $refs resolve to
    them: nothing is fetched, so the checks run the same in CI and on a plane."""

    def refuse(*_args, **_kwargs):
        raise OSError("this test has no network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    schemas._kubernetes_definitions.cache_clear()

    assert schemas.validate_manifest(find("Deployment", "ollama")) == "1.32"
    assert schemas.chart_values_errors(chart_values) == []


def test_no_secret_is_rendered_by_the_kustomization():
    # Secrets are SealedSecrets in deployment/secrets (test_secrets.py): none comes from here.
    assert not any(d["kind"] == "Secret" for d in RENDERED)


def test_rendered_step_and_run_jobs_are_valid_kubernetes_jobs(
    code_location, run_launcher, cluster_run
):
    jobs = [rendering.render_run_job(run_launcher, cluster_run)]
    for name, (_assets_def, op_def) in rendering.asset_steps(code_location).items():
        jobs.append(rendering.render_step_job(run_launcher, cluster_run, name, op_def.tags))

    for job in jobs:
        assert schemas.validate_manifest(job) == "1.32"


def test_ollama_runs_on_the_node_the_inference_placement_selects():
    spec = pod_spec(find("Deployment", "ollama"))

    assert spec["nodeSelector"] == INFERENCE_NODE.node_selector()
    for toleration in INFERENCE_NODE.tolerations():
        assert toleration in spec["tolerations"]


def test_ollama_serves_the_slots_and_context_the_pipeline_expects(chart_values):
    container = pod_spec(find("Deployment", "ollama"))["containers"][0]
    env = env_of(container)
    pipeline_env = env_of(rendering.user_deployment(chart_values))

    # One `ollama` pool step x LAB_OLLAMA_PARALLEL requests == OLLAMA_NUM_PARALLEL slots.
    assert env["OLLAMA_NUM_PARALLEL"] == pipeline_env["LAB_OLLAMA_PARALLEL"] == "2"
    assert env["OLLAMA_CONTEXT_LENGTH"] == str(default("num_ctx"))
    assert env["OLLAMA_KEEP_ALIVE"] == "24h"
    assert int(env["OLLAMA_MAX_QUEUE"]) > 0
    assert env["OLLAMA_MAX_LOADED_MODELS"] == "2"  # EXAONE and bge-m3 both resident
    assert container["readinessProbe"]["httpGet"]["path"] in {"/api/version", "/api/tags"}
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]


def test_the_pull_job_pulls_the_models_the_pipeline_asks_for():
    job = find("Job", "ollama-pull-models")
    env = env_of(pod_spec(job)["containers"][0])
    service = find("Service", "ollama")

    assert env["MODELS"].split() == [default("summary_model"), default("embedding_model")]
    # Pinned: each is pulled from a fixed tag that names its size, never `latest`.
    pinned = env["PINNED"].split()
    assert len(pinned) == 2 and all(":" in p and not p.endswith(":latest") for p in pinned)
    assert [p.split(":")[0] for p in pinned] == [m.split(":")[0] for m in env["MODELS"].split()]
    url = urlsplit(env["OLLAMA_URL"])
    assert url.hostname == service["metadata"]["name"]
    assert url.port == service["spec"]["ports"][0]["port"]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PostSync"


def test_the_pipeline_reaches_ollama_through_its_service(chart_values):
    service = find("Service", "ollama")
    url = urlsplit(env_of(rendering.user_deployment(chart_values))["OLLAMA_HOST"])

    assert url.hostname == f"ollama.{rendering.NAMESPACE}.svc.cluster.local"
    assert url.port == service["spec"]["ports"][0]["port"] == 11434
    ollama_pods = pod_labels(find("Deployment", "ollama"))
    assert selects({"matchLabels": service["spec"]["selector"]}, ollama_pods)


def test_only_the_pipeline_pods_may_reach_ollama(
    chart_values, code_location, run_launcher, cluster_run
):
    policy = find("NetworkPolicy", "ollama-from-pipeline-only")
    assert selects(policy["spec"]["podSelector"], pod_labels(find("Deployment", "ollama")))
    (rule,) = policy["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 11434}]

    def admitted(labels: Mapping) -> bool:
        return any(selects(peer["podSelector"], labels) for peer in rule["from"])

    pipeline_pods = {
        "code server": rendering.user_deployment(chart_values)["labels"],
        "run": pod_labels(rendering.render_run_job(run_launcher, cluster_run)),
        "model pull": pod_labels(find("Job", "ollama-pull-models")),
    }
    for name, (_assets_def, op_def) in rendering.asset_steps(code_location).items():
        job = rendering.render_step_job(run_launcher, cluster_run, name, op_def.tags)
        pipeline_pods[f"step {name}"] = pod_labels(job)
    for pod, labels in pipeline_pods.items():
        assert admitted(labels), pod

    assert not admitted(pod_labels(find("StatefulSet", "lab-postgres")))
    assert not admitted({"app.kubernetes.io/name": "something-else"})


def test_pods_on_both_nodes_share_the_inbox_and_the_lancedb_volumes(chart_values):
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in rendering.user_deployment(chart_values)["volumes"]
        if "persistentVolumeClaim" in v
    }

    assert claims == {"lab-inbox", "lab-data"}
    for claim in claims:
        pvc = find("PersistentVolumeClaim", claim)["spec"]
        assert pvc["accessModes"] == ["ReadWriteMany"]  # mounted from node A and node B at once
        assert pvc["storageClassName"] == "nfs-lab"
    models = find("PersistentVolumeClaim", "ollama-models")["spec"]
    assert models["accessModes"] == ["ReadWriteOnce"] and models["storageClassName"] == "local-path"
