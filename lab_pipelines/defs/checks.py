"""Asset checks: turn the plain checks of lab_pipelines.quality into check results."""

from collections.abc import Sequence

import dagster as dg

SEVERITY = dg.AssetCheckSeverity


def result(
    check: str, asset: str, bad: Sequence[str] | dict, what: str, blocking_severity: bool = True
) -> dg.AssetCheckResult:
    """Passed when ``bad`` is empty; otherwise the first offenders are listed in metadata."""
    offenders = list(bad.items()) if isinstance(bad, dict) else list(bad)
    return dg.AssetCheckResult(
        check_name=check,
        asset_key=asset,
        passed=not offenders,
        severity=SEVERITY.ERROR if blocking_severity else SEVERITY.WARN,
        description=f"{len(offenders)} {what}" if offenders else f"no {what}",
        metadata={"count": len(offenders), "first": dg.MetadataValue.json(offenders[:20])},
    )


def spec(name: str, asset: str, description: str, blocking: bool) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, description=description, blocking=blocking)
