"""Offline schema checks for the deployment files.

- Kubernetes manifests: the OpenAPI-derived JSON schemas that the ``kubernetes-validate``
  package bundles (strict variant: unknown fields are errors), for the Kubernetes version the
  lab runs.
- Helm values: the dagster chart's ``values.schema.json`` (test data, see ``data/README.md``).
  Its Kubernetes ``$ref``s point at URLs of the yannh/kubernetes-json-schema repository; here
  they resolve to the same bundled Kubernetes definitions, so volumes, probes, tolerations and
  security contexts inside the values are checked field by field too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import kubernetes_validate
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# The Kubernetes minor the lab's Kubespray installs; a field added after it is rejected here,
# before the API server would reject it. Raise it together with the cluster.
KUBERNETES_VERSION = "1.32.0"
CHART_SCHEMA = Path(__file__).parent / "data" / "dagster-chart.values.schema.json"


def validate_manifest(doc: Mapping[str, Any]) -> str:
    """Raise ``kubernetes_validate.ValidationError`` unless ``doc`` is a valid object of its kind
    (unknown fields included); return the Kubernetes version it was checked against."""
    return kubernetes_validate.validate(dict(doc), KUBERNETES_VERSION, strict=True)


@cache
def _kubernetes_definitions() -> dict[str, Any]:
    folder = f"v{KUBERNETES_VERSION}-local-strict"
    path = resources.files("kubernetes_validate") / "kubernetes-json-schema" / folder
    bundled = json.loads((path / "_definitions.json").read_text(encoding="utf-8"))
    # The chart addresses `#/definitions/...`, the bundle stores `#/$defs/...`: offer both.
    return {"definitions": bundled["$defs"], "$defs": bundled["$defs"]}


def _retrieve(uri: str) -> Resource:
    if uri.endswith("/_definitions.json"):
        return Resource(contents=_kubernetes_definitions(), specification=DRAFT202012)
    raise LookupError(f"no offline copy of {uri}")


@cache
def chart_schema() -> dict[str, Any]:
    return json.loads(CHART_SCHEMA.read_text(encoding="utf-8"))


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_without_required(v) for v in node]
    return node


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(dict(schema), registry=Registry(retrieve=_retrieve))


def _messages(validator: Draft202012Validator, instance: Any, prefix: str = "") -> Iterator[str]:
    # best_match looks inside anyOf (most chart fields are "X or null") for the failing field.
    errors = sorted((best_match([e]) for e in validator.iter_errors(instance)), key=str)
    for error in errors:
        path = ".".join(str(p) for p in error.absolute_path)
        yield f"{prefix}{path or '<root>'}: {error.message}"


def chart_values_errors(values: Mapping[str, Any]) -> list[str]:
    """Why Helm would reject these values for the dagster chart, empty when it would not.

    Helm validates the values *merged onto the chart's defaults*, which supply every required
    key; an override file alone is checked with ``required`` dropped, for its key names, types
    and enums. Lists are not merged but replaced, so each code location under
    ``dagster-user-deployments.deployments`` must be complete on its own: those are checked
    against the full ``UserDeployment`` definition, and against its key names, which the chart
    schema itself leaves open.
    """
    schema = chart_schema()
    errors = list(_messages(_validator(_without_required(schema)), dict(values)))
    user_deployment = {**schema["$defs"]["UserDeployment"], "$defs": schema["$defs"]}
    known_keys = set(user_deployment["properties"])
    deployments = (values.get("dagster-user-deployments") or {}).get("deployments") or []
    for index, deployment in enumerate(deployments):
        prefix = f"dagster-user-deployments.deployments.{index}."
        errors.extend(_messages(_validator(user_deployment), deployment, prefix))
        errors.extend(
            f"{prefix}{key}: not a key of the chart's UserDeployment"
            for key in sorted(set(deployment) - known_keys)
        )
    return errors
