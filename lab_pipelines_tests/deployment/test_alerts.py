"""Alerts reach someone: the platform rules (Ollama, PostgreSQL, NFS, backups) pass promtool and
their unit tests, and the Alertmanager configuration the root app renders passes amtool and
routes each alert to the lab's receiver."""

from __future__ import annotations

from pathlib import Path

import yaml

from lab_pipelines_tests.deployment import apps, rendering, tools
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT

MONITORING = DEPLOYMENT / "monitoring"
RULES = MONITORING / "rules" / "platform.rules.yml"
RULES_TEST = MONITORING / "rules" / "platform.rules.test.yml"


def alertmanager_config() -> dict:
    stack = apps.apps_by_name()["kube-prometheus-stack"]["spec"]["sources"][0]
    return stack["helm"]["valuesObject"]["alertmanager"]["config"]


def test_promtool_accepts_the_platform_rules_and_their_unit_tests_pass():
    promtool = tools.require("promtool", "prometheus")
    checked = tools.run([promtool, "check", "rules", str(RULES)])
    assert checked.returncode == 0 and "SUCCESS: 5 rules found" in checked.stdout, tools.output(
        checked
    )
    tested = tools.run([promtool, "test", "rules", RULES_TEST.name], cwd=RULES_TEST.parent)
    assert tested.returncode == 0, tools.output(tested)


def test_every_platform_alert_is_seen_firing_by_a_unit_test():
    alerts = {r["alert"] for g in rendering.load_yaml(RULES)["groups"] for r in g["rules"]}
    fired = {
        case["alertname"]
        for test in rendering.load_yaml(RULES_TEST)["tests"]
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    assert {"LabOllamaDown", "LabPostgresDown", "LabNFSFillingUp", "LabNFSFull"} <= alerts
    assert alerts <= fired


def test_the_prometheusrule_carries_the_same_groups_and_is_synced():
    resource = rendering.load_yaml(MONITORING / "k8s" / "platform-prometheusrule.yaml")
    assert resource["spec"]["groups"] == rendering.load_yaml(RULES)["groups"]
    assert resource["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    kustomization = rendering.load_yaml(MONITORING / "kustomization.yaml")
    assert "k8s/platform-prometheusrule.yaml" in kustomization["resources"]
    stack = apps.apps_by_name()["kube-prometheus-stack"]["spec"]["sources"]
    assert stack[1]["path"] == "deployment/monitoring"


def _amtool_routes(config: Path, *labels: str) -> str:
    amtool = tools.require("amtool", "prometheus-alertmanager")
    result = tools.run([amtool, "config", "routes", "test", f"--config.file={config}", *labels])
    assert result.returncode == 0, tools.output(result)
    return result.stdout.strip()


def test_amtool_accepts_the_alertmanager_config_and_routes_alerts(tmp_path):
    amtool = tools.require("amtool", "prometheus-alertmanager")
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump(alertmanager_config()), encoding="utf-8")
    checked = tools.run([amtool, "check-config", str(config)])
    assert checked.returncode == 0 and "SUCCESS" in checked.stdout, tools.output(checked)

    assert _amtool_routes(config, "alertname=LabOllamaDown", "severity=critical") == "lab-webhook"
    assert _amtool_routes(config, "alertname=LabNFSFillingUp", "severity=warning") == "lab-webhook"
    assert _amtool_routes(config, "alertname=Watchdog", "severity=none") == "null"
    receiver = {r["name"]: r for r in alertmanager_config()["receivers"]}["lab-webhook"]
    assert (
        receiver["webhook_configs"][0]["url"] == apps.chart_values()["alertmanager"]["webhookURL"]
    )


def test_amtool_rejects_a_route_to_an_unknown_receiver(tmp_path):
    amtool = tools.require("amtool", "prometheus-alertmanager")
    broken = alertmanager_config()
    broken["route"]["receiver"] = "nobody"
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump(broken), encoding="utf-8")
    assert tools.run([amtool, "check-config", str(config)]).returncode != 0
