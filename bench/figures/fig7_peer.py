"""Figure 7: LlamaIndex's IngestionPipeline against the same double, on the same texts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import HERE, Bench, Figure, Sim, copy_corpus, log, parsed_documents

from figures import backfills
from figures.backfills import MeasuredBackfill, ZeroLatencyBackfill
from figures.fig3_incremental import EditOutcome, FailureOutcome
from figures.slot_utilisation import utilisation

PEER_VENV = Path(os.environ.get("LAB_BENCH_PEER_VENV", "/tmp/li-venv"))
PEER_PACKAGES = [
    "llama-index-core==0.14.25",
    "llama-index-embeddings-ollama==0.10.0",
    "llama-index-vector-stores-lancedb==0.6.0",
    "pandas==3.1.1",
]


@dataclass
class Peer:
    """bench/llamaindex_peer.py runs against one sim, each a dict of its answer and counters."""

    b: Bench
    sim: Sim
    python: Path
    docs_file: Path
    scale: float
    results: dict[str, dict] = field(default_factory=dict)

    def run(self, label: str, *args: str, fail_after: int | None = None) -> dict:
        self.sim.measure(self.scale, chat_free=True, fail_after=fail_after)
        argv = [str(self.python), str(HERE / "llamaindex_peer.py"), *args]
        argv += ["--docs", str(self.docs_file), "--host", self.sim.url]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")}
        env["TIKTOKEN_CACHE_DIR"] = _tiktoken_dir(self.python)
        started = time.monotonic()
        out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600)
        ended = time.monotonic()
        (self.b.work / "logs" / f"peer-{label}.log").write_text(out.stdout + out.stderr[-20000:])
        try:
            result = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            result = {"error": out.stderr[-400:]}
        stats = self.sim.stats()
        result |= {k: stats[k] for k in ("embed_requests", "embed_inputs", "embed_chars")}
        result |= {k: stats[k] for k in ("max_in_flight", "max_queued")}
        result |= {"wall": ended - started, "rc": out.returncode}
        result["u"] = utilisation(stats, started, ended, self.scale)
        result["command"] = (
            f"TIKTOKEN_CACHE_DIR=<llama_index/core/_static/tiktoken_cache> {self.python} "
            f"bench/llamaindex_peer.py {' '.join(args)} --docs $WORK/peer-docs.jsonl --host $SIM"
            f"   # SIM = bench/ollama_sim.py --time-scale {self.scale:g} (chat_free)"
        )
        log(
            f"    peer {label}: rc={out.returncode} in {result['wall']:.1f} s, "
            f"{result['embed_requests']} embed requests"
        )
        self.results[label] = result
        return result


def _tiktoken_dir(python: Path) -> str:
    code = "import llama_index.core, os; print(os.path.dirname(llama_index.core.__file__))"
    site = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=120)
    return os.path.join(site.stdout.strip(), "_static", "tiktoken_cache")


def peer_python() -> Path | None:
    """The peer's venv (made on first use), or None if it cannot be made."""
    python = PEER_VENV / "bin" / "python"
    modules = "llama_index.core, llama_index.embeddings.ollama, llama_index.vector_stores.lancedb"
    if python.exists():
        check = subprocess.run(
            [str(python), "-c", f"import {modules}"], capture_output=True, timeout=300
        )
        if check.returncode == 0:
            return python
    log(f"  making the peer's venv at {PEER_VENV} (pip install {' '.join(PEER_PACKAGES)})")
    try:
        subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=True, timeout=300)
        pip = [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES]
        subprocess.run(pip, check=True, timeout=1800)
    except (subprocess.SubprocessError, OSError) as err:
        log(f"  peer venv failed: {err}")
        return None
    return python


def _ingest_rows(peer: Peer, modes: list[str], ours: MeasuredBackfill) -> list[Figure]:
    results, scale = peer.results, peer.scale
    out = []
    for mode in modes:
        r = results[f"ingest-{mode}"]
        out.append(
            Figure(
                "7",
                f"peer first ingest, {mode}",
                f"{r['wall']:.1f} s at scale {scale:g} ({r['u'].get('wall_full_speed_s', 0):.0f} s "
                f"at full speed, upper bound); {r['embed_requests']} /api/embed requests, "
                f"{r['embed_inputs']} texts, {r['embed_chars']:,} chars; max in flight "
                f"{r['max_in_flight']}, max queued {r['max_queued']}; rc {r['rc']}",
                command=r["command"],
            )
        )
    best_mode = _best(peer, modes)
    best, bu = results[f"ingest-{best_mode}"], results[f"ingest-{best_mode}"]["u"]
    ou, ostats, run = ours.u, ours.stats, ours.run
    ratio_full = ou.get("wall_full_speed_s", 0) / max(1e-9, bu.get("wall_full_speed_s", 1))
    estimates = ou["estimate"]["wall_full_speed_s"], bu["estimate"]["wall_full_speed_s"]
    out.append(
        Figure(
            "7",
            "ours (embeddings only) vs peer's best first ingest: wall ratio",
            f"{run.wall / best['wall']:.2f} at scale {scale:g} ({run.wall:.1f} s vs "
            f"{best['wall']:.1f} s, {best_mode}); {ratio_full:.2f} at full model speed, both "
            f"extrapolated alike (lower bounds; estimates {estimates[0]:.0f} s vs "
            f"{estimates[1]:.0f} s = {estimates[0] / estimates[1]:.2f}) "
            f"({ou.get('wall_full_speed_s', 0):.0f} s vs {bu.get('wall_full_speed_s', 0):.0f} s); "
            f"ours {ostats['embed_requests']} requests / {ostats['embed_inputs']} texts / "
            f"{ostats['embed_chars']:,} chars",
            "ours ≤ peer's best (ratio ≤ 1)",
            ratio_full <= 1.0 and run.rc == 0,
            run.command,
        )
    )
    # Why the ratio is what it is: how much model work each side asked for, and how close each
    # came to the two-slot ideal for its own work (wall / (model seconds / slots)).
    slots = ou["slots"]
    ours_model, peer_model = ou["model_seconds_full_speed"], bu["model_seconds_full_speed"]
    out.append(
        Figure(
            "7",
            "model work asked for, and wall / two-slot ideal for that work (ours / peer's best)",
            f"model seconds at full speed {ours_model:.0f} / {peer_model:.0f} "
            f"(ours {ours_model / peer_model:.3f}x: summary vectors and heading paths are "
            f"embedded too); wall / ideal {estimates[0] / (ours_model / slots):.3f} / "
            f"{estimates[1] / (peer_model / slots):.3f} with max queued "
            f"{ou['max_queued']} / {best['max_queued']}",
            command=run.command,
        )
    )
    return out


def _best(peer: Peer, modes: list[str]) -> str:
    def wall(mode: str) -> float:
        r = peer.results[f"ingest-{mode}"]
        return r["wall"] if r["rc"] == 0 else 1e9

    return min(modes, key=wall)


def rows(
    b: Bench,
    sim: Sim,
    corpus: list[str],
    scale: float,
    zero: ZeroLatencyBackfill,
    edit: EditOutcome,
    failure: FailureOutcome,
    modes: list[str],
) -> list[Figure]:
    """`modes`: the peer's ingestion modes to try (sync, workers, async); the best one goes on."""
    python = peer_python()
    if python is None:
        return [Figure("7", "LlamaIndex peer", "skipped: its venv could not be made")]
    # The same texts: what our parser produced for each document (parsed ok).
    docs_file = b.work / "peer-docs.jsonl"
    with open(docs_file, "w", encoding="utf-8") as out:
        for row in parsed_documents(b.project, zero.data, ["doc_id", "text"]):
            out.write(
                json.dumps({"id": row["doc_id"], "text": row["text"]}, ensure_ascii=False) + "\n"
            )
    peer = Peer(b, sim, python, docs_file, scale)
    for mode in modes:
        peer.run(
            f"ingest-{mode}", "ingest", "--state", str(b.work / f"peer-{mode}"), "--mode", mode
        )
    best_mode = _best(peer, modes)
    state = str(b.work / f"peer-{best_mode}")
    same = ("ingest", "--state", state, "--mode", best_mode)
    rerun = peer.run("rerun", *same)
    shutil.copytree(state, state + "-stock")
    stock = peer.run(
        "edit-stock",
        "ingest",
        "--state",
        state + "-stock",
        "--mode",
        best_mode,
        "--modify",
        edit.doc,
    )
    edited = peer.run("edit", *same, "--modify", edit.doc, "--patched-delete")
    inspect = peer.run("inspect", "inspect", "--state", state, "--modify", edit.doc)
    fail_state = str(b.work / "peer-fail")
    total = peer.results[f"ingest-{best_mode}"]["embed_requests"]
    failing = ("ingest", "--state", fail_state, "--mode", best_mode)
    failed = peer.run("fail", *failing, fail_after=total // 2)
    refail = peer.run("fail-rerun", *failing)
    # Ours, embeddings only: the same double with chat requests free (summaries cost nothing).
    inbox = copy_corpus(b.work / "inbox-ours-embed", corpus)
    ours = backfills.measured(
        b, sim, "ours-embeddings-only", inbox, len(corpus), scale, chat_free=True
    )
    best = peer.results[f"ingest-{best_mode}"]
    return _ingest_rows(peer, modes, ours) + [
        Figure(
            "7",
            "model calls on an unchanged re-run (peer / ours)",
            f"{rerun['embed_requests']} / {edit.rerun_calls}",
            "0 / 0",
            rerun["embed_requests"] == 0,
            rerun["command"],
        ),
        Figure(
            "7",
            f"texts re-embedded after one paragraph is appended to {edit.doc} (peer / ours)",
            f"{edited.get('embed_inputs')} of {edited.get('doc_nodes', '?')} peer nodes / "
            f"{edit.re_chunks} chunks + {edit.summary} summary of {edit.chunks} (stock peer "
            f"store: {stock.get('error', 'none: the stock store worked')})",
            "ours: changed chunks only",
            None,
            edited.get("command", ""),
        ),
        Figure(
            "7",
            "duplicate vectors after re-ingesting the changed document (peer / ours)",
            f"peer (patched delete): {inspect.get('duplicate_texts')} duplicate (doc, text) rows, "
            f"{inspect.get('old_version_rows')} rows of the old version; ours: "
            f"{edit.dup_row_ids} duplicate row ids, {edit.stale_rows} rows of an old version "
            f"({edit.dup_doc_text} rows repeat a passage of the same document, distinct chunks)",
            "0 on ours",
            edit.dup_row_ids == 0 and edit.stale_rows == 0,
            inspect.get("command", ""),
        ),
        Figure(
            "7",
            "failure half way, then re-run: texts re-embedded (peer) / model calls redone (ours)",
            f"peer: failed run rc {failed['rc']} embedded {failed['embed_inputs']} texts before "
            f"the failure, kept {failed.get('rows_after', 0)} rows; re-run embedded "
            f"{refail['embed_inputs']} of {best['embed_inputs']} texts. ours: {failure.redone} "
            f"calls redone of {failure.clean_calls}",
            "ours: only the unfinished part",
            None,
            refail["command"],
        ),
    ]
