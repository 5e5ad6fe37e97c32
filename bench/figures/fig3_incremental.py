"""Figure 3: incremental work: unchanged re-runs, a one-paragraph edit, a failure half way."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness import Bench, Figure, Sim, copy_corpus, embedding_rows, table_rows

from figures.backfills import MeasuredBackfill, ZeroLatencyBackfill

EDIT_PARAGRAPH = (
    "\n\nBenchmark edit: one closing paragraph appended to the document, about keep-alive "
    "settings of the inference node, so that only the last chunk and the summary change.\n"
)


@dataclass
class EditOutcome:
    """The re-run and the one-paragraph edit on the measured corpus backfill (read by fig. 7)."""

    rerun_calls: int
    doc: str = ""
    re_chunks: int = 0
    chunks: int = 0
    summary: int = 0
    dup_row_ids: int = 0
    dup_doc_text: int = 0
    stale_rows: int = 0
    rows: list[Figure] = field(default_factory=list)


@dataclass
class FailureOutcome:
    """A backfill that failed half way, and the model calls its re-run redid (read by fig. 7)."""

    clean_calls: int
    redone: int
    rows: list[Figure] = field(default_factory=list)


def zero_latency_rerun(b: Bench, sim: Sim, zero: ZeroLatencyBackfill) -> list[Figure]:
    """Unchanged re-run of the zero-latency backfill: nothing to do, nothing may reach the model."""
    sim.measure(0)
    again = b.pipeline(zero.env, "zero-latency-rerun", 0)
    stats = sim.stats()
    calls = stats["chat_requests"] + stats["embed_requests"]
    first = zero.run.wall
    return [
        Figure("3", "unchanged re-run: model calls", calls, "0", calls == 0, again.command),
        Figure(
            "3",
            "unchanged re-run wall / first run wall, both with a zero-latency model",
            f"{again.wall / first:.2f} ({again.wall:.1f} s / {first:.1f} s)",
            "(for scale: against a first run with no model time at all)",
            None,
            again.command,
        ),
    ]


def _edited_document(backfill: MeasuredBackfill, project: Path) -> str:
    """An English document of 15 chunks (else any): one paragraph is appended to it."""
    counts: dict[str, int] = {}
    for row in table_rows(project, backfill.data, "chunks", ["doc_id"]):
        counts[row["doc_id"]] = counts.get(row["doc_id"], 0) + 1
    candidates = sorted(d for d, n in counts.items() if n == 15)
    english = [
        d for d in candidates if d.endswith(".md") and not d.startswith(("k8s-ko", "helm-ko"))
    ]
    return (english or candidates or sorted(counts))[0]


def rerun_and_edit(b: Bench, sim: Sim, backfill: MeasuredBackfill) -> EditOutcome:
    scale, first_wall = backfill.scale, backfill.run.wall
    sim.measure(scale)
    again = b.pipeline(backfill.env, "corpus-rerun", scale)
    stats = sim.stats()
    calls = stats["chat_requests"] + stats["embed_requests"]
    full = backfill.u.get("wall_full_speed_s") or first_wall
    out = EditOutcome(rerun_calls=calls)
    out.rows += [
        Figure(
            "3",
            "unchanged re-run after the simulated backfill: model calls",
            calls,
            "0",
            calls == 0,
            again.command,
        ),
        Figure(
            "3",
            "unchanged re-run wall / first run wall",
            f"{again.wall / full:.4f} of the first run at full model speed ({again.wall:.1f} s / "
            f"{full:.0f} s); {again.wall / first_wall:.3f} of it at time scale {scale:g} "
            f"({first_wall:.1f} s)",
            "≤ 0.05",
            again.wall / full <= 0.05,
            again.command,
        ),
    ]
    doc = out.doc = _edited_document(backfill, b.project)
    path = Path(backfill.env["LAB_INBOX"]) / doc
    path.write_text(path.read_text(encoding="utf-8") + EDIT_PARAGRAPH, encoding="utf-8")
    sim.measure(scale)
    edit = b.pipeline(backfill.env, "corpus-edit-one-paragraph", scale)
    stats = sim.stats()
    texts = set(sim.embedded())
    columns = ["row_id", "doc_id", "kind", "text"]
    rows = embedding_rows(b.project, backfill.data, doc, columns)
    out.chunks = sum(1 for r in rows if r["kind"] == "chunk")
    out.re_chunks = sum(1 for r in rows if r["kind"] == "chunk" and r["text"] in texts)
    out.summary = sum(1 for r in rows if r["kind"] == "summary" and r["text"] in texts)
    other = len(texts) - out.re_chunks - out.summary
    out.rows.append(
        Figure(
            "3",
            f"one paragraph appended to a 15-chunk document ({doc}): chunks re-embedded",
            f"{out.re_chunks} of {out.chunks} chunks + {out.summary} summary vector; "
            f"{stats['chat_requests']} summary call(s); {other} other texts; "
            f"{stats['embed_requests']} /api/embed request(s)"
            + (
                " (the new summary's text equals the old one: the sim summarises the head of a "
                "document, so its vector was reused)"
                if out.summary == 0
                else ""
            ),
            "≤ 2 chunks + the document's summary",
            edit.rc == 0 and out.re_chunks <= 2 and stats["chat_requests"] <= 1 and other == 0,
            edit.command,
        )
    )
    every = table_rows(b.project, backfill.data, "embeddings", ["row_id", "doc_id", "text"])
    out.dup_row_ids = len(every) - len({r["row_id"] for r in every})
    out.dup_doc_text = len(every) - len({(r["doc_id"], r["text"]) for r in every})
    # Rows the current chunk plans and summaries do not call for (an old version left behind).
    wanted = {r["chunk_id"] for r in table_rows(b.project, backfill.data, "chunks", ["chunk_id"])}
    wanted |= {
        f"{r['doc_id']}#summary"
        for r in table_rows(b.project, backfill.data, "summaries", ["doc_id"])
    }
    out.stale_rows = sum(1 for r in every if r["row_id"] not in wanted)
    return out


def failure(b: Bench, sim: Sim, corpus: list[str], zero: ZeroLatencyBackfill) -> FailureOutcome:
    """A backfill that fails half way (the model server answers 500), then runs again."""
    inbox = copy_corpus(b.work / "inbox-fail", corpus)
    env = b.env(inbox, b.work / "data-fail", "live", sim.url)
    clean = zero.model_calls
    half = clean // 2
    sim.measure(0, fail_after=half)
    failed = b.pipeline(env, "failure-half-way", 0, f" (POST /config fail_after={half})")
    s1 = sim.stats()
    sim.measure(0)
    rerun = b.pipeline(env, "failure-rerun", 0)
    s2 = sim.stats()
    unfinished = clean - half  # half were answered 200 before the failure
    again = s2["chat_requests"] + s2["embed_requests"]
    redone = again - unfinished
    row = Figure(
        "3",
        "run failed half way, then re-run: model calls of the re-run",
        f"{again} (unfinished part: {unfinished} = {clean} clean − {half} answered before "
        f"the failure; redone: {redone}); failed run rc={failed.rc}, "
        f"{s1['statuses'].get('500', 0)} answered 500",
        "only the unfinished part",
        # redone < 0: the re-run left part of the unfinished work undone, which is no pass either
        failed.rc != 0 and rerun.rc == 0 and 0 <= redone <= 0.02 * clean,
        rerun.command,
    )
    return FailureOutcome(clean, redone, [row])
