"""Node A (6 cores / 32 GB) and node B (8 cores / 64 GB + iGPU) hold everything scheduled on
them: requests and memory limits of every pod, at its worst-case count, fit each VM's size
minus Kubespray's reservations (budget.py sums them from the files that define them)."""

from __future__ import annotations

import re

from lab_pipelines import placement
from lab_pipelines_tests.deployment import apps, budget, rendering
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT

NODES = budget.allocatable()
PODS = budget.pods()


def test_the_vms_are_the_lab_machines():
    assert (NODES["node-a"]["cores"], NODES["node-a"]["ram"]) == (6, 32)
    assert (NODES["node-b"]["cores"], NODES["node-b"]["ram"]) == (8, 64)
    # Kubespray reserves something on both, more on A (control plane, etcd on the host).
    assert NODES["node-a"]["cpu"] < 6 and NODES["node-b"]["cpu"] < 8
    assert 64 - NODES["node-b"]["memory"] < 32 - NODES["node-a"]["memory"] + 1


def test_everything_on_both_nodes_fits_requests_and_memory_limits():
    assert budget.budget_errors(PODS, NODES) == []
    counted = {p.name for p in PODS}
    expected = {"kube-apiserver", "prometheus", "argocdController", "ollama/ollama",
                "lab-postgres/postgres", "run-worker", "compute-step", "inference-step",
                "dagster-instance-migrate/migrate", "lab-postgres-backup/pg-dump"}  # fmt: skip
    assert expected <= counted


def test_the_bounds_are_what_keeps_node_a_whole():
    """Without one-run pools (every queued run with compute steps) or with a wider executor,
    node A would be overcommitted: the check can fail, and these settings are why it does not."""
    runs = rendering.chart_values()["concurrency"]["runs"]["maxConcurrentRuns"]
    assert budget.budget_errors(budget.pods(runs_with_compute_steps=runs), NODES)
    assert budget.budget_errors(budget.pods(max_concurrent_steps=8), NODES)
    assert placement.MAX_CONCURRENT_STEPS == 2


def test_the_namespace_quota_admits_the_worst_case_and_no_more_than_the_nodes():
    (quota,) = [d for d in rendering.render_kustomization() if d["kind"] == "ResourceQuota"]
    hard = quota["spec"]["hard"]
    outside = set(apps.chart_values()["resources"]) | {
        e["name"] for e in rendering.load_yaml(DEPLOYMENT / "kubespray" / "system-pods.yml")
    }
    lab = [p for p in PODS if p.name not in outside]
    assert sum(p.cpu_request * p.count for p in lab) <= budget.cpu(hard["requests.cpu"])
    assert sum(p.memory_request * p.count for p in lab) <= budget.mem(hard["requests.memory"])
    assert sum((p.memory_limit or 0) * p.count for p in lab) <= budget.mem(hard["limits.memory"])
    assert budget.cpu(hard["requests.cpu"]) <= sum(n["cpu"] for n in NODES.values())
    assert budget.mem(hard["limits.memory"]) <= sum(n["memory"] for n in NODES.values())


def test_installed_sizes_are_the_budgeted_ones():
    budgeted = apps.chart_values()["resources"]
    argocd = rendering.load_yaml(DEPLOYMENT / "platform" / "argocd-values.yaml")
    for component, key in (("controller", "argocdController"), ("repoServer", "argocdRepoServer"),
                           ("server", "argocdServer"), ("redis", "argocdRedis")):  # fmt: skip
        assert argocd[component]["resources"] == budgeted[key]
    proxy = rendering.load_yaml(DEPLOYMENT / "platform" / "tailscale" / "proxyclass.yaml")
    assert (
        proxy["spec"]["statefulSet"]["pod"]["tailscaleContainer"]["resources"]
        == (budgeted["tailscaleProxy"])
    )


def test_ollama_holds_both_models_and_their_caches():
    """EXAONE-3.5-7.8B Q4_K_M and bge-m3 F16 resident together, with OLLAMA_NUM_PARALLEL slots
    of OLLAMA_CONTEXT_LENGTH tokens each (f16 KV: 2 x layers x kv_heads x head_dim x 2 bytes)."""
    (ollama,) = [d for d in rendering.render_kustomization() if d["metadata"]["name"] == "ollama"
                 and d["kind"] == "Deployment"]  # fmt: skip
    container = rendering.pod_spec(ollama)["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    slots, ctx = int(env["OLLAMA_NUM_PARALLEL"]), int(env["OLLAMA_CONTEXT_LENGTH"])
    kv = {"exaone": 2 * 32 * 8 * 128 * 2, "bge-m3": 2 * 24 * 16 * 64 * 2}  # bytes per token
    weights_gib = {"exaone": 4.8, "bge-m3": 1.1}
    need = sum(weights_gib.values()) + sum(kv.values()) * slots * ctx / 2**30 + 1.0  # + runtime
    request = budget.mem(container["resources"]["requests"]["memory"])
    limit = budget.mem(container["resources"]["limits"]["memory"])
    assert env["OLLAMA_MAX_LOADED_MODELS"] == "2" and env["OLLAMA_KEEP_ALIVE"] == "24h"
    assert need < request < limit <= NODES["node-b"]["memory"] - 8  # room for steps + iGPU
    assert env["OLLAMA_VULKAN"] == "0"  # opt-in only, after measuring (README)


def test_the_readme_shows_the_budget_as_it_adds_up():
    readme = (DEPLOYMENT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- budget:begin -->\n(.*?)\n<!-- budget:end -->", readme, re.S)
    assert block, "deployment/README.md needs the budget table between budget markers"
    assert block.group(1).strip() == budget.table(), (
        "update the table: python -m lab_pipelines_tests.deployment.budget"
    )
