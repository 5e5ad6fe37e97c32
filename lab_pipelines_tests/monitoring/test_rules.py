"""The monitoring files as their tools read them: promtool for the Prometheus configuration and
the rules (and the rules' unit tests), kustomize for the kube-prometheus-stack option, and the
dashboard's structure and thresholds against the rules' settings."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lab_pipelines_tests.monitoring import files
from lab_pipelines_tests.monitoring.servers import PROMTOOL


@pytest.fixture
def promtool() -> Path:
    if not PROMTOOL.exists():
        pytest.skip(f"{PROMTOOL} not found: install Debian's prometheus package for promtool")
    return PROMTOOL


def run(argv: list, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_promtool_accepts_the_prometheus_config_and_its_rule_files(promtool: Path) -> None:
    output = run([promtool, "check", "config", files.PROMETHEUS_CONFIG.name], files.MONITORING)
    assert "SUCCESS: 1 rule files found" in output


def test_promtool_accepts_the_rules(promtool: Path) -> None:
    output = run([promtool, "check", "rules", files.RULES], files.MONITORING)
    assert f"SUCCESS: {len(files.rules())} rules found" in output


def test_the_alert_rules_pass_their_unit_tests(promtool: Path) -> None:
    run([promtool, "test", "rules", files.RULES_TEST.name], files.RULES_TEST.parent)


def test_every_alert_has_a_unit_test() -> None:
    tested = {
        case["alertname"]
        for test in files.load_yaml(files.RULES_TEST)["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")  # a test that sees it fire, not only stay quiet
    }
    alerts = {r["alert"] for r in files.rules() if "alert" in r}
    assert alerts <= tested, f"no unit test sees these fire: {alerts - tested}"


def test_the_pushgateway_is_scraped_with_the_pushed_labels_kept() -> None:
    config = files.load_yaml(files.PROMETHEUS_CONFIG)
    (job,) = config["scrape_configs"]
    assert job["honor_labels"] is True
    assert [t for group in job["static_configs"] for t in group["targets"]] == ["pushgateway:9091"]
    assert [files.MONITORING / f for f in config["rule_files"]] == [files.RULES]


def test_every_dashboard_query_is_valid_promql(promtool: Path, tmp_path: Path) -> None:
    # promtool has no "parse this expression" command; a recording rule per query does it.
    queries = files.dashboard_queries()
    as_rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{n}", "expr": expr}
                    for n, (_, expr) in enumerate(queries)
                ],
            }
        ]
    }
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump(as_rules), encoding="utf-8")
    output = run([promtool, "check", "rules", path], tmp_path)
    assert f"SUCCESS: {len(queries)} rules found" in output


def _setting(record: str) -> float:
    """The constant a settings rule records, e.g. 5 for `vector(5)`."""
    match = re.fullmatch(r"vector\(([0-9.]+)\)", files.recorded(record).strip())
    assert match, f"{record} is not a constant"
    return float(match.group(1))


def _top_threshold(title: str) -> float:
    (panel,) = [p for p in files.panels() if p["title"] == title]
    return max(
        step["value"]
        for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        if step["value"] is not None
    )


def test_the_dashboard_thresholds_are_the_alert_settings() -> None:
    budget = _setting("lab_pipelines:gemini_daily_budget_usd")
    backlog = _setting("lab_pipelines:backlog_threshold_documents")
    assert (budget, backlog) == (5, 100)  # the README documents these defaults
    assert _top_threshold("Gemini spend today") == _top_threshold("Gemini spend") == budget
    assert _top_threshold("Backlog") == _top_threshold("Backlog and inbox") == backlog


def test_the_dashboard_imports_into_any_grafana_with_a_prometheus() -> None:
    dashboard = files.dashboard()
    assert dashboard["uid"] and dashboard["title"]
    (variable,) = dashboard["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == (
        "datasource",
        "datasource",
        "prometheus",
    )
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in files.panels():
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert ref_ids and len(ref_ids) == len(set(ref_ids)), panel["title"]
        assert all(t["datasource"] == panel["datasource"] for t in panel["targets"])


def test_the_prometheusrule_carries_the_same_rules() -> None:
    resource = files.load_yaml(files.PROMETHEUS_RULE)
    assert resource["apiVersion"] == "monitoring.coreos.com/v1"
    assert resource["kind"] == "PrometheusRule"
    assert resource["spec"]["groups"] == files.load_yaml(files.RULES)["groups"]


def test_kustomize_renders_the_rules_and_the_dashboard_configmap() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not found: it renders the kustomization")
    # the deployment tests' schema check (Kubernetes version pinned there)
    schemas = pytest.importorskip(
        "lab_pipelines_tests.deployment.schemas", reason="kubernetes-validate is not installed"
    )
    rendered = list(yaml.safe_load_all(run([kubectl, "kustomize", "."], files.MONITORING)))
    by_kind = {doc["kind"]: doc for doc in rendered}
    assert set(by_kind) == {"ConfigMap", "PrometheusRule"}
    configmap = by_kind["ConfigMap"]
    schemas.validate_manifest(configmap)
    assert configmap["metadata"]["labels"] == {"grafana_dashboard": "1"}  # the sidecar's label
    (content,) = configmap["data"].values()
    assert json.loads(content) == files.dashboard()
    assert by_kind["PrometheusRule"]["metadata"]["namespace"] == "monitoring"
