"""deployment/bootstrap.sh in dry-run mode: the commands it would run from a fresh Kubespray
cluster to a synced lab, with the values of the one placeholder file, and no secret read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from lab_pipelines_tests.deployment import apps, tools
from lab_pipelines_tests.deployment.rendering import REPO
from lab_pipelines_tests.deployment.test_argocd import application_errors

BOOTSTRAP = REPO / "deployment" / "bootstrap.sh"


def _dry_run(tmp_path: Path) -> str:
    # No cluster tools on PATH: a dry run must need none of them.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("bash", "sed", "grep", "head", "dirname", "cat"):
        (bin_dir / name).symlink_to(shutil.which(name))
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    result = tools.run(
        ["bash", str(BOOTSTRAP), "--dry-run"], env=env, timeout=60, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, tools.output(result)
    return result.stdout


def test_the_dry_run_installs_argo_cd_applies_the_root_app_and_seals_the_secrets(tmp_path):
    out = _dry_run(tmp_path)
    values = apps.chart_values()

    assert f"--version {values['charts']['argoCD']}" in out
    assert "--values deployment/platform/argocd-values.yaml" in out
    # The root Application, filled in from apps/values.yaml, is printed before it is applied.
    start = out.index("apiVersion: argoproj.io/v1alpha1")
    root = yaml.safe_load(out[start : out.index("+ kubectl apply -f -")])
    assert application_errors(root) == []
    assert root["spec"]["source"]["repoURL"] == values["repoURL"]
    assert root["spec"]["source"]["targetRevision"] == values["targetRevision"]
    assert "__REPO_URL__" not in out
    for name, namespace in (("lab-gemini", "lab-pipelines"),
                            ("dagster-postgresql-secret", "lab-pipelines"),
                            ("operator-oauth", "tailscale")):  # fmt: skip
        assert re.search(rf"create secret generic {name} -n {namespace} .*\| kubeseal", out)
    # Steps in order, ending with the wait for every Application.
    steps = re.findall(r"^== (\d)\.", out, re.M)
    assert steps == ["1", "2", "3", "4", "5"]
    assert "Synced/Healthy" in out


def test_a_real_run_refuses_the_placeholder_repository(tmp_path):
    result = tools.run(["bash", str(BOOTSTRAP)], env={"PATH": os.environ["PATH"]}, timeout=60)
    assert result.returncode != 0 and "set repoURL" in result.stderr, tools.output(result)
