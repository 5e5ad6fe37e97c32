"""The real-scheduler check (kind.yml) cannot run here (no Docker); everything it calls runs here
in dry-run mode, and the files it feeds kind, kustomize and the chart are checked."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from lab_pipelines.placement import COMPUTE_NODE, INFERENCE_NODE
from lab_pipelines_tests.deployment import rendering, schemas, tools
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT, REPO

KIND = DEPLOYMENT / "kind"


def test_the_e2e_script_dry_run_builds_the_cluster_installs_the_chart_and_checks(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("bash", "dirname"):
        (bin_dir / name).symlink_to(shutil.which(name))
    result = tools.run(["bash", str(KIND / "e2e.sh"), "--dry-run"], env={"PATH": str(bin_dir)},
                       stdin=subprocess.DEVNULL, timeout=60)  # fmt: skip
    assert result.returncode == 0, tools.output(result)
    commands = [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]

    order = ["kind create cluster --config deployment/kind/cluster.yaml", "docker build",
             "kind load docker-image", "kubectl kustomize", "helm template dagster dagster",
             "cp samples/inbox/", "check: every pod -l lab/placement=inference"]  # fmt: skip
    positions = [next(i for i, c in enumerate(commands) if c.startswith(o)) for o in order]
    assert positions == sorted(positions)
    (helm,) = [c for c in commands if c.startswith("helm template")]
    assert "--version 1.13.27" in helm
    assert re.search(r"--values deployment/helm/values.yaml --values /tmp/kind-values.yaml", helm)
    copied = next(c for c in commands if c.startswith("cp samples/inbox/")).split()[1]
    assert (REPO / copied).is_file()


def test_the_kind_cluster_has_the_labs_labels_and_taint():
    cluster = rendering.load_yaml(KIND / "cluster.yaml")
    control, worker = cluster["nodes"]
    assert control["labels"] == COMPUTE_NODE.node_selector()
    assert worker["labels"] == INFERENCE_NODE.node_selector()
    join = yaml.safe_load(worker["kubeadmConfigPatches"][0])
    (taint,) = join["nodeRegistration"]["taints"]
    assert (taint["key"], taint["effect"]) == (INFERENCE_NODE.taint_key, "NoSchedule")
    assert all(n["extraMounts"][0]["containerPath"] == "/lab-shared" for n in cluster["nodes"])


def test_the_kind_values_keep_the_code_location_and_switch_to_the_offline_backend(chart_values):
    out = tools.run([sys.executable, str(KIND / "kind_values.py")])
    assert out.returncode == 0, tools.output(out)
    overlay = yaml.safe_load(out.stdout)
    (deployment,) = overlay["dagster-user-deployments"]["deployments"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env["LAB_BACKEND"] == "offline" and env["LAB_PROFILE"] == "cluster"
    assert deployment["image"] == {
        "repository": "lab-pipelines",
        "tag": "kind",
        "pullPolicy": "Never",
    }
    merged = {**chart_values, **overlay}
    merged["dagsterWebserver"] = {**chart_values["dagsterWebserver"], **overlay["dagsterWebserver"]}
    assert schemas.chart_values_errors(merged) == []


def test_kustomize_renders_the_kind_base_with_shared_volumes():
    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("kubectl not found: it renders deployment/kind (kustomize with patches)")
    out = tools.run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(KIND)])
    assert out.returncode == 0, tools.output(out)
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    kinds = sorted(d["kind"] for d in docs)
    assert kinds.count("PersistentVolume") == 2 and "Deployment" not in kinds  # no Ollama
    claims = {d["metadata"]["name"]: d for d in docs if d["kind"] == "PersistentVolumeClaim"}
    assert set(claims) == {"lab-inbox", "lab-data"}
    for doc in docs:
        schemas.validate_manifest(doc)
