"""Print the Helm values overlay for the kind check: the lab's code location as in
deployment/helm/values.yaml, but with the locally built image and the offline backend.

    python deployment/kind/kind_values.py > /tmp/kind-values.yaml

Helm replaces lists instead of merging them, so the overlay carries the whole code location
entry, derived here from the real values rather than copied by hand.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

VALUES = Path(__file__).resolve().parents[1] / "helm" / "values.yaml"
IMAGE = {"repository": "lab-pipelines", "tag": "kind", "pullPolicy": "Never"}
OVERRIDES = {"LAB_BACKEND": "offline", "LAB_PUSHGATEWAY_URL": ""}


def kind_values(values: dict[str, Any]) -> dict[str, Any]:
    deployments = copy.deepcopy(values["dagster-user-deployments"]["deployments"])
    for deployment in deployments:
        deployment["image"] = dict(IMAGE)
        env = [e for e in deployment["env"] if e["name"] not in OVERRIDES]
        env += [{"name": k, "value": v} for k, v in OVERRIDES.items() if v]
        deployment["env"] = env
    return {
        "dagster-user-deployments": {"deployments": deployments},
        # No tailnet in kind: a plain ClusterIP Service.
        "dagsterWebserver": {"service": {"annotations": {}}},
    }


def main() -> int:
    values = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    yaml.safe_dump(kind_values(values), sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
