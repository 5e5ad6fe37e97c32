"""The benchmark harness of issue 7: every figure, in one command, into bench/RESULTS.md.

    /work/venv/bin/python bench/run_benchmarks.py            # full run, ~20 min on 2 cores
    /work/venv/bin/python bench/run_benchmarks.py --quick    # smaller samples, ~3 min

The pipeline is driven through its own command line (``python -m lab_pipelines.cli run``, the
``lab-pipelines run`` entry point) in fresh processes, against ``bench/ollama_sim.py`` (the
latency-simulating Ollama, its own process) and the project's FakeGemini, on copies of
``../shared/corpus`` and of a synthetic corpus made in a temporary folder (nothing of the corpus
is written into the project). Every figure is written with the exact command that produced it.

Options: ``--project DIR`` runs another checkout (a scratch copy with a candidate change);
``--json FILE`` also saves the raw figures; ``--baseline FILE`` adds a "before" column from a
saved JSON; ``--only 1,2,5`` runs some figures; ``--no-peer`` skips LlamaIndex.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_PROJECT = HERE.parent
CORPUS = Path(os.environ.get("LAB_BENCH_CORPUS", DEFAULT_PROJECT.parent / "shared" / "corpus"))
PYTHON = sys.executable
PEER_VENV = Path(os.environ.get("LAB_BENCH_PEER_VENV", "/tmp/li-venv"))
PEER_PACKAGES = [
    "llama-index-core==0.14.25",
    "llama-index-embeddings-ollama==0.10.0",
    "llama-index-vector-stores-lancedb==0.6.0",
    "pandas==3.1.1",
]
EDIT_PARAGRAPH = (
    "\n\nBenchmark edit: one closing paragraph appended to the document, about keep-alive "
    "settings of the inference node, so that only the last chunk and the summary change.\n"
)


# -- plumbing ---------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def http_json(url: str, body: dict | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


class Sim:
    """bench/ollama_sim.py in its own process; steered over its /bench/ endpoints."""

    def __init__(self, project: Path, logdir: Path, **settings: Any) -> None:
        args = [PYTHON, str(HERE / "ollama_sim.py"), "--max-seconds", "3600"]
        for name, value in settings.items():
            args += ["--" + name.replace("_", "-"), str(value)]
        self.argv = args
        self.log = open(logdir / "ollama_sim.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env={**os.environ, "PYTHONPATH": str(project)},
            cwd=str(project),
        )
        line = self.proc.stdout.readline().decode()
        if not line.startswith("URL "):
            self.close()
            raise RuntimeError(f"ollama_sim did not start: {line!r}")
        self.url = line.split()[1]

    def stats(self) -> dict:
        return http_json(self.url + "/bench/stats")

    def reset(self) -> None:
        """Forget calls and counters, once requests a dead client left queued have drained
        (they would otherwise be counted in the next measurement)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            stats = http_json(self.url + "/bench/stats")
            if stats["in_flight_now"] == 0 and stats["queued_now"] == 0:
                break
            time.sleep(0.2)
        http_json(self.url + "/bench/reset", {})

    def configure(self, **settings: Any) -> dict:
        return http_json(self.url + "/bench/config", settings)

    def embedded(self) -> list[str]:
        return http_json(self.url + "/bench/embedded")["texts"]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


@dataclass
class Figure:
    figure: str
    name: str
    value: Any
    target: str = ""
    passed: bool | None = None
    command: str = ""
    note: str = ""


@dataclass
class Bench:
    project: Path
    work: Path
    quick: bool
    figures: list[Figure] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    gemini_url: str = ""
    commands: dict[str, str] = field(default_factory=dict)
    loads: list[tuple] = field(default_factory=list)

    def add(self, *args: Any, **kwargs: Any) -> Figure:
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        mark = {True: "PASS", False: "MISS", None: "    "}[figure.passed]
        log(f"  [{mark}] fig {figure.figure} {figure.name}: {figure.value} {figure.target}")
        return figure

    # -- the pipeline's command line -------------------------------------------------------
    def env(self, inbox: Path, data: Path, backend: str, ollama: str = "", **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LAB_", "DAGSTER_"))}
        requests = self.work / "requests-empty"
        requests.mkdir(exist_ok=True)
        env.update(
            PYTHONPATH=str(self.project),
            LAB_INBOX=str(inbox),
            LAB_DATA=str(data),
            LAB_REQUESTS=str(requests),
            DAGSTER_HOME=str(data / "dagster_home"),
            LAB_BACKEND=backend,
            GEMINI_API_KEY="bench-not-a-key",
            LAB_GEMINI_BASE_URL=self.gemini_url,
        )
        if ollama:
            env["OLLAMA_HOST"] = ollama
        env.update(extra)
        return env

    def run_cli(self, env: dict, *args: str, label: str, sim: str = "") -> dict:
        """One ``lab-pipelines`` command in a fresh process; wall time and outcome."""
        argv = [PYTHON, "-m", "lab_pipelines.cli", *args]
        shown = {k: env[k] for k in ("LAB_BACKEND", "LAB_INBOX", "LAB_DATA", "LAB_REQUESTS")}
        if "OLLAMA_HOST" in env:
            shown["OLLAMA_HOST"] = "$SIM"
        shown.update(
            {
                k: v
                for k, v in env.items()
                if k.startswith("LAB_") and k not in shown and k not in ("LAB_GEMINI_BASE_URL",)
            }
        )
        command = (
            " ".join(f"{k}={shlex.quote(str(v))}" for k, v in shown.items())
            + f" DAGSTER_HOME=$LAB_DATA/dagster_home {Path(PYTHON).name} -m lab_pipelines.cli "
            + " ".join(shlex.quote(a) for a in args)
        )
        command = command.replace(str(self.work), "$WORK")
        if sim:
            command += f"   # SIM = {sim}"
        self.commands[label] = command
        logfile = self.work / "logs" / f"{label}.log"
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        with open(logfile, "wb") as out:
            proc = subprocess.run(
                argv,
                env=env,
                cwd=str(self.project),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=3600,
                check=False,
            )
        finished = time.monotonic()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        tail = logfile.read_text(errors="replace").splitlines()[-6:]
        result = {
            "wall": finished - started,
            "start": started,
            "end": finished,
            "cpu": cpu,
            "rc": proc.returncode,
            "command": command,
            "tail": tail,
            "log": str(logfile),
            "load": (load_before, os.getloadavg()[0]),
        }
        self.loads.append((label, load_before, os.getloadavg()[0]))
        log(
            f"    {label}: rc={proc.returncode} in {result['wall']:.1f} s, {cpu:.1f} s CPU, "
            f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
        )
        return result


# -- corpora ----------------------------------------------------------------------------------
def corpus_files() -> list[tuple[str, int]]:
    rows = []
    for line in (CORPUS / "manifest.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        path, size = line.split("\t")[:2]
        rows.append((path, int(size)))
    return rows


def copy_corpus(dest: Path, paths: list[str]) -> Path:
    for rel in paths:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / rel, target)
    return dest


def subset(paths: list[str], count: int) -> list[str]:
    step = max(1, len(paths) // count)
    return paths[::step][:count]


# -- utilisation ------------------------------------------------------------------------------
def utilisation(stats: dict, start: float, end: float, scale: float) -> dict:
    """Slot utilisation of one command, measured and extrapolated to full model speed.

    measured = slot-seconds the sim spent in requests / (slots x wall). At a uniform time
    scale s the model's part of the wall shrinks by s and the pipeline's own part does not, so
    the measured figure is a lower bound of the full-speed one. Extrapolation: the time with no
    request in flight (G0: parsing, Dagster, LanceDB writes, waiting for nothing) is the
    pipeline's and stays; the rest (>=1 request in flight) is the model's and scales by 1/s:
    wall_full = G0 + (wall - G0) / s; full-speed utilisation = model time at full speed /
    (slots x wall_full). Small client-side gaps between requests are scaled up with the rest,
    which errs towards a lower figure.
    """
    slots = stats["settings"]["slots"]
    events = []
    busy = 0.0
    full = 0.0
    for t0, t1, _kind, full_s in stats["timeline"]:
        a, b = max(t0, start), min(t1, end)
        if b > a:
            busy += b - a
            events += [(a, 1), (b, -1)]
        full += full_s
    events.sort()
    wall = end - start
    # Requests that cost no model time (chat with chat_free) say nothing of request lengths.
    durations = sorted(
        min(t1, end) - max(t0, start)
        for t0, t1, _k, full_s in stats["timeline"]
        if t1 > start and t0 < end and full_s > 0
    )
    # A slot freed and taken again within tau is the client's hand-off (parsing the answer,
    # building the next request): pipeline time that does not shrink with the model either.
    tau = min(0.05, 0.25 * durations[len(durations) // 2]) if durations else 0.0
    idle0 = 0.0
    handoff = 0.0
    level = 0
    last = start
    partial_since = None
    partial = 0.0
    for t, delta in events:
        if level == 0:
            idle0 += t - last
        elif level < slots:
            partial += t - last
        if delta > 0 and partial_since is not None:
            if t - partial_since < tau:
                handoff += t - partial_since
            partial_since = None
        level += delta
        if delta < 0 and 0 < level < slots:
            partial_since = t
        elif level == 0:
            partial_since = None
        last = t
    idle0 += end - last if level == 0 else 0.0
    out = {
        "wall_s": round(wall, 2),
        "busy_slot_s": round(busy, 2),
        "measured": round(busy / (slots * wall), 4) if wall else None,
        "no_request_in_flight_s": round(idle0, 2),
        "model_seconds_full_speed": round(full, 1),
        "max_in_flight": stats["max_in_flight"],
        "max_queued": stats["max_queued"],
        "slots": slots,
        "scale": scale,
    }
    out["requests"] = sum(1 for t0, t1, _k, _f in stats["timeline"] if t1 > start and t0 < end)
    out["handoff_s"] = round(handoff, 2)
    out["handoff_tau_s"] = round(tau, 4)
    if scale > 0:
        wall_full = idle0 + (wall - idle0) / scale
        out["wall_full_speed_s"] = round(wall_full, 1)
        out["full_speed"] = round(full / (slots * wall_full), 4)
        out["method"] = "G0 (lower bound)"
        # Idle slot-seconds at full speed: both slots while nothing is in flight (G0, kept),
        # one slot per hand-off gap (kept), one slot per other partial moment (a tail: scaled).
        idle_full = slots * idle0 + handoff + (partial - handoff) / scale
        out["partial_s"] = round(partial, 2)
        out["estimate"] = {
            "wall_full_speed_s": round((full + idle_full) / slots, 1),
            "full_speed": round(full / (full + idle_full), 4),
        }
    return out


def fit_two_scales(u1: dict, u2: dict) -> dict:
    """wall(s) = a + b*s through two runs of the same work at time scales s1 != s2: a is the
    pipeline's own time that does not shrink with the model (parsing, Dagster, and the client's
    work between two requests), b the model-bound time at full speed. Full-speed wall = a + b.
    Also returns h, the non-scaling time per request beyond G0, to correct runs measured once."""
    s1, s2 = u1["scale"], u2["scale"]
    b = (u1["wall_s"] - u2["wall_s"]) / (s1 - s2)
    a = u1["wall_s"] - b * s1
    wall_full = a + b
    h = max(0.0, (a - u1["no_request_in_flight_s"]) / max(1, u1["requests"]))
    return {
        "a_s": round(a, 2),
        "b_s": round(b, 1),
        "wall_full_speed_s": round(wall_full, 1),
        "full_speed": round(u1["model_seconds_full_speed"] / (u1["slots"] * wall_full), 4),
        "handoff_s_per_request": round(h, 5),
        "scales": [s1, s2],
    }


def corrected(u: dict, h: float) -> dict:
    """Full-speed extrapolation of a single run, with h seconds per request of client-side
    time calibrated by a two-scale fit (kept unscaled, like G0)."""
    fixed = min(u["wall_s"], u["no_request_in_flight_s"] + h * u["requests"])
    wall_full = fixed + (u["wall_s"] - fixed) / u["scale"]
    return {
        **u,
        "calibrated": {
            "wall_full_speed_s": round(wall_full, 1),
            "full_speed": round(u["model_seconds_full_speed"] / (u["slots"] * wall_full), 4),
            "handoff_s_per_request": h,
        },
    }


# -- figures ----------------------------------------------------------------------------------
def fig_offline(b: Bench, corpus: list[str]) -> dict:
    """The corpus with the offline backends: the index that figure 5 searches."""
    inbox = copy_corpus(b.work / "inbox-offline", corpus)
    data = b.work / "data-offline"
    run = b.run_cli(b.env(inbox, data, "offline"), "run", label="offline-backfill")
    b.raw["offline_backfill"] = {k: run[k] for k in ("wall", "rc", "command")}
    b.add(
        "2",
        "offline backends: batched backfill wall / document",
        f"{1000 * run['wall'] / len(corpus):.0f} ms ({run['wall']:.1f} s / {len(corpus)} docs, "
        f"{1000 * run['cpu'] / len(corpus):.0f} ms CPU / document)",
        note="for scale: no model server at all",
        command=run["command"],
    )
    return {"data": data, "ok": run["rc"] == 0}


def fig_overhead(b: Bench, corpus: list[str], sim: Sim) -> dict:
    """Figure 2 (zero-latency double), figure 4 (batching) and the unchanged re-run (3)."""
    sim.configure(time_scale=0, chat_free=False, fail_after=None)
    sim.reset()
    inbox = copy_corpus(b.work / "inbox-zero", corpus)
    data = b.work / "data-zero"
    env = b.env(inbox, data, "live", sim.url)
    first = b.run_cli(
        env,
        "run",
        label="zero-latency-backfill",
        sim="bench/ollama_sim.py --time-scale 0",
    )
    stats = sim.stats()
    per_doc = 1000 * first["wall"] / len(corpus)
    b.add(
        "2",
        "orchestration overhead: batched backfill wall / document (zero-latency double)",
        f"{per_doc:.0f} ms ({first['wall']:.1f} s / {len(corpus)} docs; the pipeline process used "
        f"{1000 * first['cpu'] / len(corpus):.0f} ms CPU / document)",
        "≤ 50 ms",
        first["rc"] == 0 and per_doc <= 50,
        first["command"],
    )
    texts = max(1, stats["embed_inputs"])
    ratio = stats["embed_requests"] / texts
    b.add(
        "4",
        "/api/embed requests per embedded text (chunks + summaries)",
        f"{stats['embed_requests']} / {stats['embed_inputs']} = "
        f"1/{texts / max(1, stats['embed_requests']):.1f}",
        "≤ 1/16",
        ratio <= 1 / 16,
        first["command"],
    )
    caps_ok = stats["embed_max_inputs"] <= 32 and stats["embed_max_chars"] <= 24_000
    b.add(
        "4",
        "largest /api/embed batch (inputs, characters)",
        f"{stats['embed_max_inputs']} inputs, {stats['embed_max_chars']} chars",
        "≤ 32 inputs and ≤ 24,000 chars (LAB_EMBED_BATCH_SIZE / _CHARS)",
        caps_ok,
        first["command"],
    )
    clean_calls = stats["chat_requests"] + stats["embed_requests"]
    b.raw["zero_latency"] = {
        "wall": first["wall"],
        "rc": first["rc"],
        **{k: v for k, v in stats.items() if k != "timeline"},
    }
    # Unchanged re-run: nothing to do, nothing may reach the model.
    sim.reset()
    again = b.run_cli(
        env,
        "run",
        label="zero-latency-rerun",
        sim="bench/ollama_sim.py --time-scale 0",
    )
    s2 = sim.stats()
    calls = s2["chat_requests"] + s2["embed_requests"]
    b.add("3", "unchanged re-run: model calls", calls, "0", calls == 0, again["command"])
    frac0 = again["wall"] / first["wall"]
    b.add(
        "3",
        "unchanged re-run wall / first run wall, both with a zero-latency model",
        f"{frac0:.2f} ({again['wall']:.1f} s / {first['wall']:.1f} s)",
        "(for scale: against a first run with no model time at all)",
        None,
        again["command"],
    )
    b.raw["zero_latency_rerun"] = {"wall": again["wall"], "calls": calls}
    return {
        "wall": first["wall"],
        "clean_calls": clean_calls,
        "stats": stats,
        "data": data,
        "inbox": inbox,
    }


def fig_utilisation(
    b: Bench,
    label: str,
    inbox: Path,
    ndocs: int,
    sim: Sim,
    scale: float,
    batch: int,
    figure: str = "1",
    chat_free: bool = False,
) -> dict:
    sim.configure(time_scale=scale, chat_free=chat_free, fail_after=None)
    sim.reset()
    data = b.work / f"data-{label}"
    env = b.env(inbox, data, "live", sim.url)
    if batch != 100:
        # The sensors' span is fixed at 100 (lab_pipelines.batching); no setting changes it yet,
        # so the one-run-per-document comparison of figure 1 runs with ranges of 100 too.
        env["LAB_RUN_BATCH"] = str(batch)
    run = b.run_cli(
        env,
        "run",
        label=label,
        sim=f"bench/ollama_sim.py --time-scale {scale:g}",
    )
    stats = sim.stats()
    u = utilisation(stats, run["start"], run["end"], scale)
    u["rc"] = run["rc"]
    u["docs"] = ndocs
    u["chat_requests"] = stats["chat_requests"]
    u["embed_requests"] = stats["embed_requests"]
    b.raw[label] = u
    return {"u": u, "run": run, "env": env, "data": data, "stats": stats}


def calibrate(
    b: Bench, label: str, first: dict, inbox: Path, ndocs: int, sim: Sim, chat_free: bool = False
) -> dict:
    """The same work again at twice the time scale, for the two-scale fit."""
    again = fig_utilisation(
        b,
        label + "-half-scale",
        inbox,
        ndocs,
        sim,
        first["u"]["scale"] / 2,
        100,
        chat_free=chat_free,
    )
    fit = fit_two_scales(again["u"], first["u"])
    b.raw[label + "-fit"] = fit
    first["u"]["fit"] = fit
    return fit


def report_utilisation(b: Bench, label: str, what: str, result: dict, per_doc: bool) -> None:
    u, run = result["u"], result["run"]
    never_over = u["max_in_flight"] <= u["slots"] and u["max_queued"] == 0
    target = (
        "≥ 0.95 at full speed, never more in flight than slots" if not per_doc else "(comparison)"
    )
    passed = None if per_doc else (run["rc"] == 0 and u.get("full_speed", 0) >= 0.95 and never_over)
    extra = ""
    if "fit" in u:
        extra = (
            f"; two-scale fit {u['fit']['full_speed']:.3f} (biased up when the pipeline's own "
            f"work overlaps requests)"
        )
    if "estimate" in u:
        extra = (
            f"; estimate {u['estimate']['full_speed']:.3f} keeping the client's "
            f"{u['handoff_s']:.1f} s of hand-offs under {1000 * u['handoff_tau_s']:.0f} ms unscaled"
        )
    if "calibrated" in u:
        extra = (
            f"; {u['calibrated']['full_speed']:.3f} keeping "
            f"{1000 * u['calibrated']['handoff_s_per_request']:.1f} ms/request of client time "
            "unscaled"
        )
    b.add(
        "1",
        f"slot utilisation, {what}",
        f"≥ {u.get('full_speed', 0):.3f} at full speed (lower bound{extra}) (measured "
        f"{u['measured']:.3f} at time scale "
        f"{u['scale']:g}, wall {u['wall_s']:.0f} s, {u['no_request_in_flight_s']:.0f} s with no "
        f"request in flight); max in flight {u['max_in_flight']}/{u['slots']}, max queued "
        f"{u['max_queued']}",
        target,
        passed,
        run["command"],
    )


def fig_repeat_and_edit(b: Bench, corpus_run: dict, sim: Sim, scale: float) -> None:
    """Figure 3 on the state of the latency-simulated corpus backfill."""
    env = corpus_run["env"]
    first_wall = corpus_run["run"]["wall"]
    sim.configure(time_scale=scale, chat_free=False, fail_after=None)
    sim.reset()
    again = b.run_cli(
        env,
        "run",
        label="corpus-rerun",
        sim=f"bench/ollama_sim.py --time-scale {scale:g}",
    )
    stats = sim.stats()
    calls = stats["chat_requests"] + stats["embed_requests"]
    frac = again["wall"] / first_wall
    full = corpus_run["u"].get("wall_full_speed_s") or first_wall
    b.add(
        "3",
        "unchanged re-run after the simulated backfill: model calls",
        calls,
        "0",
        calls == 0,
        again["command"],
    )
    b.add(
        "3",
        "unchanged re-run wall / first run wall",
        f"{again['wall'] / full:.4f} of the first run at full model speed ({again['wall']:.1f} s / "
        f"{full:.0f} s); {frac:.3f} of it at time scale {scale:g} ({first_wall:.1f} s)",
        "≤ 0.05",
        again["wall"] / full <= 0.05,
        again["command"],
    )
    # One paragraph appended to a 15-chunk document.
    sys.path.insert(0, str(b.project))
    from lab_pipelines.store import LabStore, embeddings_table_name

    store = LabStore(corpus_run["data"] / "lancedb")
    counts: dict[str, int] = {}
    for row in store.read("chunks", ["doc_id"]):
        counts[row["doc_id"]] = counts.get(row["doc_id"], 0) + 1
    candidates = sorted(d for d, n in counts.items() if n == 15)
    english = [
        d for d in candidates if d.endswith(".md") and not d.startswith(("k8s-ko", "helm-ko"))
    ]
    doc = (english or candidates or sorted(counts))[0]
    path = Path(env["LAB_INBOX"]) / doc
    path.write_text(path.read_text(encoding="utf-8") + EDIT_PARAGRAPH, encoding="utf-8")
    sim.reset()
    edit = b.run_cli(
        env,
        "run",
        label="corpus-edit-one-paragraph",
        sim=f"bench/ollama_sim.py --time-scale {scale:g}",
    )
    stats = sim.stats()
    texts = set(sim.embedded())
    table = embeddings_table_name("bge-m3")
    rows = store.read(table, ["row_id", "doc_id", "kind", "text", "embed_key"], f"doc_id = '{doc}'")
    chunks_now = sum(1 for r in rows if r["kind"] == "chunk")
    re_chunks = sum(1 for r in rows if r["kind"] == "chunk" and r["text"] in texts)
    re_summary = sum(1 for r in rows if r["kind"] == "summary" and r["text"] in texts)
    other = len(texts) - re_chunks - re_summary
    b.add(
        "3",
        f"one paragraph appended to a 15-chunk document ({doc}): chunks re-embedded",
        f"{re_chunks} of {chunks_now} chunks + {re_summary} summary vector; "
        f"{stats['chat_requests']} "
        f"summary call(s); {other} other texts; {stats['embed_requests']} /api/embed request(s)"
        + (
            " (the new summary's text equals the old one: the sim summarises the head of a "
            "document, so its vector was reused)"
            if re_summary == 0
            else ""
        ),
        "≤ 2 chunks + the document's summary",
        edit["rc"] == 0 and re_chunks <= 2 and stats["chat_requests"] <= 1 and other == 0,
        edit["command"],
    )
    all_rows = store.read(table, ["row_id", "doc_id", "text"])
    dup_ids = len(all_rows) - len({r["row_id"] for r in all_rows})
    dup_text = len(all_rows) - len({(r["doc_id"], r["text"]) for r in all_rows})
    # Rows the current chunk plans and summaries do not call for (an old version left behind).
    wanted = {r["chunk_id"] for r in store.read("chunks", ["chunk_id"])}
    wanted |= {f"{r['doc_id']}#summary" for r in store.read("summaries", ["doc_id"])}
    stale = sum(1 for r in all_rows if r["row_id"] not in wanted)
    b.raw["edit"] = {
        "doc": doc,
        "re_chunks": re_chunks,
        "chunks": chunks_now,
        "summary": re_summary,
        "chat": stats["chat_requests"],
        "dup_row_ids": dup_ids,
        "dup_doc_text": dup_text,
        "stale_rows": stale,
    }
    b.raw["rerun_after_sim"] = {"wall": again["wall"], "calls": calls, "first": first_wall}


def fig_failure(b: Bench, corpus: list[str], sim: Sim, clean_calls: int) -> None:
    """A backfill that fails half way (the model server answers 500), then runs again."""
    inbox = copy_corpus(b.work / "inbox-fail", corpus)
    data = b.work / "data-fail"
    env = b.env(inbox, data, "live", sim.url)
    half = clean_calls // 2
    sim.configure(time_scale=0, chat_free=False, fail_after=half)
    sim.reset()
    failed = b.run_cli(
        env,
        "run",
        label="failure-half-way",
        sim=f"bench/ollama_sim.py --time-scale 0 (POST /bench/config fail_after={half})",
    )
    s1 = sim.stats()
    sim.configure(fail_after=None)
    sim.reset()
    rerun = b.run_cli(
        env,
        "run",
        label="failure-rerun",
        sim="bench/ollama_sim.py --time-scale 0",
    )
    s2 = sim.stats()
    done = half  # answered 200 before the failure
    unfinished = clean_calls - done
    again = s2["chat_requests"] + s2["embed_requests"]
    redone = again - unfinished
    b.add(
        "3",
        "run failed half way, then re-run: model calls of the re-run",
        f"{again} (unfinished part: {unfinished} = {clean_calls} clean − {done} answered before "
        f"the failure; redone: {redone}); failed run rc={failed['rc']}, "
        f"{s1['statuses'].get('500', 0)} answered 500",
        "only the unfinished part",
        failed["rc"] != 0 and rerun["rc"] == 0 and redone <= 0.02 * clean_calls,
        rerun["command"],
    )
    b.raw["failure"] = {
        "clean_calls": clean_calls,
        "answered_before_failure": done,
        "rerun_calls": again,
        "redone": redone,
        "failed_rc": failed["rc"],
        "rerun_rc": rerun["rc"],
    }


def fig_quality(b: Bench, data: Path) -> None:
    env = b.env(b.work / "inbox-offline", data, "offline")
    argv = [PYTHON, str(HERE / "retrieval.py"), "quality", "--data", str(data)]
    command = (
        f"LAB_BACKEND=offline LAB_DATA={data} {Path(PYTHON).name} bench/retrieval.py quality "
        f"--data {data}"
    )
    out = subprocess.run(
        argv, env=env, cwd=str(b.project), capture_output=True, text=True, timeout=1800, check=False
    )
    (b.work / "logs" / "retrieval-quality.log").write_text(out.stdout + out.stderr)
    try:
        result = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        b.add(
            "5", "retrieval quality", f"failed: {out.stderr[-300:]}", passed=False, command=command
        )
        return
    b.raw["quality"] = result
    for mode in ("fts", "vector", "hybrid"):
        m = result["modes"][mode]["all"]
        shipped = mode == "hybrid"
        indexed = len(list((b.work / "inbox-offline").rglob("*.*")))
        scope = "" if not b.quick else f", quick: index of only the {indexed} answering documents"
    b.add(
        "5",
        f"{mode}: recall@5 / MRR@10 over {result['questions']} questions (en / ko){scope}",
        f"{m['recall@5']:.3f} / {m['mrr@10']:.3f} (en {result['modes'][mode]['en']['recall@5']:.2f}"
        f" / {result['modes'][mode]['en']['mrr@10']:.2f}, ko "
        f"{result['modes'][mode]['ko']['recall@5']:.2f}"
        f" / {result['modes'][mode]['ko']['mrr@10']:.2f})",
        "≥ 0.90 / ≥ 0.75 (shipped default: hybrid)" if shipped else "",
        (m["recall@5"] >= 0.90 and m["mrr@10"] >= 0.75) if shipped else None,
        command + f"   (LanceDB of: {b.commands.get('offline-backfill', '')})",
    )


def fig_speed(b: Bench, texts_from: Path | None, big: bool) -> None:
    runs = [("1024", "10000,100000")] if not b.quick else [("1024", "10000")]
    if big:
        runs = [("512", "1000000")]
    for dim, rows in runs:
        argv = [
            PYTHON,
            str(HERE / "retrieval.py"),
            "speed",
            "--rows",
            rows,
            "--dim",
            dim,
            "--work",
            str(b.work / "speed"),
        ]
        if texts_from is not None and (texts_from / "chunks.lance").exists():
            argv += ["--texts-from", str(texts_from)]
        if big:
            argv += ["--queries", "15"]
        command = (
            " ".join(shlex.quote(a) for a in argv[1:])
            .replace(str(HERE), "bench")
            .replace(str(b.work), "$WORK")
        )
        command = f"{Path(PYTHON).name} {command}"
        env = {**os.environ, "PYTHONPATH": str(b.project)}
        out = subprocess.run(
            argv,
            env=env,
            cwd=str(b.project),
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        (b.work / "logs" / f"retrieval-speed-{dim}.log").write_text(
            out.stdout + out.stderr[-20000:]
        )
        try:
            result = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            b.add(
                "6",
                f"retrieval speed {rows} x {dim}",
                f"failed: {out.stderr[-300:]}",
                passed=False,
                command=command,
            )
            continue
        b.raw.setdefault("speed", []).extend(result["speed"])
        for entry in result["speed"]:
            n = entry["rows"]
            target = "p50 ≤ 30 ms" if n == 100_000 else ""
            flat_ok = entry["hybrid_flat_ms"][0] <= 30 if n == 100_000 else None
            if entry["indexes"]:  # the store indexes this size: the flat figure is for scale
                flat_ok, target = None, "(for scale)"
            b.add(
                "6",
                f"hybrid search p50 / p95 at {n:,} chunks ({dim}-d), flat vector search (no vector "
                "index)",
                f"{entry['hybrid_flat_ms'][0]} / {entry['hybrid_flat_ms'][1]} ms (FTS alone "
                f"{entry['fts_ms'][0]} / {entry['fts_ms'][1]}, vector flat "
                f"{entry['vector_flat_ms'][0]} "
                f"/ {entry['vector_flat_ms'][1]}); FTS index build {entry['fts_build_s']} s",
                target,
                flat_ok,
                command,
            )
            for index in entry["indexes"]:
                ok = None
                if n == 100_000:
                    ok = index["hybrid_ms"][0] <= 30 and index["recall@10"] >= 0.95
                b.add(
                    "6",
                    f"with vector index {index['index']} at {n:,} ({dim}-d)",
                    f"hybrid p50 / p95 {index['hybrid_ms'][0]} / {index['hybrid_ms'][1]} ms, "
                    "vector "
                    f"{index['vector_ms'][0]} / {index['vector_ms'][1]} ms, ANN recall@10 "
                    f"{index['recall@10']:.3f}, build {index['build_s']} s",
                    "p50 ≤ 30 ms, recall@10 ≥ 0.95" if n == 100_000 else "recall@10 ≥ 0.95",
                    ok if n == 100_000 else index["recall@10"] >= 0.95,
                    command,
                )


def fig_peer(b: Bench, corpus: list[str], sim: Sim, zero: dict, scale: float) -> None:
    """Figure 7: LlamaIndex IngestionPipeline against the same double, same texts, same run."""
    python = ensure_peer_venv(b)
    if python is None:
        b.add("7", "LlamaIndex peer", "skipped: its venv could not be made", passed=None)
        return
    # The same texts: what our parser produced for each document (status ok).
    sys.path.insert(0, str(b.project))
    from lab_pipelines.store import LabStore

    docs_file = b.work / "peer-docs.jsonl"
    store = LabStore(zero["data"] / "lancedb")
    with open(docs_file, "w", encoding="utf-8") as out:
        for row in store.read("documents", ["doc_id", "text", "status"], "status = 'ok'"):
            out.write(
                json.dumps({"id": row["doc_id"], "text": row["text"]}, ensure_ascii=False) + "\n"
            )
    edit_doc = b.raw.get("edit", {}).get("doc")
    results: dict = {}

    def peer(label: str, *args: str, fail_after: int | None = None, scale: float = scale) -> dict:
        sim.configure(time_scale=scale, chat_free=True, fail_after=fail_after)
        sim.reset()
        argv = [
            str(python),
            str(HERE / "llamaindex_peer.py"),
            *args,
            "--docs",
            str(docs_file),
            "--host",
            sim.url,
        ]
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LAB_")},
            "TIKTOKEN_CACHE_DIR": peer_tiktoken_dir(python),
        }
        started = time.monotonic()
        out = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=3600, check=False
        )
        ended = time.monotonic()
        (b.work / "logs" / f"peer-{label}.log").write_text(out.stdout + out.stderr[-20000:])
        try:
            result = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            result = {"error": out.stderr[-400:]}
        stats = sim.stats()
        result["wall"] = ended - started
        result["embed_requests"] = stats["embed_requests"]
        result["embed_inputs"] = stats["embed_inputs"]
        result["embed_chars"] = stats["embed_chars"]
        result["max_in_flight"] = stats["max_in_flight"]
        result["max_queued"] = stats["max_queued"]
        result["u"] = utilisation(stats, started, ended, scale)
        result["rc"] = out.returncode
        result["command"] = (
            f"TIKTOKEN_CACHE_DIR=<llama_index/core/_static/tiktoken_cache> "
            f"{python} bench/llamaindex_peer.py {' '.join(args)} --docs $WORK/peer-docs.jsonl"
            f" --host $SIM   # SIM = bench/ollama_sim.py --time-scale {scale:g} (chat_free)"
        )
        log(
            f"    peer {label}: rc={out.returncode} in {result['wall']:.1f} s, "
            f"{result['embed_requests']} embed requests"
        )
        results[label] = result
        return result

    modes = ["workers"] if b.quick else ["sync", "workers", "async"]
    for mode in modes:
        peer(f"ingest-{mode}", "ingest", "--state", str(b.work / f"peer-{mode}"), "--mode", mode)
    best_mode = min(
        modes,
        key=lambda m: results[f"ingest-{m}"]["wall"] if results[f"ingest-{m}"]["rc"] == 0 else 1e9,
    )
    state = str(b.work / f"peer-{best_mode}")
    rerun = peer("rerun", "ingest", "--state", state, "--mode", best_mode)
    edit = {}
    if edit_doc:
        stock_state = state + "-stock"
        shutil.copytree(state, stock_state)
        stock = peer(
            "edit-stock",
            "ingest",
            "--state",
            stock_state,
            "--mode",
            best_mode,
            "--modify",
            edit_doc,
        )
        edit = peer(
            "edit",
            "ingest",
            "--state",
            state,
            "--mode",
            best_mode,
            "--modify",
            edit_doc,
            "--patched-delete",
        )
        edit["stock_error"] = stock.get("error", "none: the stock store worked")
        inspect = peer("inspect", "inspect", "--state", state, "--modify", edit_doc)
    else:
        inspect = {}
    fail_state = str(b.work / "peer-fail")
    total = results[f"ingest-{best_mode}"]["embed_requests"]
    failed = peer(
        "fail", "ingest", "--state", fail_state, "--mode", best_mode, fail_after=total // 2
    )
    refail = peer("fail-rerun", "ingest", "--state", fail_state, "--mode", best_mode)

    best = results[f"ingest-{best_mode}"]
    # Ours, embeddings only: the same double with chat requests free (summaries cost nothing).
    inbox = copy_corpus(b.work / "inbox-ours-embed", corpus)
    mine = fig_utilisation(
        b, "ours-embeddings-only", inbox, len(corpus), sim, scale, 100, chat_free=True
    )
    ours, ostats, ou = mine["run"], mine["stats"], mine["u"]
    b.raw["peer"] = {
        k: {kk: vv for kk, vv in v.items() if kk != "u"} | {"u": v.get("u")}
        for k, v in results.items()
    }
    b.raw["ours_embed_only"] = {
        "wall": ours["wall"],
        "u": ou,
        "embed_requests": ostats["embed_requests"],
        "embed_inputs": ostats["embed_inputs"],
        "embed_chars": ostats["embed_chars"],
    }
    for mode in modes:
        r = results[f"ingest-{mode}"]
        b.add(
            "7",
            f"peer first ingest, {mode}",
            f"{r['wall']:.1f} s at scale {scale:g} ({r['u'].get('wall_full_speed_s', 0):.0f} s at "
            "full "
            f"speed, upper bound); {r['embed_requests']} /api/embed requests, {r['embed_inputs']} "
            "texts, "
            f"{r['embed_chars']:,} chars; max in flight {r['max_in_flight']}, max queued "
            f"{r['max_queued']}; rc {r['rc']}",
            "",
            None,
            r["command"],
        )
    ratio = ours["wall"] / best["wall"]
    ratio_full = ou.get("wall_full_speed_s", 0) / max(1e-9, best["u"].get("wall_full_speed_s", 1))
    b.add(
        "7",
        "ours (embeddings only) vs peer's best first ingest: wall ratio",
        f"{ratio:.2f} at scale {scale:g} ({ours['wall']:.1f} s vs {best['wall']:.1f} s, "
        f"{best_mode}); "
        f"{ratio_full:.2f} at full model speed, both extrapolated alike (lower bounds; estimates "
        f"{ou['estimate']['wall_full_speed_s']:.0f} s vs "
        f"{best['u']['estimate']['wall_full_speed_s']:.0f}"
        " s = "
        f"{ou['estimate']['wall_full_speed_s'] / best['u']['estimate']['wall_full_speed_s']:.2f})"
        f" ({ou.get('wall_full_speed_s', 0):.0f} s vs "
        f"{best['u'].get('wall_full_speed_s', 0):.0f} s); ours {ostats['embed_requests']} requests "
        "/ "
        f"{ostats['embed_inputs']} texts / {ostats['embed_chars']:,} chars",
        "ours ≤ peer's best (ratio ≤ 1)",
        ratio_full <= 1.0 and ours["rc"] == 0,
        ours["command"],
    )
    # Why the ratio is what it is: how much model work each side asked for, and how close each
    # came to the two-slot ideal for its own work (wall / (model seconds / slots)).
    slots = ou["slots"]
    ours_model, peer_model = ou["model_seconds_full_speed"], best["u"]["model_seconds_full_speed"]
    ours_eff = ou["estimate"]["wall_full_speed_s"] / (ours_model / slots)
    peer_eff = best["u"]["estimate"]["wall_full_speed_s"] / (peer_model / slots)
    b.add(
        "7",
        "model work asked for, and wall / two-slot ideal for that work (ours / peer's best)",
        f"model seconds at full speed {ours_model:.0f} / {peer_model:.0f} "
        f"(ours {ours_model / peer_model:.3f}x: summary vectors and heading paths are embedded "
        f"too); wall / ideal {ours_eff:.3f} / {peer_eff:.3f} with max queued "
        f"{ou['max_queued']} / {best['max_queued']}",
        "",
        None,
        ours["command"],
    )
    b.add(
        "7",
        "model calls on an unchanged re-run (peer / ours)",
        f"{rerun['embed_requests']} / {b.raw.get('rerun_after_sim', {}).get('calls', 'n/a')}",
        "0 / 0",
        rerun["embed_requests"] == 0,
        rerun["command"],
    )
    if edit_doc:
        b.add(
            "7",
            f"texts re-embedded after one paragraph is appended to {edit_doc} (peer / ours)",
            f"{edit.get('embed_inputs')} of {edit.get('doc_nodes', '?')} peer nodes / "
            f"{b.raw['edit']['re_chunks']} chunks + {b.raw['edit']['summary']} summary of "
            f"{b.raw['edit']['chunks']} (stock peer store: {edit.get('stock_error', 'n/a')})",
            "ours: changed chunks only",
            None,
            edit.get("command", ""),
        )
        b.add(
            "7",
            "duplicate vectors after re-ingesting the changed document (peer / ours)",
            f"peer (patched delete): {inspect.get('duplicate_texts')} duplicate (doc, text) rows, "
            f"{inspect.get('old_version_rows')} rows of the old version; ours: "
            f"{b.raw['edit']['dup_row_ids']} duplicate row ids, {b.raw['edit']['stale_rows']} rows "
            f"of an old version ({b.raw['edit']['dup_doc_text']} rows repeat a passage of the "
            f"same document, distinct chunks)",
            "0 on ours",
            b.raw["edit"]["dup_row_ids"] == 0 and b.raw["edit"]["stale_rows"] == 0,
            inspect.get("command", ""),
        )
    fb = b.raw.get("failure", {})
    b.add(
        "7",
        "failure half way, then re-run: texts re-embedded (peer) / model calls redone (ours)",
        f"peer: failed run rc {failed['rc']} embedded {failed['embed_inputs']} texts before the "
        f"failure, kept {failed.get('rows_after', 0)} rows; re-run embedded "
        f"{refail['embed_inputs']} of "
        f"{best['embed_inputs']} texts. ours: {fb.get('redone', 'n/a')} calls redone of "
        f"{fb.get('clean_calls', 'n/a')}",
        "ours: only the unfinished part",
        None,
        refail["command"],
    )


def peer_tiktoken_dir(python: Path) -> str:
    site = subprocess.run(
        [
            str(python),
            "-c",
            "import llama_index.core, os; print(os.path.dirname(llama_index.core.__file__))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout.strip()
    return os.path.join(site, "_static", "tiktoken_cache")


def ensure_peer_venv(b: Bench) -> Path | None:
    python = PEER_VENV / "bin" / "python"
    if python.exists():
        check = subprocess.run(
            [
                str(python),
                "-c",
                "import llama_index.core, "
                "llama_index.embeddings.ollama, llama_index.vector_stores.lancedb",
            ],
            capture_output=True,
            timeout=300,
            check=False,
        )
        if check.returncode == 0:
            return python
    log(f"  making the peer's venv at {PEER_VENV} (pip install {' '.join(PEER_PACKAGES)})")
    try:
        subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=True, timeout=300)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True, timeout=1800
        )
    except (subprocess.SubprocessError, OSError) as err:
        log(f"  peer venv failed: {err}")
        return None
    return python


# -- report -----------------------------------------------------------------------------------
def render(b: Bench, started: float, baseline: dict | None, argv: list[str]) -> str:
    cpu = os.cpu_count()
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    lines = [
        "# Benchmarks (issue 7)",
        "",
        f"Written by `{' '.join(argv)}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{'quick' if b.quick else 'full'} run, {time.monotonic() - started:.0f} s.",
        f"Machine: {cpu} cores, {mem}, {platform.platform()}, Python {platform.python_version()}.",
        f"Project: `{b.project}`.",
        "",
        "The ruler: `bench/ollama_sim.py` (the project's FakeOllama extended): "
        "2 slots, queue 512, chat 0.05 s + prompt tokens / 60 tok/s + output tokens / 8 tok/s "
        "(summaries 150 tokens), bge-m3 0.02 s + input tokens / 400 tok/s per /api/embed request; "
        "times multiplied by the run's time scale. Full-speed figures extrapolate the measured "
        "timeline (see `utilisation()` in run_benchmarks.py); `$SIM` is the sim's URL, `$WORK` "
        f"the run's temporary folder; every command ran with cwd `{b.project}` and "
        "`PYTHONPATH` set to it, `GEMINI_API_KEY`/`LAB_GEMINI_BASE_URL` pointing at FakeGemini.",
        "",
        "| fig | figure | value | target | result |" + (" before |" if baseline else ""),
        "|---|---|---|---|---|" + ("---|" if baseline else ""),
    ]
    if baseline and baseline.get("note"):
        lines.insert(6, f"Before column: {baseline['note']}.")
        lines.insert(7, "")
    before = {}
    if baseline:
        before = {(f["figure"], f["name"]): f for f in baseline.get("figures", [])}
    for f in b.figures:
        result = {True: "pass", False: "**miss**", None: ""}[f.passed]
        row = f"| {f.figure} | {f.name} | {f.value} | {f.target} | {result} |"
        if baseline:
            old = before.get((f.figure, f.name))
            row += f" {old['value'] if old else ''} |"
        lines.append(row)
    if b.loads:
        busy = [x for x in b.loads if max(x[1], x[2]) > (os.cpu_count() or 2) * 0.75]
        lines += [
            "",
            f"Machine load (1-min load average before -> after each pipeline command; "
            f"{os.cpu_count()} cores): "
            + ", ".join(f"{label} {a:.1f}->{c:.1f}" for label, a, c in b.loads),
        ]
        if busy:
            lines += [
                "",
                f"**{len(busy)} of {len(b.loads)} commands ran while other work kept the "
                "machine busy (load above 0.75 x cores): their wall times are inflated; the "
                "CPU-time figures and the ratios (utilisation, call counts) are less affected.**",
            ]
    if not any("1,000,000" in f.name for f in b.figures) and (HERE / "RESULTS-1M.md").exists():
        lines += [
            "",
            "Figure 6 at 1,000,000 rows (512-d, ~3 min): `bench/RESULTS-1M.md`, written by "
            "`python bench/run_benchmarks.py --only 6 --big --out bench/RESULTS-1M.md`.",
        ]
    if (HERE / "CHANGES.md").exists():
        lines += [
            "",
            "What the profiles showed and what was changed because of it, step by step with "
            "before and after: `bench/CHANGES.md`.",
        ]
    lines += ["", "## Commands", ""]
    for f in b.figures:
        if f.command:
            lines.append(f"- fig {f.figure}, {f.name}:\n  `{f.command}`")
    if "quality" in b.raw:
        lines += ["", "## Retrieval misses (hybrid, first five documents)", ""]
        for miss in b.raw["quality"]["modes"]["hybrid"]["misses@5"]:
            lines.append(f"- {miss['id']}: rank {miss['rank']}, got {', '.join(miss['top3'])}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    # On SIGTERM unwind normally: subprocess.run kills its child, finally closes the sim.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--only", default="")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--big", action="store_true", help="figure 6 at 1M rows (512-d) only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="lab-bench-"))
    (work / "logs").mkdir()
    b = Bench(project=args.project.resolve(), work=work, quick=args.quick)
    log(f"work folder {work}; project {b.project}; {'quick' if args.quick else 'full'} run")
    sys.path.insert(0, str(b.project))
    from lab_pipelines_tests.doubles.gemini_server import FakeGemini

    files = [p for p, _ in corpus_files()]
    corpus = files
    if args.quick:
        # The documents that answer the retrieval questions (so figure 5 still means something).
        sys.path.insert(0, str(HERE))
        from retrieval import load_questions

        answers = {
            a for q in load_questions(HERE / "retrieval_questions.tsv") for a in q["answers"]
        }
        corpus = [p for p in files if p in answers]
    scale = 1 / 250 if not args.quick else 1 / 1000

    def want(fig: str) -> bool:
        return not only or fig in only

    sim = None
    try:
        with FakeGemini() as gemini:
            b.gemini_url = gemini.url
            sim = Sim(b.project, work / "logs")
            zero: dict = {}
            offline = {"data": None}
            if want("5") or want("2") or want("6"):
                log("offline backfill (index for figure 5)")
                offline = fig_offline(b, corpus)
            if want("2") or want("3") or want("4") or want("7"):
                log("figure 2/4: zero-latency backfill")
                zero = fig_overhead(b, corpus, sim)
            if want("1") or want("1c") or want("3") or want("7"):
                log(f"figure 1: corpus backfill at time scale {scale:g}")
                inbox = copy_corpus(work / "inbox-sim", corpus)
                corpus_run = fig_utilisation(
                    b, "corpus-backfill", inbox, len(corpus), sim, scale, 100
                )
                report_utilisation(
                    b,
                    "corpus-backfill",
                    f"backfill of {len(corpus)} corpus documents in runs of 100",
                    corpus_run,
                    per_doc=False,
                )
                if want("3") or want("7"):
                    fig_repeat_and_edit(b, corpus_run, sim, scale)
            if want("1"):
                n_syn = 2000 if not args.quick else 300
                syn_scale = scale / 2
                log(f"figure 1: {n_syn} synthetic documents at time scale {syn_scale:g}")
                sys.path.insert(0, str(HERE))
                import synthetic

                sizes = [s for p, s in corpus_files() if not p.endswith(".pdf")]
                syn_inbox = work / "inbox-synthetic"
                synthetic.write_corpus(syn_inbox, sizes, n_syn)
                syn = fig_utilisation(
                    b, "synthetic-backfill", syn_inbox, n_syn, sim, syn_scale, 100
                )
                report_utilisation(
                    b,
                    "synthetic-backfill",
                    f"backfill of {n_syn} synthetic documents "
                    "(corpus size distribution) in runs of 100",
                    syn,
                    per_doc=False,
                )
                n_sub = 40 if not args.quick else 12
                sub = subset(corpus, n_sub)
                log(f"figure 1: {n_sub} documents, batched vs one run per document")
                sub_inbox = copy_corpus(work / "inbox-subset", sub)
                batched = fig_utilisation(b, "subset-batched", sub_inbox, n_sub, sim, scale, 100)
                report_utilisation(
                    b,
                    "subset-batched",
                    f"{n_sub} documents (every {len(corpus) // n_sub}th), one ranged run",
                    batched,
                    per_doc=True,
                )
                sub_inbox2 = copy_corpus(work / "inbox-subset-per-doc", sub)
                per_doc = fig_utilisation(
                    b, "subset-per-document", sub_inbox2, n_sub, sim, scale, 1
                )
                report_utilisation(
                    b,
                    "subset-per-document",
                    f"the same {n_sub} documents, one run per document (--batch 1)",
                    per_doc,
                    per_doc=True,
                )
                ratio = per_doc["run"]["wall"] / max(1e-9, batched["run"]["wall"])
                b.add(
                    "1",
                    "one run per document vs batched: wall ratio on the same documents",
                    f"{ratio:.1f}× ({per_doc['run']['wall']:.0f} s vs {batched['run']['wall']:.0f} "
                    "s "
                    f"at scale {scale:g}; {per_doc['u'].get('wall_full_speed_s', 0):.0f} s vs "
                    f"{batched['u'].get('wall_full_speed_s', 0):.0f} s at full speed)",
                    "",
                    None,
                    per_doc["run"]["command"],
                )
            if want("3") and zero:
                log("figure 3: failure half way")
                fig_failure(b, corpus, sim, zero["clean_calls"])
            if want("5"):
                log("figure 5: retrieval quality")
                fig_quality(b, offline["data"])
            if want("6"):
                log("figure 6: retrieval speed")
                fig_speed(b, offline["data"] / "lancedb" if offline["data"] else None, args.big)
            if want("7") and not args.no_peer and zero:
                log("figure 7: LlamaIndex peer")
                fig_peer(b, corpus, sim, zero, scale * 2.5)
    finally:
        if sim is not None:
            sim.close()
        text = render(
            b,
            started,
            json.loads(args.baseline.read_text()) if args.baseline else None,
            ["python", "bench/run_benchmarks.py", *(argv if argv is not None else sys.argv[1:])],
        )
        args.out.write_text(text, encoding="utf-8")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "figures": [f.__dict__ for f in b.figures],
                        "raw": b.raw,
                        "commands": b.commands,
                        "quick": b.quick,
                    },
                    indent=1,
                    default=str,
                )
            )
        log(f"wrote {args.out} in {time.monotonic() - started:.0f} s")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if all(f.passed is not False for f in b.figures) else 1


if __name__ == "__main__":
    sys.exit(main())
