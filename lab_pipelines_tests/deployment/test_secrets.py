"""No plaintext Secret can reach the cluster from git, and the UI is open to chosen tailnet
users only."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import yaml

from lab_pipelines_tests.deployment import apps, rendering, tools
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT, REPO

SECRETS_DIR = DEPLOYMENT / "secrets"
GEMINI_KEY = re.compile(r"AIza[0-9A-Za-z_\-]{35}")


def plaintext_secrets(root: Path) -> list[str]:
    """Every YAML document under ``root`` that is a Secret with data: what would apply as-is."""
    found = []
    for path in tools.repo_files(root):
        if path.suffix not in {".yaml", ".yml"}:
            continue
        try:
            docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue  # templates with {{ }} are rendered and checked separately
        for doc in docs:
            is_secret = isinstance(doc, dict) and doc.get("kind") == "Secret"
            if is_secret and (doc.get("data") or doc.get("stringData")):
                found.append(f"{path.relative_to(root)}: Secret {doc['metadata']['name']}")
    return found


def test_no_file_in_the_repository_is_a_plaintext_secret():
    assert plaintext_secrets(REPO) == []


def test_the_check_finds_a_planted_plaintext_secret(tmp_path):
    planted = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "oops"},
               "stringData": {"GEMINI_API_KEY": "x"}}  # fmt: skip
    (tmp_path / "oops.sealed.yaml").write_text(yaml.safe_dump(planted), encoding="utf-8")
    assert plaintext_secrets(tmp_path) == ["oops.sealed.yaml: Secret oops"]


def test_nothing_rendered_for_the_cluster_is_a_secret():
    rendered = [
        *rendering.render_kustomization(DEPLOYMENT / "k8s"),
        *rendering.render_kustomization(DEPLOYMENT / "dagster-hooks"),
        *apps.render_apps({"intelGpu.enabled": True}),
    ]
    assert rendered and not [d for d in rendered if d["kind"] == "Secret"]
    # The chart creates none either: the Postgres password comes sealed.
    assert rendering.chart_values()["generatePostgresqlPasswordSecret"] is False


def test_the_secrets_app_applies_only_sealed_files():
    app = apps.apps_by_name()["lab-secrets"]
    source = app["spec"]["source"]
    assert REPO / source["path"] == SECRETS_DIR
    include = source["directory"]["include"]
    assert fnmatch.fnmatch("lab-gemini.sealed.yaml", include)
    for plaintext in ("lab-gemini.yaml", "secret.yml", "README.md"):
        assert not fnmatch.fnmatch(plaintext, include)
    for path in SECRETS_DIR.glob("*.sealed.yaml"):
        for doc in rendering.load_yaml_documents(path):
            assert doc["kind"] == "SealedSecret" and doc["spec"]["encryptedData"], path


def test_no_gemini_key_anywhere_in_the_repository():
    hits = []
    for path in tools.repo_files(REPO):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        hits += [f"{path.relative_to(REPO)}" for _ in GEMINI_KEY.finditer(text)]
    assert hits == []


def _hujson(path: Path) -> dict:
    """Tailscale's policy syntax: JSON with comments and trailing commas."""
    text = re.sub(r"^\s*//.*$", "", path.read_text(encoding="utf-8"), flags=re.M)
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def test_only_the_lab_group_reaches_the_ui_proxies():
    policy = _hujson(DEPLOYMENT / "tailscale" / "policy.hujson")
    tag = apps.chart_values()["tailscale"]["proxyTag"]

    assert policy["tagOwners"][tag] == ["tag:k8s-operator"]
    to_ui = [g for g in policy["grants"] if tag in g["dst"] or "*" in g["dst"]]
    assert to_ui and all(g["src"] == ["group:lab"] for g in to_ui)
    assert all("*" not in g["src"] for g in policy["grants"])
    assert set(to_ui[0]["ip"]) <= {"tcp:80", "tcp:443"}
    # The operator tags every proxy it creates with that tag, the UI's included.
    operator = apps.apps_by_name()["tailscale-operator"]["spec"]["sources"][0]
    assert operator["helm"]["valuesObject"]["proxyConfig"]["defaultTags"] == tag
    webserver = rendering.chart_values()["dagsterWebserver"]["service"]["annotations"]
    assert webserver["tailscale.com/expose"] == "true"
