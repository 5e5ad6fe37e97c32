"""The release job's scripts, run here on a copy of the tree: every image ends up pinned by
digest, the result is still valid for Kubernetes and the chart, and publish commits it onto the
release branch without pushing main."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from lab_pipelines_tests.deployment import rendering, schemas, tools
from lab_pipelines_tests.deployment.rendering import REPO

PIN = REPO / "deployment" / "release" / "pin_images.py"
PUBLISH = REPO / "deployment" / "release" / "publish.sh"
CODE = "ghcr.io/octo/lab-pipelines:sha-abcdef123456@sha256:" + "c" * 64
FAKE_RESOLVER = """\
import hashlib, json, sys
print(json.dumps("sha256:" + hashlib.sha256(sys.argv[1].encode()).hexdigest()))
"""


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for folder in ("deployment/helm", "deployment/k8s", "deployment/dagster-hooks"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "resolve.py").write_text(FAKE_RESOLVER, encoding="utf-8")
    return root


def _pin(root: Path, *extra: str) -> subprocess.CompletedProcess:
    resolver = f"{sys.executable} {root / 'resolve.py'}"
    args = [sys.executable, str(PIN), "--root", str(root), "--code-image", CODE]
    return tools.run([*args, "--resolve", resolver, *extra], cwd=root)


def test_every_image_is_pinned_by_digest_and_stays_valid(tmp_path):
    root = _tree(tmp_path)
    result = _pin(root)
    assert result.returncode == 0, tools.output(result)

    rendered = [
        *rendering.render_kustomization(root / "deployment" / "k8s"),
        *rendering.render_kustomization(root / "deployment" / "dagster-hooks"),
    ]
    images = [
        c["image"]
        for d in rendered
        for pod in rendering._pod_templates(d)
        for c in pod["containers"]
    ]
    assert images and all("@sha256:" in image for image in images), images
    ollama = next(i for i in images if i.startswith("ollama/ollama"))
    assert ollama.endswith(hashlib.sha256(b"ollama/ollama:0.12.6").hexdigest())
    # The snapshot CronJob runs the image CI just built, not the placeholder repository.
    assert "ghcr.io/octo/lab-pipelines@sha256:" + "c" * 64 in images
    for doc in rendered:
        schemas.validate_manifest(doc)

    values = yaml.safe_load((root / "deployment/helm/values.yaml").read_text(encoding="utf-8"))
    code = rendering.user_deployment(values)["image"]
    assert code["repository"] == "ghcr.io/octo/lab-pipelines"
    assert code["tag"] == "sha-abcdef123456" and code["digest"] == "sha256:" + "c" * 64
    for component in ("dagsterWebserver", "dagsterDaemon"):
        assert values[component]["image"]["digest"].startswith("sha256:")
    assert schemas.chart_values_errors(values) == []


def test_pinning_twice_is_refused_and_dry_run_writes_nothing(tmp_path):
    root = _tree(tmp_path)
    before = (root / "deployment/k8s/kustomization.yaml").read_text(encoding="utf-8")
    dry = _pin(root, "--dry-run")
    assert dry.returncode == 0 and "images:" in dry.stdout, tools.output(dry)
    assert (root / "deployment/k8s/kustomization.yaml").read_text(encoding="utf-8") == before
    assert _pin(root).returncode == 0
    again = _pin(root)
    assert again.returncode != 0 and "already has an images: block" in again.stderr


def test_publish_commits_on_top_of_the_tested_commit_and_pushes_nothing_in_dry_run(tmp_path):
    root = _tree(tmp_path)
    shutil.copytree(REPO / "deployment" / "release", root / "deployment" / "release")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "tested"]):
        subprocess.run([*git, *args], check=True, timeout=30)
    tested = tools.run(["git", "-C", str(root), "rev-parse", "HEAD"]).stdout.strip()
    assert _pin(root).returncode == 0

    result = tools.run(["bash", str(root / "deployment/release/publish.sh"), "--dry-run"], cwd=root)

    assert result.returncode == 0, tools.output(result)
    assert f"(parent {tested}) to release" in result.stdout
    log = tools.run(["git", "-C", str(root), "log", "--format=%s", "-2"]).stdout.splitlines()
    assert log == [f"release {tested[:12]}: every image pinned by digest", "tested"]
    branches = tools.run(["git", "-C", str(root), "branch", "--format=%(refname:short)"]).stdout
    assert branches.split() == ["main"]  # nothing pushed, no branch rewritten
