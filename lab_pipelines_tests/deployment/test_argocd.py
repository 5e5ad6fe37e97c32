"""The Argo CD Applications of deployment/argocd. They are custom resources, which
kubernetes-validate has no schema for, so a small check covers the shape Argo CD needs."""

import importlib.metadata
from collections.abc import Mapping
from typing import Any

import pytest

from lab_pipelines_tests.deployment import rendering
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT, REPO

APPS = {
    doc["metadata"]["name"]: doc
    for path in sorted((DEPLOYMENT / "argocd").glob("*.yaml"))
    for doc in rendering.load_yaml_documents(path)
}


def application_errors(app: Mapping[str, Any]) -> list[str]:
    """What would keep Argo CD from accepting or syncing this Application."""
    errors = []
    if app.get("apiVersion") != "argoproj.io/v1alpha1" or app.get("kind") != "Application":
        errors.append("apiVersion/kind must be argoproj.io/v1alpha1 Application")
    if not app.get("metadata", {}).get("name"):
        errors.append("metadata.name is required")
    spec = app.get("spec") or {}
    if not spec.get("project"):
        errors.append("spec.project is required")
    destination = spec.get("destination") or {}
    if not (destination.get("server") or destination.get("name")):
        errors.append("spec.destination needs server or name")
    if not destination.get("namespace"):
        errors.append("spec.destination.namespace is required")
    if ("source" in spec) == ("sources" in spec):
        errors.append("exactly one of spec.source and spec.sources")
    for source in spec.get("sources") or [spec.get("source") or {}]:
        if not source.get("repoURL") or not source.get("targetRevision"):
            errors.append(f"source {source.get('repoURL')!r} needs repoURL and targetRevision")
        kinds = [key for key in ("chart", "path", "ref") if key in source]
        if len(kinds) != 1:
            errors.append(f"source {source.get('repoURL')!r} needs one of chart, path or ref")
    return errors


def sources(app: Mapping[str, Any]) -> list[dict[str, Any]]:
    return app["spec"].get("sources") or [app["spec"]["source"]]


@pytest.mark.parametrize("name", sorted(APPS))
def test_every_application_has_the_shape_argo_cd_needs(name):
    assert application_errors(APPS[name]) == []


def test_the_shape_check_reports_a_broken_application():
    broken = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "broken"},
        "spec": {"source": {"repoURL": "https://example.org/repo.git", "path": "x"}},
    }

    assert application_errors(broken) == [
        "spec.project is required",
        "spec.destination needs server or name",
        "spec.destination.namespace is required",
        "source 'https://example.org/repo.git' needs repoURL and targetRevision",
    ]


def test_the_dagster_app_pins_the_chart_to_the_installed_dagster_with_values_from_git():
    chart, values_ref = sources(APPS["lab-dagster"])

    assert chart["chart"] == "dagster"
    assert chart["repoURL"] == "https://dagster-io.github.io/helm"
    assert chart["targetRevision"] == importlib.metadata.version("dagster")
    assert chart["helm"]["releaseName"] == rendering.RELEASE
    (value_file,) = chart["helm"]["valueFiles"]
    assert value_file.startswith(f"${values_ref['ref']}/")
    assert REPO / value_file.split("/", 1)[1] == rendering.VALUES_FILE
    assert values_ref["repoURL"] == sources(APPS["lab-base"])[0]["repoURL"]


def test_the_base_app_syncs_the_kustomization_into_the_pipeline_namespace():
    (source,) = sources(APPS["lab-base"])
    kustomization = rendering.load_yaml(REPO / source["path"] / "kustomization.yaml")

    assert REPO / source["path"] == rendering.KUSTOMIZATION_DIR
    assert APPS["lab-base"]["spec"]["destination"]["namespace"] == kustomization["namespace"]
    assert APPS["lab-dagster"]["spec"]["destination"]["namespace"] == kustomization["namespace"]


def test_storage_syncs_before_the_lab_and_the_lab_before_dagster():
    def wave(name: str) -> int:
        return int(APPS[name]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])

    assert wave("nfs-provisioner") < wave("lab-base") < wave("lab-dagster")


def test_the_nfs_storage_class_is_served_by_the_provisioner_app():
    provisioner = sources(APPS["nfs-provisioner"])[0]["helm"]["valuesObject"]["storageClass"]
    rendered = rendering.render_kustomization()
    (storage_class,) = [d for d in rendered if d["kind"] == "StorageClass"]
    claims = [d for d in rendered if d["kind"] == "PersistentVolumeClaim"]

    assert provisioner["create"] is False  # the class lives in git, in deployment/k8s
    assert storage_class["provisioner"] == provisioner["provisionerName"]
    assert storage_class["metadata"]["name"] in {c["spec"]["storageClassName"] for c in claims}
