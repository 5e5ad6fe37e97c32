"""The Argo CD Applications the root app (deployment/apps, app of apps) creates. They are custom
resources, which kubernetes-validate has no schema for, so a small check covers the shape Argo
CD needs; deployment/apps/values.yaml is the one file of placeholders they read."""

import importlib.metadata
from collections.abc import Mapping
from typing import Any

import pytest

from lab_pipelines_tests.deployment import apps, rendering
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT, REPO

APPS = apps.apps_by_name({"intelGpu.enabled": True})
ROOT_APP = rendering.load_yaml(DEPLOYMENT / "platform" / "root-app.yaml")
PLATFORM = {
    "sealed-secrets", "tailscale-operator", "kube-prometheus-stack", "pushgateway",
    "nfs-provisioner", "lab-secrets", "lab-base", "lab-dagster", "argocd",
}  # fmt: skip


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


def test_the_root_app_owns_every_platform_piece():
    assert set(APPS) >= PLATFORM
    assert application_errors(ROOT_APP) == []
    assert ROOT_APP["spec"]["source"]["path"] == "deployment/apps"
    assert ROOT_APP["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    # Children are ordered by sync waves, which only a parent app makes Argo CD honour.
    for app in APPS.values():
        int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


def test_the_gpu_plugin_is_opt_in():
    assert "intel-gpu-plugin" not in apps.apps_by_name()
    assert "intel-gpu-plugin" in APPS


def test_placeholders_live_in_one_file():
    """Only apps/values.yaml names the repository, the NFS server and the alert receiver for
    what runs in the cluster. The Ansible inventories (proxmox/, kubespray/) name the hosts for
    the steps before a cluster exists; test_provisioning.py checks they agree with it."""
    values = apps.chart_values()
    site = [values["repoURL"], values["nfs"]["server"], values["alertmanager"]["webhookURL"]]
    ansible = (DEPLOYMENT / "proxmox", DEPLOYMENT / "kubespray")
    for path in sorted(DEPLOYMENT.rglob("*.yaml")) + sorted(DEPLOYMENT.rglob("*.yml")):
        if (
            path == apps.APPS_CHART / "values.yaml"
            or path.is_relative_to(ansible[0])
            or (path.is_relative_to(ansible[1]))
        ):
            continue
        text = path.read_text(encoding="utf-8")
        for placeholder in site:
            assert placeholder not in text, f"{path} repeats {placeholder}: template it"
    changed = apps.apps_by_name({"repoURL": "https://git.example/lab.git"})
    assert sources(changed["lab-base"])[0]["repoURL"] == "https://git.example/lab.git"


def test_the_offline_renderer_refuses_what_it_cannot_render():
    with pytest.raises(AssertionError, match="does not support"):
        apps.render_template("x: {{ .Values.a | upper }}", {"a": "b"})
    with pytest.raises(AssertionError, match="not set"):
        apps.render_template("x: {{ .Values.missing }}", {})


def test_the_dagster_app_pins_the_chart_to_the_installed_dagster_with_values_from_git():
    chart, values_ref, hooks = sources(APPS["lab-dagster"])

    assert chart["chart"] == "dagster"
    assert chart["repoURL"] == "https://dagster-io.github.io/helm"
    assert chart["targetRevision"] == importlib.metadata.version("dagster")
    assert chart["helm"]["releaseName"] == rendering.RELEASE
    (value_file,) = chart["helm"]["valueFiles"]
    assert value_file.startswith(f"${values_ref['ref']}/")
    assert REPO / value_file.split("/", 1)[1] == rendering.VALUES_FILE
    assert values_ref["repoURL"] == sources(APPS["lab-base"])[0]["repoURL"]
    # The PreSync migrate hook is part of the same app, so it runs before the chart syncs.
    assert hooks["path"] == "deployment/dagster-hooks"


def test_the_base_app_syncs_the_kustomization_into_the_pipeline_namespace():
    (source,) = sources(APPS["lab-base"])
    kustomization = rendering.load_yaml(REPO / source["path"] / "kustomization.yaml")

    assert REPO / source["path"] == rendering.KUSTOMIZATION_DIR
    assert APPS["lab-base"]["spec"]["destination"]["namespace"] == kustomization["namespace"]
    assert APPS["lab-dagster"]["spec"]["destination"]["namespace"] == kustomization["namespace"]


def test_storage_syncs_before_the_lab_and_the_lab_before_dagster():
    def wave(name: str) -> int:
        return int(APPS[name]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])

    assert wave("sealed-secrets") < wave("nfs-provisioner") < wave("lab-base") < wave("lab-dagster")
    assert wave("lab-secrets") < wave("lab-base")


def test_the_nfs_storage_class_is_served_by_the_provisioner_app():
    provisioner = sources(APPS["nfs-provisioner"])[0]["helm"]["valuesObject"]["storageClass"]
    rendered = rendering.render_kustomization()
    (storage_class,) = [d for d in rendered if d["kind"] == "StorageClass"]
    claims = [d for d in rendered if d["kind"] == "PersistentVolumeClaim"]

    assert provisioner["create"] is False  # the class lives in git, in deployment/k8s
    assert storage_class["provisioner"] == provisioner["provisionerName"]
    assert storage_class["metadata"]["name"] in {c["spec"]["storageClassName"] for c in claims}
