"""Fixtures for the deployment tests: the code location, the chart values and a run launcher."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from lab_pipelines_tests.deployment import rendering

# Never contacted: dagster-k8s only parses it, where the cluster would use its service account.
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
  - name: offline
    cluster: {server: "https://127.0.0.1:6443"}
users:
  - name: offline
    user: {token: not-a-real-token}
contexts:
  - name: offline
    context: {cluster: offline, user: offline, namespace: lab-pipelines}
current-context: offline
"""


@pytest.fixture(scope="session")
def code_location() -> dg.Definitions:
    """The code location as the code server loads it (the default, local profile)."""
    from lab_pipelines.definitions import defs

    return defs()


@pytest.fixture(scope="session")
def chart_values() -> dict:
    return rendering.chart_values()


@pytest.fixture(scope="session")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(KUBECONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def run_launcher(chart_values: dict, kubeconfig: Path) -> Iterator:
    """The K8sRunLauncher that dagster.yaml gets from the chart values."""
    yield rendering.run_launcher(chart_values, kubeconfig)


@pytest.fixture(scope="session")
def cluster_run(chart_values: dict):
    """A run launched from the code server, carrying the container context the chart gives it."""
    return rendering.dagster_run(rendering.code_server_container_context(chart_values))
