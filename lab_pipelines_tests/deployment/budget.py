"""Where node A's and node B's CPU and memory go: every pod the lab can have at once, from the
files that define it, against each VM's size minus what Kubespray reserves.

    python -m lab_pipelines_tests.deployment.budget    # prints the table README.md shows
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab_pipelines import placement
from lab_pipelines_tests.deployment import apps, rendering
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT

KUBESPRAY = DEPLOYMENT / "kubespray"
INVENTORY = KUBESPRAY / "inventory" / "lab" / "hosts.yaml"
NODES = {"compute": "node-a", "inference": "node-b"}


def cpu(value: str | int | float) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def mem(value: str | int) -> float:
    """Bytes -> GiB."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    text = str(value)
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor / 2**30
    return float(text) / 2**30


@dataclass
class Pod:
    name: str
    node: str
    cpu_request: float
    memory_request: float
    memory_limit: float | None  # None: unbounded, which the budget refuses
    count: int = 1


def _pod(name: str, node: str, resources: dict[str, Any], count: int = 1) -> Pod:
    requests, limits = resources.get("requests", {}), resources.get("limits", {})
    return Pod(
        name, node, cpu(requests.get("cpu", 0)), mem(requests.get("memory", 0)),
        mem(limits["memory"]) if "memory" in limits else None, count,
    )  # fmt: skip


def inventory_hostvars() -> dict[str, dict[str, Any]]:
    """``ansible-inventory --list``: the reservations as Kubespray will read them."""
    tool = Path(sys.executable).parent / "ansible-inventory"
    out = subprocess.run(
        [str(tool), "-i", str(INVENTORY), "--list"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    return json.loads(out)["_meta"]["hostvars"]


def allocatable() -> dict[str, dict[str, float]]:
    vms = {
        vm["name"]: vm for vm in rendering.load_yaml(DEPLOYMENT / "proxmox" / "vms.yml")["lab_vms"]
    }
    result = {}
    for host, hv in inventory_hostvars().items():
        eviction = mem(hv["eviction_hard"]["memory.available"])
        result[host] = {
            "cpu": vms[host]["cores"]
            - cpu(hv["kube_cpu_reserved"])
            - cpu(hv["system_cpu_reserved"]),
            "memory": vms[host]["memory_mb"] / 1024 - mem(hv["kube_memory_reserved"])
            - mem(hv["system_memory_reserved"]) - eviction,
            "cores": vms[host]["cores"],
            "ram": vms[host]["memory_mb"] / 1024,
        }  # fmt: skip
    return result


def _node_of(pod_spec: dict[str, Any]) -> str:
    role = (pod_spec.get("nodeSelector") or {}).get("lab/role", "compute")
    return NODES[role]


def pods(
    max_concurrent_steps: int | None = None, runs_with_compute_steps: int | None = None
) -> list[Pod]:
    """Every pod at its worst-case count. The two knobs let a test show what breaks the budget."""
    steps = placement.MAX_CONCURRENT_STEPS if max_concurrent_steps is None else max_concurrent_steps
    chart = rendering.chart_values()
    pool_limit = chart["concurrency"]["pools"]["defaultLimit"]
    compute_runs = pool_limit if runs_with_compute_steps is None else runs_with_compute_steps
    found: list[Pod] = []
    for entry in rendering.load_yaml(KUBESPRAY / "system-pods.yml"):
        for node in ("node-a", "node-b") if entry["where"] == "each" else (entry["where"],):
            found.append(_pod(entry["name"], node, entry))
    platform = apps.chart_values()["resources"]
    both = {"nodeExporter"}
    on_b = {"intelGpuPlugin"}
    proxies = 3  # the UI, Grafana and Argo CD each get a tailnet proxy pod
    for name, resources in platform.items():
        nodes = (
            ("node-a", "node-b") if name in both else ("node-b",) if name in on_b else ("node-a",)
        )
        for node in nodes:
            found.append(_pod(name, node, resources, proxies if name == "tailscaleProxy" else 1))
    docs = [
        *rendering.render_kustomization(DEPLOYMENT / "k8s"),
        *rendering.render_kustomization(DEPLOYMENT / "dagster-hooks"),
    ]
    for doc in docs:
        for pod_spec in rendering._pod_templates(doc):
            for container in pod_spec["containers"]:
                found.append(_pod(f"{doc['metadata']['name']}/{container['name']}",
                                  _node_of(pod_spec), container.get("resources", {})))  # fmt: skip
    code = rendering.user_deployment(chart)
    runs = chart["concurrency"]["runs"]["maxConcurrentRuns"]
    found += [
        _pod("dagster-webserver", "node-a", chart["dagsterWebserver"]["resources"]),
        _pod("dagster-daemon", "node-a", chart["dagsterDaemon"]["resources"]),
        _pod("code-server", "node-a", code["resources"]),
        # Run workers inherit the code server's resources; the queue admits maxConcurrentRuns.
        _pod("run-worker", "node-a", code["resources"], runs),
        # Every asset is in a pool admitting one run; each run has up to `steps` step pods.
        _pod("compute-step", "node-a", placement.COMPUTE_NODE.resources(), compute_runs * steps),
        _pod("inference-step", "node-b", placement.INFERENCE_NODE.resources(), pool_limit * steps),
    ]  # fmt: skip
    return found


def totals(found: list[Pod]) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = {}
    for pod in found:
        t = result.setdefault(pod.node, {"cpu": 0.0, "memory": 0.0, "limit": 0.0, "unbounded": 0})
        t["cpu"] += pod.cpu_request * pod.count
        t["memory"] += pod.memory_request * pod.count
        if pod.memory_limit is None:
            t["unbounded"] += pod.count
        else:
            t["limit"] += pod.memory_limit * pod.count
    return result


def budget_errors(found: list[Pod], nodes: dict[str, dict[str, float]]) -> list[str]:
    errors = []
    for node, t in sorted(totals(found).items()):
        room = nodes[node]
        if t["cpu"] > room["cpu"]:
            errors.append(f"{node}: CPU requests {t['cpu']:.2f} > allocatable {room['cpu']:.2f}")
        if t["memory"] > room["memory"]:
            errors.append(f"{node}: memory requests {t['memory']:.1f} GiB > {room['memory']:.1f}")
        if t["limit"] > room["memory"]:
            errors.append(f"{node}: memory limits {t['limit']:.1f} GiB > {room['memory']:.1f}")
        if t["unbounded"]:
            errors.append(f"{node}: {t['unbounded']:.0f} pod(s) without a memory limit")
    return errors


def table() -> str:
    nodes, t = allocatable(), totals(pods())
    lines = [
        "| node | size | allocatable | CPU requests | memory requests | memory limits |",
        "|---|---|---|---|---|---|",
    ]
    for node in ("node-a", "node-b"):
        n, s = nodes[node], t[node]
        lines.append(
            f"| {node} | {n['cores']} cores / {n['ram']:.0f} GiB | {n['cpu']:.2f} cores / "
            f"{n['memory']:.1f} GiB | {s['cpu']:.2f} | {s['memory']:.1f} GiB | "
            f"{s['limit']:.1f} GiB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
