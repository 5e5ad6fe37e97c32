"""The backfills several figures read: each run once, its result a typed input of the figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness import Bench, Run, Sim, copy_corpus

from figures.slot_utilisation import utilisation


@dataclass
class OfflineBackfill:
    """The corpus with the offline backends (no model server): the index figures 5 and 6 search."""

    run: Run
    data: Path
    docs: int


@dataclass
class ZeroLatencyBackfill:
    """The corpus against the sim at time scale 0: orchestration alone (figures 2, 3, 4, 7)."""

    run: Run
    stats: dict
    data: Path
    env: dict[str, str]
    docs: int

    @property
    def model_calls(self) -> int:
        return self.stats["chat_requests"] + self.stats["embed_requests"]


@dataclass
class MeasuredBackfill:
    """A backfill at a time scale, with its slot utilisation (figures 1, 3, 7)."""

    label: str
    run: Run
    stats: dict
    u: dict
    env: dict[str, str]
    data: Path
    docs: int
    scale: float


def offline(b: Bench, corpus: list[str]) -> OfflineBackfill:
    inbox = copy_corpus(b.work / "inbox-offline", corpus)
    data = b.work / "data-offline"
    run = b.pipeline(b.env(inbox, data, "offline"), "offline-backfill")
    return OfflineBackfill(run, data, len(corpus))


def zero_latency(b: Bench, sim: Sim, corpus: list[str]) -> ZeroLatencyBackfill:
    sim.measure(0)
    inbox = copy_corpus(b.work / "inbox-zero", corpus)
    data = b.work / "data-zero"
    env = b.env(inbox, data, "live", sim.url)
    run = b.pipeline(env, "zero-latency-backfill", 0)
    return ZeroLatencyBackfill(run, sim.stats(), data, env, len(corpus))


def measured(
    b: Bench,
    sim: Sim,
    label: str,
    inbox: Path,
    docs: int,
    scale: float,
    *,
    batch: int = 100,
    chat_free: bool = False,
) -> MeasuredBackfill:
    """One backfill of `inbox` at time `scale`; batch 1: one run per document."""
    sim.measure(scale, chat_free=chat_free)
    data = b.work / f"data-{label}"
    env = b.env(inbox, data, "live", sim.url)
    if batch != 100:
        # The sensors' span is fixed at 100 (lab_pipelines.batching); LAB_RUN_BATCH is what the
        # one-run-per-document comparison of figure 1 sets.
        env["LAB_RUN_BATCH"] = str(batch)
    run = b.pipeline(env, label, scale)
    stats = sim.stats()
    u = utilisation(stats, run.start, run.end, scale)
    u |= {"rc": run.rc, "docs": docs}
    u |= {k: stats[k] for k in ("chat_requests", "embed_requests")}
    return MeasuredBackfill(label, run, stats, u, env, data, docs, scale)


def corpus_measured(b: Bench, sim: Sim, corpus: list[str], scale: float) -> MeasuredBackfill:
    """The corpus backfill of figure 1, whose state figure 3 re-runs and edits."""
    inbox = copy_corpus(b.work / "inbox-sim", corpus)
    return measured(b, sim, "corpus-backfill", inbox, len(corpus), scale)
