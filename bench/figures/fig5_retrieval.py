"""Figure 5: retrieval quality (recall@5, MRR@10) on the offline backfill's index."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness import HERE, PYTHON, Bench, Figure

from figures.backfills import OfflineBackfill


@dataclass
class Quality:
    """bench/retrieval.py quality's answer, and its rows."""

    result: dict = field(default_factory=dict)
    rows: list[Figure] = field(default_factory=list)

    @property
    def hybrid_misses(self) -> list[dict]:
        return self.result.get("modes", {}).get("hybrid", {}).get("misses@5", [])


def rows(b: Bench, offline: OfflineBackfill) -> Quality:
    data = offline.data
    env = b.env(b.work / "inbox-offline", data, "offline")
    argv = [PYTHON, str(HERE / "retrieval.py"), "quality", "--data", str(data)]
    command = (
        f"LAB_BACKEND=offline LAB_DATA={data} {Path(PYTHON).name} bench/retrieval.py quality "
        f"--data {data}   (LanceDB of: {offline.run.command})"
    )
    result, error = b.last_json(argv, env, "retrieval-quality")
    if result is None:
        return Quality(
            rows=[
                Figure("5", "retrieval quality", f"failed: {error}", passed=False, command=command)
            ]
        )
    indexed = len(list((b.work / "inbox-offline").rglob("*.*")))
    scope = "" if not b.quick else f", quick: index of only the {indexed} answering documents"
    out = Quality(result)
    for mode in ("fts", "vector", "hybrid"):
        by = result["modes"][mode]
        m, en, ko = by["all"], by["en"], by["ko"]
        shipped = mode == "hybrid"
        out.rows.append(
            Figure(
                "5",
                f"{mode}: recall@5 / MRR@10 over {result['questions']} questions (en / ko){scope}",
                f"{m['recall@5']:.3f} / {m['mrr@10']:.3f} (en {en['recall@5']:.2f} / "
                f"{en['mrr@10']:.2f}, ko {ko['recall@5']:.2f} / {ko['mrr@10']:.2f})",
                "≥ 0.90 / ≥ 0.75 (shipped default: hybrid)" if shipped else "",
                (m["recall@5"] >= 0.90 and m["mrr@10"] >= 0.75) if shipped else None,
                command,
            )
        )
    return out
