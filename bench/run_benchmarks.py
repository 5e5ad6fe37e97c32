"""The benchmark harness of issue 7: every figure, in one command, into bench/RESULTS.md.

    .venv/bin/python bench/run_benchmarks.py            # full run, ~20 min on 2 cores
    .venv/bin/python bench/run_benchmarks.py --quick    # smaller samples, ~3 min
    .venv/bin/python bench/run_benchmarks.py --docs 6 --no-peer --out /tmp/r.md   # smoke

The pipeline is driven through its own command line (``python -m lab_pipelines.cli run``, the
``lab-pipelines run`` entry point) in fresh processes, against ``bench/ollama_sim.py`` (the
project's Ollama double with node B's speeds, its own process) and the project's FakeGemini, on
copies of ``../shared/corpus`` and of a synthetic corpus made in a temporary folder (nothing of
the corpus is written into the project). Every figure is written with the exact command that
produced it.

Each figure is a module of ``bench/figures/``; this driver runs the steps a figure declares it
needs (``STEPS``: the backfills, each run once) before the figure, in dependency order.

Options: ``--project DIR`` runs another checkout (a scratch copy with a candidate change);
``--json FILE`` also saves the raw figures; ``--baseline FILE`` adds a "before" column from a
saved JSON; ``--only 1,2,5`` runs some figures (``1c``: the corpus backfill of figure 1 alone);
``--no-peer`` skips LlamaIndex; ``--docs N``: only N corpus documents and tiny samples, to check
that every figure runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from figures import (
    backfills,
    fig1_utilisation,
    fig2_overhead,
    fig3_incremental,
    fig4_batching,
    fig5_retrieval,
    fig6_search_latency,
    fig7_peer,
)
from harness import (
    DEFAULT_PROJECT,
    HERE,
    Bench,
    Sim,
    corpus_files,
    count_orphans_cpu,
    log,
    subset,
)
from report import render, write_json

FIGURES = ["2", "4", "1c", "1", "3", "5", "6", "7"]  # the order they run and are reported in


@dataclass(frozen=True)
class Sizes:
    """How much each figure measures: full run, --quick, or --docs N."""

    corpus: list[str]
    scale: float
    samples: fig1_utilisation.Samples
    speed_rows: str
    peer_modes: list[str]


@dataclass(frozen=True)
class Step:
    """A backfill or a figure: the steps whose results it takes, in order, and what it runs."""

    needs: tuple[str, ...]
    run: Callable[..., Any]


def steps(b: Bench, sim: Sim, size: Sizes, big: bool) -> dict[str, Step]:
    corpus, scale = size.corpus, size.scale
    return {
        "offline": Step((), lambda: backfills.offline(b, corpus)),
        "zero": Step((), lambda: backfills.zero_latency(b, sim, corpus)),
        "measured": Step((), lambda: backfills.corpus_measured(b, sim, corpus, scale)),
        "fig2": Step(("offline", "zero"), fig2_overhead.rows),
        "fig4": Step(("zero",), fig4_batching.rows),
        "fig1c": Step(("measured",), fig1_utilisation.corpus_rows),
        "fig1": Step(
            ("fig1c",),
            lambda _: fig1_utilisation.synthetic_and_subset_rows(
                b, sim, corpus, scale, size.samples
            ),
        ),
        "zero-rerun": Step(
            ("zero",), lambda zero: fig3_incremental.zero_latency_rerun(b, sim, zero)
        ),
        "edit": Step(("measured",), lambda m: fig3_incremental.rerun_and_edit(b, sim, m)),
        "failure": Step(("zero",), lambda zero: fig3_incremental.failure(b, sim, corpus, zero)),
        "fig3": Step(("zero-rerun", "edit", "failure"), lambda *_: []),
        "fig5": Step(("offline",), lambda offline: fig5_retrieval.rows(b, offline)),
        "fig6": Step(
            ("offline",), lambda o: fig6_search_latency.rows(b, o, size.speed_rows, big=big)
        ),
        "fig7": Step(
            ("zero", "edit", "failure"),
            lambda zero, edit, failure: fig7_peer.rows(
                b, sim, corpus, scale * 2.5, zero, edit, failure, size.peer_modes
            ),
        ),
    }


def run_steps(b: Bench, table: dict[str, Step], wanted: list[str], done: dict[str, Any]) -> None:
    """Run each wanted step after the steps it needs, each step once; results by step name in
    `done` (filled as they finish, so an interrupted run still reports what it measured)."""

    def run(name: str) -> Any:
        if name not in done:
            inputs = [run(need) for need in table[name].needs]
            log(f"step {name}")
            done[name] = table[name].run(*inputs)
            result = done[name]
            b.extend(result if isinstance(result, list) else getattr(result, "rows", []))
        return done[name]

    for name in wanted:
        run(name)


def sizes(args: argparse.Namespace) -> Sizes:
    files = [p for p, _ in corpus_files()]
    if not (args.quick or args.docs):
        return Sizes(
            files,
            1 / 250,
            fig1_utilisation.Samples(2000, 40),
            "10000,100000",
            ["sync", "workers", "async"],
        )
    # The documents that answer the retrieval questions (so figure 5 still means something).
    sys.path.insert(0, str(HERE))
    from retrieval import load_questions

    answers = {a for q in load_questions(HERE / "retrieval_questions.tsv") for a in q["answers"]}
    corpus = [p for p in files if p in answers]
    if args.docs:
        corpus = subset(corpus, args.docs)
        samples = fig1_utilisation.Samples(args.docs, max(2, min(12, args.docs // 2)))
        return Sizes(corpus, 1 / 1000, samples, "2000", ["workers"])
    return Sizes(corpus, 1 / 1000, fig1_utilisation.Samples(300, 12), "10000", ["workers"])


def _raw(result: Any) -> Any:
    """A step's result for --json: its fields without rows, environments and timelines."""
    if not dataclasses.is_dataclass(result):
        return None
    out = {k: v for k, v in dataclasses.asdict(result).items() if k not in ("rows", "env")}
    if isinstance(out.get("stats"), dict):
        out["stats"] = {k: v for k, v in out["stats"].items() if k != "timeline"}
    return out


def main(argv: list[str] | None = None) -> int:
    # On SIGTERM unwind normally: subprocess.run kills its child, finally closes the sim.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples, ~3 min")
    parser.add_argument("--docs", type=int, default=0, help="N corpus documents, tiny samples")
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--only", default="", help="figures to run, e.g. 1c,2,5")
    parser.add_argument("--no-peer", action="store_true", help="skip figure 7 (LlamaIndex)")
    parser.add_argument("--big", action="store_true", help="figure 6 at 1M rows (512-d) only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    wanted = [f for f in FIGURES if (not only or f in only) and not (f == "7" and args.no_peer)]
    size = sizes(args)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="lab-bench-"))
    (work / "logs").mkdir()
    b = Bench(project=args.project.resolve(), work=work, quick=args.quick or bool(args.docs))
    whole_tree = count_orphans_cpu()
    log(f"work folder {work}; project {b.project}; figures {', '.join(wanted)}")
    log("CPU figures count " + ("every descendant" if whole_tree else "only reaped children"))
    sys.path.insert(0, str(b.project))
    from lab_pipelines_tests.doubles.gemini_server import FakeGemini

    sim = None
    done: dict[str, Any] = {}
    try:
        with FakeGemini() as gemini:
            b.gemini_url = gemini.url
            sim = Sim(b.project, work / "logs")
            run_steps(b, steps(b, sim, size, args.big), [f"fig{f}" for f in wanted], done)
    finally:
        if sim is not None:
            sim.close()
        quality = done.get("fig5")
        text = render(
            b,
            started,
            json.loads(args.baseline.read_text()) if args.baseline else None,
            ["python", "bench/run_benchmarks.py", *(argv if argv is not None else sys.argv[1:])],
            quality.hybrid_misses if quality else [],
        )
        args.out.write_text(text, encoding="utf-8")
        if args.json:
            write_json(args.json, b, {name: _raw(r) for name, r in done.items()})
        log(f"wrote {args.out} in {time.monotonic() - started:.0f} s")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if all(f.passed is not False for f in b.figures) else 1


if __name__ == "__main__":
    sys.exit(main())
