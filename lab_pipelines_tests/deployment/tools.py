"""The real command-line tools the deployment tests drive, and how a missing one is handled.

Outside CI a missing Debian tool skips its test with the package to install. In CI
(``CI=true``) ``.ci/install-deps`` has installed them, so a missing one fails instead: a green
CI must never hide a linter that did not run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from lab_pipelines_tests.deployment.rendering import REPO

VENV_BIN = Path(sys.executable).parent
# Folders that hold no file of ours (virtualenvs, data, caches).
SKIP_DIRS = {".git", ".venv", "node_modules", ".lab_data", "__pycache__", ".pytest_cache"}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(command: str, package: str) -> str:
    """The path of ``command``, or skip (fail in CI) naming the Debian package that has it."""
    found = shutil.which(command) or shutil.which(command, path=str(VENV_BIN))
    if found:
        return found
    message = f"{command} not found: apt-get install {package} (or bash .ci/install-deps)"
    if in_ci():
        pytest.fail(f"CI=true but {message}; .ci/install-deps should have installed it")
    pytest.skip(message)


def run(
    args: Sequence[str], *, cwd: Path = REPO, timeout: float = 300, **kwargs
) -> subprocess.CompletedProcess:
    """Run a tool with a bounded wait, capturing its output as text."""
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def repo_files(root: Path = REPO) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            yield Path(dirpath) / name


def shell_scripts(root: Path = REPO) -> list[Path]:
    """Every shell script of the repository: ``*.sh`` or a sh/bash shebang."""
    scripts = []
    for path in repo_files(root):
        if path.suffix == ".sh":
            scripts.append(path)
            continue
        if path.suffix or not path.is_file():
            continue  # extensionless files only: a .py or .yml with a shebang is not shell
        try:
            first = path.open("rb").readline(200)
        except OSError:
            continue
        if first.startswith(b"#!") and (b"bash" in first or first.rstrip().endswith(b"/sh")):
            scripts.append(path)
    return sorted(scripts)
