"""Area 6, measured: what running the bulk on node B saves against doing it all on Gemini.

    python bench/savings.py --work /tmp/lab-savings [--days 30] [--corpus ../shared/corpus]

The corpus (579 documents) goes through the pipeline's own stages with the shipped models
(exaone3.5:7.8b summaries, bge-m3 embeddings) on the Ollama double, whose token counts follow
the text it is sent; then one question a day for ``--days`` days is answered by Gemini (the
double) from hybrid retrieval over that store. Every step's usage row is the one the pipeline
writes (lab_pipelines.usage.ledger_row) and the figures are the cost ledger's own
(build_cost_ledger): the share of tokens processed locally and the savings ratio.

That is done twice: with the shipped writer setting, and with the cheapest Gemini setting that
keeps its quality score. The setting is chosen on bench/retrieval_questions.tsv (the
development questions); the days ask bench/retrieval_test_questions.tsv (the blind test set),
whose quality is reported too: the choice is never made on the questions it is judged on.

What is modelled, not measured: the doubles' replies (so the quality scores say how the
settings cite, not how well real Gemini writes), their thinking tokens (700 an answer for 2.5
Flash, none with a zero budget or on Flash-Lite) and EXAONE's output length. Token counts of
documents, chunks, summaries and prompts are measured on the real corpus.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lab_pipelines_tests.doubles.gemini_server import FakeGemini, gemini_models  # noqa: E402
from lab_pipelines_tests.doubles.ollama_models import candidate_models  # noqa: E402
from lab_pipelines_tests.doubles.ollama_server import FakeOllama  # noqa: E402

SETTINGS = ("gemini-2.5-flash", "gemini-2.5-flash@0", "gemini-2.5-flash-lite")
SHIPPED = "gemini-2.5-flash"


class Rows:
    """The usage rows of one scenario, read by build_cost_ledger as it reads the store."""

    def __init__(self, rows: list) -> None:  # lab_pipelines.store.UsageRow
        self.rows = rows

    def usage(self, **filters: str) -> list[dict]:
        return [row.as_record() for row in self.rows]


def build_store(settings, store, summarizer, embedder) -> dict:  # noqa: ANN001
    """The corpus through the stages; the local counters are what the ledger records."""
    from lab_pipelines.inbox import scan_inbox
    from lab_pipelines.stages.embed import embed_documents
    from lab_pipelines.stages.ingest import ingest_documents, plan_chunks
    from lab_pipelines.stages.summarize import summarize_documents

    files = {f.doc_id: f for f in scan_inbox(settings.inbox)}
    ids = sorted(files)
    started = time.perf_counter()
    report = ingest_documents(store, files, ids, settings.max_file_mb * 1_000_000)
    plan_chunks(store, ids, settings.chunk_chars, settings.chunk_overlap_chars)
    summaries = summarize_documents(store, summarizer, ids, parallel=2)
    embedded = embed_documents(store, embedder, ids)
    return {
        "documents": len(ids),
        "parsed": len(report.parsed) + len(report.unchanged),
        "summarised": len(summaries.written),
        "embedded": embedded.embedded,
        "seconds": round(time.perf_counter() - started, 1),
    }


def snapshot(counter):  # noqa: ANN001, ANN201
    from lab_pipelines.models.base import CallCounter

    return CallCounter(counter.calls, counter.prompt_tokens, counter.output_tokens, counter.timings)


def local_rows(summarizer, embedder, local: dict, reference: str, documents: int) -> list:  # noqa: ANN001
    from lab_pipelines.costs import price_book
    from lab_pipelines.usage import ledger_row

    return [
        ledger_row(
            run_id="savings",
            asset=asset,
            backend=model.backend,
            model=model.model,
            counter=local[key],
            documents=documents,
            seconds=local[key].timings.total_ns / 1e9,
            prices=price_book(),
            reference_model=reference,
            timezone="Asia/Seoul",
        )
        for asset, key, model in (("summaries", "s", summarizer), ("embeddings", "e", embedder))
    ]


def answer_days(store, embedder, factory, setting: str, questions, days: int, budget: int):  # noqa: ANN001, ANN201
    """One question a day, answered as generated_outputs answers a request; one usage row a
    day, as its step records it."""
    from lab_pipelines.costs import price_book
    from lab_pipelines.models.base import CallCounter
    from lab_pipelines.stages.generate import generate_output
    from lab_pipelines.usage import ledger_row

    model, _, _ = setting.partition("@")
    rows = []
    for day in range(days):
        writer = factory.writer(setting)
        question = questions[day % len(questions)].question
        generate_output(store, embedder, writer, f"savings/{setting}/{day}", question, budget)
        counter: CallCounter = writer.counter
        row = ledger_row(
            run_id=f"day-{day}",
            asset="generated_outputs",
            backend=writer.backend,
            model=model,
            counter=counter,
            documents=1,
            seconds=0.0,
            prices=price_book(),
            reference_model=model,
            timezone="Asia/Seoul",
        )
        row = dataclasses.replace(row, day=f"day {day + 1:03d}")
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, help="folder for the LanceDB store")
    parser.add_argument("--corpus", default=str(HERE.parent.parent / "shared" / "corpus"))
    parser.add_argument("--days", type=int, default=30, help="days of one question each")
    args = parser.parse_args()

    with (
        FakeOllama(models=candidate_models(), sleep_scale=0.0) as ollama,
        FakeGemini(models=gemini_models()) as gemini,
    ):
        os.environ.update(
            LAB_BACKEND="live",
            LAB_INBOX=args.corpus,
            LAB_DATA=args.work,
            OLLAMA_HOST=ollama.url,
            LAB_GEMINI_BASE_URL=gemini.url,
            GEMINI_API_KEY="savings-bench-double-only",
            LAB_OLLAMA_RETRY_DELAY_MS="20",
        )
        run(args)


def run(args: argparse.Namespace) -> None:
    from lab_pipelines.costs import price_book
    from lab_pipelines.defs.evaluate.runner import factory as build_factory
    from lab_pipelines.defs.resources import build_resources
    from lab_pipelines.evaluation.evalset import read_questions
    from lab_pipelines.evaluation.writer import evaluate_writer
    from lab_pipelines.settings import load_settings
    from lab_pipelines.store import Store
    from lab_pipelines.usage import build_cost_ledger

    settings = load_settings()
    resources = build_resources(settings, as_env_vars=False)
    models, text_writer = resources["local_models"], resources["text_writer"]
    store = Store(settings.lancedb_dir)
    summarizer, embedder = models.summarizer(), models.embedder()
    built = build_store(settings, store, summarizer, embedder)
    print(f"corpus: {built}", flush=True)
    # The pipeline's own work only: the questions' embeddings below are not the corpus's.
    local = {kind: snapshot(m.counter) for kind, m in (("s", summarizer), ("e", embedder))}

    factory = build_factory(models, text_writer)
    budget = settings.prompt_token_budget
    dev = read_questions(HERE / "retrieval_questions.tsv")
    test = read_questions(HERE / "retrieval_test_questions.tsv")
    chosen: dict[str, dict] = {}
    for setting in SETTINGS:
        result = evaluate_writer(
            store, embedder, factory.writer(setting), setting, dev, budget, price_book()
        )
        chosen[setting] = result.figures
        print(f"dev  {setting:24} {result.figures}", flush=True)
    keep = chosen[SHIPPED]["quality_score"]
    cheapest = min(
        (s for s in SETTINGS if chosen[s]["quality_score"] >= keep),
        key=lambda s: chosen[s]["usd_per_1000_answers"],
    )
    print(f"cheapest setting keeping the dev quality {keep:.3f}: {cheapest}")

    days_q = test[: args.days] if args.days <= len(test) else test
    for setting in dict.fromkeys((SHIPPED, cheapest)):
        held_out = evaluate_writer(
            store, embedder, factory.writer(setting), setting, days_q, budget, price_book()
        )
        model = setting.partition("@")[0]
        rows = local_rows(summarizer, embedder, local, model, built["documents"])
        rows += answer_days(store, embedder, factory, setting, days_q, args.days, budget)
        ledger = build_cost_ledger(Rows(rows))
        total = ledger.local_tokens + ledger.gemini_tokens
        print(
            f"\n{setting}: {args.days} days, one question a day, after the corpus\n"
            f"  test-set quality {held_out.figures['quality_score']:.3f} "
            f"(right document {held_out.figures['grounded_share']:.2f})\n"
            f"  tokens local {ledger.local_tokens:,}, Gemini {ledger.gemini_tokens:,}: "
            f"local share {ledger.local_tokens / total:.4f}\n"
            f"  spent ${ledger.cost_usd:.4f}, all-Gemini ${ledger.all_gemini_usd:.4f} "
            f"({model} prices read on {price_book().read_on}): "
            f"savings ratio {ledger.savings_ratio:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
