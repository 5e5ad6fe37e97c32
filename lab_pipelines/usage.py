"""The usage ledger: every step's model calls, tokens and cost, and the cost ledger built on it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lab_pipelines.costs import PriceBook
from lab_pipelines.models.base import CallCounter
from lab_pipelines.store import Store
from lab_pipelines.store.rows import UsageRow


def lab_day(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def ledger_row(
    *,
    run_id: str,
    asset: str,
    backend: str,
    model: str,
    counter: CallCounter,
    documents: int,
    seconds: float,
    prices: PriceBook,
    reference_model: str,
    timezone: str,
) -> UsageRow:
    """One ledger row. Gemini rows cost their tokens at the model's price; local rows cost
    nothing, and their Gemini equivalent is the same tokens at the reference model's price
    (embedding tokens are priced as input: an upper bound, Gemini embeddings cost less)."""
    now = datetime.now(UTC)
    reference = prices.price(reference_model)
    actual = (
        prices.price(model).cost(counter.prompt_tokens, counter.output_tokens)
        if (backend == "gemini")
        else 0.0
    )
    return UsageRow(
        usage_id=f"{run_id}:{asset}:{model}",
        run_id=run_id,
        asset=asset,
        day=lab_day(now, timezone),
        backend=backend,
        model=model,
        calls=counter.calls,
        input_tokens=counter.prompt_tokens,
        output_tokens=counter.output_tokens,
        documents=documents,
        seconds=round(seconds, 3),
        cost_usd=actual,
        gemini_equivalent_usd=reference.cost(counter.prompt_tokens, counter.output_tokens),
        created_at=now,
    )


@dataclass(frozen=True)
class LedgerLine:
    day: str
    model: str
    backend: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    gemini_equivalent_usd: float


@dataclass(frozen=True)
class CostLedger:
    lines: list[LedgerLine]
    local_tokens: int
    gemini_tokens: int
    cost_usd: float
    all_gemini_usd: float

    @property
    def savings_ratio(self) -> float:
        """Share of the all-Gemini cost that running locally saved (1.0 = everything saved)."""
        if self.all_gemini_usd <= 0:
            return 0.0
        return 1.0 - self.cost_usd / self.all_gemini_usd

    def markdown(self, read_on: str) -> str:
        head = (
            "| day | model | backend | calls | tokens in | tokens out | cost USD | "
            "all-Gemini USD |\n|---|---|---|---:|---:|---:|---:|---:|\n"
        )
        rows = "".join(
            f"| {x.day} | {x.model} | {x.backend} | {x.calls} | {x.input_tokens:,} | "
            f"{x.output_tokens:,} | {x.cost_usd:.4f} | {x.gemini_equivalent_usd:.4f} |\n"
            for x in self.lines
        )
        return (
            f"**Saved {self.savings_ratio:.1%}** of what the same work would cost on Gemini "
            f"alone: spent ${self.cost_usd:.4f} instead of ${self.all_gemini_usd:.4f} "
            f"(prices read on {read_on}).\n\n" + head + rows
        )


def build_cost_ledger(store: Store) -> CostLedger:
    """Per day and model: tokens, actual cost and the all-Gemini equivalent."""
    totals: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0, 0, 0.0, 0.0])
    for row in store.usage():
        if not row["calls"]:
            continue
        entry = totals[(row["day"], row["model"], row["backend"])]
        entry[0] += row["calls"]
        entry[1] += row["input_tokens"]
        entry[2] += row["output_tokens"]
        entry[3] += row["cost_usd"]
        entry[4] += row["gemini_equivalent_usd"]
    lines = [
        LedgerLine(day, model, backend, int(v[0]), int(v[1]), int(v[2]), v[3], v[4])
        for (day, model, backend), v in sorted(totals.items())
    ]
    local = sum(x.input_tokens + x.output_tokens for x in lines if x.backend != "gemini")
    remote = sum(x.input_tokens + x.output_tokens for x in lines if x.backend == "gemini")
    return CostLedger(
        lines,
        local,
        remote,
        sum(x.cost_usd for x in lines),
        sum(x.gemini_equivalent_usd for x in lines),
    )
