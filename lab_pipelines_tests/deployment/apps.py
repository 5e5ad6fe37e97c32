"""``helm template deployment/apps``, for the small part of Helm the root chart uses.

There is no helm binary here (nor on Debian). The root chart's templates are kept to value
substitution, ``quote``, ``toYaml ... | nindent N`` and a whole-file ``if``; anything else makes
:func:`render_apps` fail, so a template cannot silently render differently from Helm. The kind
workflow (.github/workflows/kind.yml) renders the same chart with the real helm.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lab_pipelines_tests.deployment.rendering import DEPLOYMENT, load_yaml

APPS_CHART = DEPLOYMENT / "apps"
ACTION = re.compile(r"(\s*)\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)
VALUE = re.compile(r"^\.Values((?:\.[A-Za-z0-9_]+)+)$")


def chart_values() -> dict[str, Any]:
    return load_yaml(APPS_CHART / "values.yaml")


def _lookup(values: Mapping[str, Any], path: str) -> Any:
    node: Any = values
    for key in path.strip(".").split("."):
        if not isinstance(node, Mapping) or key not in node:
            raise AssertionError(f".Values{path} is not set in the root chart's values")
        node = node[key]
    return node


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise AssertionError(f"{value!r} needs toYaml, not a plain substitution")
    return str(value)


def _evaluate(expression: str, values: Mapping[str, Any]) -> str:
    if m := re.fullmatch(r"(\S+)\s*\|\s*quote", expression):
        return json.dumps(_scalar(_lookup(values, VALUE.match(m.group(1)).group(1))))
    if m := re.fullmatch(r"toYaml\s+(\S+)\s*\|\s*nindent\s+(\d+)", expression):
        data = _lookup(values, VALUE.match(m.group(1)).group(1))
        pad = " " * int(m.group(2))
        dumped = yaml.safe_dump(data, sort_keys=False, default_flow_style=False).rstrip("\n")
        return "\n" + "\n".join(pad + line for line in dumped.splitlines())
    if m := VALUE.match(expression):
        return _scalar(_lookup(values, m.group(1)))
    raise AssertionError(f"the offline renderer does not support {{{{ {expression} }}}}")


def render_template(text: str, values: Mapping[str, Any]) -> str:
    """One template file, as ``helm template`` renders it."""
    stripped = text.strip()
    condition = re.match(r"^\{\{-?\s*if\s+(\S+)\s*-?\}\}", stripped)
    if condition:
        assert re.search(r"\{\{-?\s*end\s*-?\}\}$", stripped), "a whole-file if needs its end"
        if not _lookup(values, VALUE.match(condition.group(1)).group(1)):
            return ""
        text = stripped[condition.end() : stripped.rindex("{{")]

    def replace(match: re.Match) -> str:
        leading, left_trim, expression, _right_trim = match.groups()
        if expression.startswith(("if ", "end", "range", "with", "define", "include")):
            raise AssertionError(f"only a whole-file `if` is supported, not {{{{ {expression} }}}}")
        return ("" if left_trim else leading) + _evaluate(expression, values)

    return ACTION.sub(replace, text)


def render_apps(overrides: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every child Application the root app creates, with ``overrides`` merged into values."""
    values = copy.deepcopy(chart_values())
    for key, value in (overrides or {}).items():
        node = values
        *parents, last = key.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = value
    docs: list[dict[str, Any]] = []
    for path in sorted((APPS_CHART / "templates").glob("*.yaml")):
        rendered = render_template(path.read_text(encoding="utf-8"), values)
        docs.extend(doc for doc in yaml.safe_load_all(rendered) if doc)
    return docs


def apps_by_name(overrides: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in render_apps(overrides)}


def template_files() -> list[Path]:
    return sorted((APPS_CHART / "templates").glob("*.yaml"))
