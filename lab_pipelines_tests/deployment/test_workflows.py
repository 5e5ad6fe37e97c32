"""The GitHub Actions workflows: tests through .ci/run, then image build, push and tag bump."""

from collections.abc import Mapping
from typing import Any

from lab_pipelines_tests.deployment import rendering
from lab_pipelines_tests.deployment.rendering import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    return rendering.load_yaml(WORKFLOWS / name)


def triggers(wf: Mapping[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    return wf.get("on", wf.get(True)) or {}


def steps_using(job: Mapping[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def test_ci_runs_the_projects_own_test_entry_point():
    wf = workflow("ci.yml")

    assert {"push", "pull_request", "workflow_call"} <= set(triggers(wf))
    (job,) = wf["jobs"].values()
    assert any(step.get("run") == "bash .ci/run" for step in job["steps"])
    (python,) = steps_using(job, "actions/setup-python")
    assert python["with"]["python-version"] == "3.11"


def test_main_is_tested_then_built_with_the_deployment_dockerfile_and_pushed_to_ghcr():
    wf = workflow("image.yml")
    jobs = wf["jobs"]

    assert triggers(wf)["push"]["branches"] == ["main"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["build"]["needs"] == "test" and jobs["bump"]["needs"] == "build"
    (build,) = steps_using(jobs["build"], "docker/build-push-action")
    assert build["with"]["context"] == "."
    assert (REPO / build["with"]["file"]) == rendering.DEPLOYMENT / "Dockerfile"
    assert build["with"]["push"] is True
    assert jobs["build"]["permissions"]["packages"] == "write"
    (login,) = steps_using(jobs["build"], "docker/login-action")
    assert login["with"]["registry"] == "ghcr.io"


def test_the_bump_rewrites_the_image_the_chart_deploys_and_cannot_loop(chart_values):
    wf = workflow("image.yml")
    values_file = wf["env"]["VALUES_FILE"]
    bump = "\n".join(step.get("run", "") for step in wf["jobs"]["bump"]["steps"])

    assert REPO / values_file == rendering.VALUES_FILE
    # The yq expression selects the code location by name and sets repository and tag.
    assert '.["dagster-user-deployments"].deployments[]' in bump
    assert "select(.name == strenv(CODE_LOCATION))" in bump
    assert ".repository = strenv(IMAGE)" in bump and ".tag = strenv(TAG)" in bump
    image = rendering.user_deployment(chart_values, wf["env"]["CODE_LOCATION"])["image"]
    assert {"repository", "tag"} <= set(image)
    # The bump commit must not start another build of the same code.
    assert values_file in triggers(wf)["push"]["paths-ignore"]
    assert "[skip ci]" in bump
    assert wf["jobs"]["bump"]["permissions"] == {"contents": "write"}
