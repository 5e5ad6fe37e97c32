"""The GitHub Actions workflows: tests in debian:bookworm through .ci/run; on main, the image
is tested, built, scanned, signed, and released by digest on the branch Argo CD tracks."""

import re
from collections.abc import Mapping
from typing import Any

from lab_pipelines_tests.deployment import apps, rendering
from lab_pipelines_tests.deployment.rendering import REPO

WORKFLOWS = REPO / ".github" / "workflows"
FULL_SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")


def workflow(name: str) -> dict[str, Any]:
    return rendering.load_yaml(WORKFLOWS / name)


def triggers(wf: Mapping[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    return wf.get("on", wf.get(True)) or {}


def steps_using(job: Mapping[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if s.get("uses", "").split("@")[0] == action]


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name, step)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for job in rendering.load_yaml(path)["jobs"].values()
        for step in job.get("steps", [])
    ]


def test_ci_runs_the_projects_own_entry_point_as_root_in_debian():
    wf = workflow("ci.yml")

    assert {"push", "pull_request", "workflow_call"} <= set(triggers(wf))
    (job,) = wf["jobs"].values()
    # Root in a Debian container: .ci/install-deps can apt-get the same packages as here.
    assert job["container"] == "debian:bookworm"
    assert job["steps"][-1]["run"] == "bash .ci/run"
    assert job["steps"][-1]["env"]["CI"] == "true"


def test_every_action_is_pinned_by_full_sha_and_checkout_keeps_no_credentials():
    steps = all_steps()
    used = [step["uses"] for _, step in steps if "uses" in step]
    assert used
    for ref in used:
        assert FULL_SHA.match(ref), f"{ref}: pin by full commit SHA"
    checkouts = [step for _, step in steps if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_main_is_tested_built_scanned_signed_then_released():
    wf = workflow("image.yml")
    jobs = wf["jobs"]

    assert triggers(wf)["push"]["branches"] == ["main"]
    assert jobs["test"]["uses"].endswith(".github/workflows/ci.yml")
    assert jobs["build"]["needs"] == "test" and jobs["release"]["needs"] == "build"
    (build,) = steps_using(jobs["build"], "docker/build-push-action")
    assert build["with"]["context"] == "."
    assert (REPO / build["with"]["file"]) == rendering.DEPLOYMENT / "Dockerfile"
    assert build["with"]["push"] is True and build["with"]["sbom"] is True
    assert build["with"]["provenance"] == "mode=max"
    assert jobs["build"]["permissions"] == {
        "contents": "read", "packages": "write", "id-token": "write"
    }  # fmt: skip
    (scan,) = steps_using(jobs["build"], "aquasecurity/trivy-action")
    assert scan["with"]["image-ref"].endswith("@${{ steps.build.outputs.digest }}")
    assert scan["with"]["exit-code"] == "1"
    assert any("cosign sign" in s.get("run", "") for s in jobs["build"]["steps"])
    # The scan and signature come before the release job, which alone can write.
    steps = [s.get("uses", s.get("name")) for s in jobs["build"]["steps"]]
    assert steps.index(scan["uses"]) < steps.index("Sign the digest")


def test_the_release_goes_to_the_branch_argo_cd_tracks_never_to_main():
    wf = workflow("image.yml")
    release = wf["jobs"]["release"]
    runs = "\n".join(step.get("run", "") for step in release["steps"])

    assert "deployment/release/pin_images.py" in runs and "deployment/release/publish.sh" in runs
    assert release["permissions"] == {"contents": "write"}
    assert wf["env"]["RELEASE_BRANCH"] == "release"
    publish = (rendering.DEPLOYMENT / "release" / "publish.sh").read_text(encoding="utf-8")
    (push,) = [line for line in publish.splitlines() if line.strip().startswith("push ")]
    assert "HEAD:refs/heads/${RELEASE_BRANCH}" in push and "main" not in push
    # Every Application reading this repository tracks the release branch.
    ours = 0
    for doc in apps.render_apps({"intelGpu.enabled": True}):
        for source in [doc["spec"].get("source"), *doc["spec"].get("sources", [])]:
            if source and source.get("repoURL") == apps.chart_values()["repoURL"]:
                assert source["targetRevision"] == "release", doc["metadata"]["name"]
                ours += 1
    assert ours >= 5
