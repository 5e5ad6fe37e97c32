"""The files of deployment/monitoring, and the PromQL they contain."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from lab_pipelines.settings import project_root

MONITORING = project_root() / "deployment" / "monitoring"
PROMETHEUS_CONFIG = MONITORING / "prometheus.yml"
RULES = MONITORING / "rules" / "lab_pipelines.rules.yml"
RULES_TEST = MONITORING / "rules" / "lab_pipelines.rules.test.yml"
DASHBOARD = MONITORING / "grafana" / "lab_pipelines.dashboard.json"
PROMETHEUS_RULE = MONITORING / "k8s" / "prometheusrule.yaml"

# The Pushgateway adds these to every pushed group; the rules may use them (push_time_seconds
# tells how old a group's figures are).
PUSHGATEWAY_METRICS = {"push_time_seconds", "push_failure_time_seconds"}

# What Grafana substitutes before it sends a query; a representative value for each.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}

_PROMQL_WORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "offset", "bool", "inf", "nan",
    # aggregations, which may put their by/without clause before the parenthesis
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile",
}  # fmt: skip


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def rules() -> list[dict]:
    return [rule for group in load_yaml(RULES)["groups"] for rule in group["rules"]]


def recorded(name: str) -> str:
    """The expression of the recording rule ``name``."""
    (expr,) = [r["expr"] for r in rules() if r.get("record") == name]
    return expr


@cache
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panels() -> list[dict]:
    """Every panel, those inside collapsed rows included."""
    found = []
    for panel in dashboard()["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return [p for p in found if p["type"] != "row"]


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, PromQL as Prometheus receives it) for every query of the dashboard."""
    return [
        (panel["title"], grafana_to_promql(target["expr"]))
        for panel in panels()
        for target in panel.get("targets", [])
    ]


def grafana_to_promql(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr!r}"
    return expr


def selected_metrics(expr: str) -> set[str]:
    """The metric names an expression selects: identifiers that are not functions, keywords,
    label names (inside {...} or by/on/without/ignoring/group_* lists) or string contents."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values and other strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", expr
    )  # label lists
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range and subquery durations
    expr = re.sub(r"\boffset\s+\w+", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w:.])([a-zA-Z_:][\w:]*)(\s*\()?", expr):
        name, call = match.groups()
        if not call and name.lower() not in _PROMQL_WORDS:
            names.add(name)
    return names


def rule_and_dashboard_metrics() -> dict[str, set[str]]:
    """Metric name → where it is used ("rule <name>" / "panel <title>")."""
    uses: dict[str, set[str]] = {}
    for rule in rules():
        where = f"rule {rule.get('alert') or rule.get('record')}"
        for name in selected_metrics(rule["expr"]):
            uses.setdefault(name, set()).add(where)
    for title, expr in dashboard_queries():
        for name in selected_metrics(expr):
            uses.setdefault(name, set()).add(f"panel {title}")
    return uses
