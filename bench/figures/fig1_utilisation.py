"""Figure 1: how busy the pipeline keeps the inference node's slots."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from harness import HERE, Bench, Figure, Sim, copy_corpus, corpus_files, subset

from figures import backfills
from figures.backfills import MeasuredBackfill


@dataclass(frozen=True)
class Samples:
    """How much figure 1 measures beyond the corpus backfill."""

    synthetic_docs: int
    subset_docs: int


def utilisation_row(backfill: MeasuredBackfill, what: str, *, comparison: bool = False) -> Figure:
    """The slot utilisation of one backfill; `comparison`: a figure for scale, no target."""
    u, run = backfill.u, backfill.run
    never_over = u["max_in_flight"] <= u["slots"] and u["max_queued"] == 0
    passed = None if comparison else (run.rc == 0 and u.get("full_speed", 0) >= 0.95 and never_over)
    extra = ""
    if "estimate" in u:
        extra = (
            f"; estimate {u['estimate']['full_speed']:.3f} keeping the client's "
            f"{u['handoff_s']:.1f} s of hand-offs under {1000 * u['handoff_tau_s']:.0f} ms unscaled"
        )
    return Figure(
        "1",
        f"slot utilisation, {what}",
        f"≥ {u.get('full_speed', 0):.3f} at full speed (lower bound{extra}) (measured "
        f"{u['measured']:.3f} at time scale {u['scale']:g}, wall {u['wall_s']:.0f} s, "
        f"{u['no_request_in_flight_s']:.0f} s with no request in flight); max in flight "
        f"{u['max_in_flight']}/{u['slots']}, max queued {u['max_queued']}",
        "(comparison)" if comparison else "≥ 0.95 at full speed, never more in flight than slots",
        passed,
        run.command,
    )


def corpus_rows(backfill: MeasuredBackfill) -> list[Figure]:
    """Figure "1c": the corpus backfill alone."""
    return [
        utilisation_row(backfill, f"backfill of {backfill.docs} corpus documents in runs of 100")
    ]


def synthetic_and_subset_rows(
    b: Bench, sim: Sim, corpus: list[str], scale: float, samples: Samples
) -> list[Figure]:
    """Synthetic documents at half the scale, and a subset batched vs one run per document."""
    sys.path.insert(0, str(HERE))
    import synthetic

    n_syn, n_sub = samples.synthetic_docs, samples.subset_docs
    sizes = [s for p, s in corpus_files() if not p.endswith(".pdf")]
    syn_inbox = b.work / "inbox-synthetic"
    synthetic.write_corpus(syn_inbox, sizes, n_syn)
    syn = backfills.measured(b, sim, "synthetic-backfill", syn_inbox, n_syn, scale / 2)
    sub = subset(corpus, n_sub)
    inbox = copy_corpus(b.work / "inbox-subset", sub)
    batched = backfills.measured(b, sim, "subset-batched", inbox, n_sub, scale)
    inbox = copy_corpus(b.work / "inbox-subset-per-doc", sub)
    per_doc = backfills.measured(b, sim, "subset-per-document", inbox, n_sub, scale, batch=1)
    ratio = per_doc.run.wall / max(1e-9, batched.run.wall)
    full = {k: x.u.get("wall_full_speed_s", 0) for k, x in (("per", per_doc), ("one", batched))}
    return [
        utilisation_row(
            syn,
            f"backfill of {n_syn} synthetic documents (corpus size distribution) in runs of 100",
        ),
        utilisation_row(
            batched,
            f"{n_sub} documents (every {len(corpus) // n_sub}th), one ranged run",
            comparison=True,
        ),
        utilisation_row(
            per_doc,
            f"the same {n_sub} documents, one run per document (--batch 1)",
            comparison=True,
        ),
        Figure(
            "1",
            "one run per document vs batched: wall ratio on the same documents",
            f"{ratio:.1f}× ({per_doc.run.wall:.0f} s vs {batched.run.wall:.0f} s at scale "
            f"{scale:g}; {full['per']:.0f} s vs {full['one']:.0f} s at full speed)",
            "",
            None,
            per_doc.run.command,
        ),
    ]
