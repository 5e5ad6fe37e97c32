"""cost_ledger: what the lab spent on Gemini and what running the bulk locally saved."""

import dagster as dg

from lab_pipelines.costs import price_book
from lab_pipelines.defs.generate.assets import daily_digest, generated_outputs
from lab_pipelines.defs.resources import StoreResource
from lab_pipelines.defs.step_options import COMPUTE_STEP
from lab_pipelines.defs.summarize.assets import summaries
from lab_pipelines.usage import build_cost_ledger


@dg.asset(
    deps=[
        dg.AssetDep(summaries, partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep(generated_outputs, partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep(daily_digest, partition_mapping=dg.AllPartitionMapping()),
    ],
    **COMPUTE_STEP,
    group_name="costs",
    kinds={"lancedb", "python"},
    code_version="cost-ledger-1",
    description=(
        "Per day and model, from the usage ledger every step writes: tokens processed locally "
        "(Ollama or the offline backends) and sent to Gemini, the actual Gemini cost (thinking "
        "billed as output), and what the same work would have cost on Gemini alone, at the "
        "prices in prices.toml; also in `outputs/cost_ledger.md`. The savings ratio is the "
        "headline."
    ),
)
def cost_ledger(store: StoreResource) -> dg.MaterializeResult:
    ledger = build_cost_ledger(store.open())
    book = price_book()
    report = ledger.markdown(book.read_on)
    path = store.outputs_dir / "cost_ledger.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report, encoding="utf-8")
    return dg.MaterializeResult(
        metadata={
            "savings_ratio": dg.MetadataValue.float(round(ledger.savings_ratio, 4)),
            "gemini_cost_usd": round(ledger.cost_usd, 6),
            "all_gemini_cost_usd": round(ledger.all_gemini_usd, 6),
            "local_tokens": ledger.local_tokens,
            "gemini_tokens": ledger.gemini_tokens,
            "prices_read_on": book.read_on,
            "ledger": dg.MetadataValue.md(report),
            "ledger_file": dg.MetadataValue.path(str(path)),
        }
    )
