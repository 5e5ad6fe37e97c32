"""The user-code image: deployment/Dockerfile, its build context and its pinned dependencies.

There is no Docker engine here, so the Dockerfile is read as data, and the file layout it
produces under /app is rebuilt in a temporary folder and loaded the way the code server loads
it: that is the part that breaks if pyproject.toml is left out of the image.
"""

import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from lab_pipelines_tests.deployment.rendering import DEPLOYMENT, REPO

DOCKERFILE = DEPLOYMENT / "Dockerfile"
LOCK = DEPLOYMENT / "requirements.txt"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    result, pending = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, args = (pending + line).strip().partition(" ")
        result.append((keyword.upper(), " ".join(args.split())))
        pending = ""
    return result


def arguments(keyword: str) -> list[str]:
    return [args for kw, args in instructions() if kw == keyword]


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_the_image_is_slim_python_311_non_root_and_starts_the_code_server():
    (base,) = arguments("FROM")
    (user,) = arguments("USER")

    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", base)
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) >= 1000
    # Commands arrive as container args (chart, dagster-k8s), so the entrypoint must pass them
    # through: tini, not `dagster`.
    assert json.loads(arguments("ENTRYPOINT")[0]) == ["tini", "--"]
    assert json.loads(arguments("CMD")[0]) == [
        "dagster", "api", "grpc", "-m", PYPROJECT["tool"]["dagster"]["module_name"],
        "-h", "0.0.0.0", "-p", "3030",
    ]  # fmt: skip


def test_pinned_dependencies_are_installed_before_the_project_without_resolving_again():
    runs = arguments("RUN")
    lock_install = next(i for i, r in enumerate(runs) if "-r /app/deployment/requirements.txt" in r)
    project_install = next(i for i, r in enumerate(runs) if "--no-deps" in r)

    assert lock_install < project_install
    assert "-e ." in runs[project_install]  # the package stays next to /app/pyproject.toml


def test_no_secret_is_baked_into_the_image():
    names = [
        token.split("=")[0]
        for args in arguments("ENV") + arguments("ARG")
        for token in shlex.split(args)
    ]

    assert names and not [n for n in names if re.search("KEY|TOKEN|PASSWORD|SECRET", n)]


def test_the_build_context_sends_only_what_the_image_copies():
    ignore = (DEPLOYMENT / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    sources = [src for args in arguments("COPY") for src in args.split()[:-1]]

    assert patterns[0] == "*"  # everything else (.venv, .lab_data, .git, tests) stays home
    for source in sources:
        assert f"!{source}" in patterns or f"!{source}/" in patterns, source
        assert (REPO / source).exists(), source


def test_the_lock_pins_the_dagster_family_together():
    pins = lock_pins()
    dagster, k8s = importlib.metadata.version("dagster"), importlib.metadata.version("dagster-k8s")

    assert pins["dagster"] == pins["dagster-webserver"] == dagster == "1.13.27"
    assert pins["dagster-k8s"] == pins["dagster-postgres"] == k8s == "0.29.27"
    assert all(re.fullmatch(r"[\w.+!-]+", v) for v in pins.values())  # exact versions only


def test_the_lock_satisfies_every_requirement_of_the_project():
    pins = lock_pins()
    requirements = [
        *PYPROJECT["project"]["dependencies"],
        # `pip install --no-build-isolation -e .` builds with the image's own setuptools.
        *PYPROJECT["build-system"]["requires"],
    ]

    for text in requirements:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not in deployment/requirements.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), text


def test_the_lock_script_pins_dagster_postgres_to_dagster_k8s():
    spec = importlib.util.spec_from_file_location("lock", DEPLOYMENT / "lock_requirements.py")
    lock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lock)
    report = {
        "install": [
            {"metadata": {"name": "Jinja2", "version": "3.1.6"}},
            {"metadata": {"name": "dagster", "version": "1.13.27"}},
        ]
    }

    assert "dagster-postgres==0.29.27" in lock.direct_requirements()
    assert lock.render_lock(report).endswith("dagster==1.13.27\nJinja2==3.1.6\n")


def test_the_image_layout_loads_the_code_location_in_the_cluster_profile(tmp_path):
    """Rebuild what the COPY lines put under /app, then load it as the code server would
    (`/app` on sys.path, as the editable install arranges), from outside the repository."""
    (workdir,) = arguments("WORKDIR")
    root = tmp_path / "image"
    for args in arguments("COPY"):
        *sources, destination = args.split()
        target = root / destination.lstrip("/")
        for source in sources:
            path = target / Path(source).name if destination.endswith("/") else target
            path.parent.mkdir(parents=True, exist_ok=True)
            if (REPO / source).is_dir():
                shutil.copytree(REPO / source, path, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(REPO / source, path)
    app = root / workdir.lstrip("/")
    script = (
        "import lab_pipelines, lab_pipelines.definitions as d, dagster as dg\n"
        "defs = d.defs()\n"
        "dg.Definitions.validate_loadable(defs)\n"
        "print(lab_pipelines.__file__)\n"
        "print(defs.executor.name)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(app),
        "LAB_PROFILE": "cluster",
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    (tmp_path / "dagster_home").mkdir()

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    module_file, executor = result.stdout.split()[-2:]
    assert Path(module_file).is_relative_to(app)
    assert executor == "k8s"
