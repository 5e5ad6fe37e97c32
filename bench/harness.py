"""Plumbing the figures share: the simulated Ollama process, pipeline commands, corpora, reads.

A figure never reaches into another's results here: `Bench` only runs commands and collects
the rows (`Figure`) the figure functions return.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_PROJECT = HERE.parent
CORPUS = Path(os.environ.get("LAB_BENCH_CORPUS", DEFAULT_PROJECT.parent / "shared" / "corpus"))
PYTHON = sys.executable


def count_orphans_cpu() -> bool:
    """Make this process the subreaper of its descendants (Linux), so that a process whose
    parent exits without waiting for it (the run workers `dagster-daemon` launches) is reaped
    here and its CPU enters RUSAGE_CHILDREN. Without it the figure counted only the processes
    their own parents waited for: on 200 corpus documents 24 s of the 89 s that the whole tree
    used (measured in a cpuacct cgroup, bench/RESULTS.md). False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0


def reap_exited(seconds: float = 3.0) -> None:
    """Wait for the orphans a command left to exit (at most ``seconds``), reaping each."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left at all
        if pid == 0:
            time.sleep(0.1)  # children remain (the simulated Ollama is one): look again


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
    """bench/ollama_sim.py in its own process; steered over its control port."""

    def __init__(self, project: Path, logdir: Path) -> None:
        self.log = open(logdir / "ollama_sim.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [PYTHON, str(HERE / "ollama_sim.py"), "--max-seconds", "3600"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env={**os.environ, "PYTHONPATH": str(project)},
            cwd=str(project),
        )
        first, second = (self.proc.stdout.readline().decode() for _ in range(2))
        if not (first.startswith("URL ") and second.startswith("CONTROL ")):
            self.close()
            raise RuntimeError(f"ollama_sim did not start: {first!r} {second!r}")
        self.url, self.control = first.split()[1], second.split()[1]

    def stats(self) -> dict:
        return http_json(self.control + "/stats")

    def reset(self) -> None:
        """Forget calls and counters, once requests a dead client left queued have drained
        (they would otherwise be counted in the next measurement)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            stats = self.stats()
            if stats["in_flight_now"] == 0 and stats["queued_now"] == 0:
                break
            time.sleep(0.2)
        http_json(self.control + "/reset", {})

    def configure(self, **settings: Any) -> dict:
        return http_json(self.control + "/config", settings)

    def measure(
        self, scale: float, *, chat_free: bool = False, fail_after: int | None = None
    ) -> None:
        """Settings of one measurement, and counters from zero."""
        self.configure(time_scale=scale, chat_free=chat_free, fail_after=fail_after)
        self.reset()

    def embedded(self) -> list[str]:
        return http_json(self.control + "/embedded")["texts"]

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
    """One row of the RESULTS table."""

    figure: str
    name: str
    value: Any
    target: str = ""
    passed: bool | None = None
    command: str = ""
    note: str = ""


@dataclass
class Run:
    """One finished command: wall and CPU time, exit code, the command as RESULTS shows it."""

    wall: float
    start: float
    end: float
    cpu: float
    rc: int
    command: str
    log: str


@dataclass
class Bench:
    project: Path
    work: Path
    quick: bool
    gemini_url: str = ""
    figures: list[Figure] = field(default_factory=list)
    commands: dict[str, str] = field(default_factory=dict)
    loads: list[tuple[str, float, float]] = field(default_factory=list)

    def extend(self, rows: list[Figure]) -> None:
        for row in rows:
            self.figures.append(row)
            mark = {True: "PASS", False: "MISS", None: "    "}[row.passed]
            log(f"  [{mark}] fig {row.figure} {row.name}: {row.value} {row.target}")

    def env(self, inbox: Path, data: Path, backend: str, ollama: str = "") -> dict[str, str]:
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
        return env

    def pipeline(
        self, env: dict[str, str], label: str, scale: float | None = None, note: str = ""
    ) -> Run:
        """``lab-pipelines run`` in a fresh process; `scale` is the sim's, for the command shown."""
        sim = "" if scale is None else f"bench/ollama_sim.py --time-scale {scale:g}{note}"
        shown = {k: env[k] for k in ("LAB_BACKEND", "LAB_INBOX", "LAB_DATA", "LAB_REQUESTS")}
        if "OLLAMA_HOST" in env:
            shown["OLLAMA_HOST"] = "$SIM"
        shown |= {
            k: v
            for k, v in env.items()
            if k.startswith("LAB_") and k not in shown and k != "LAB_GEMINI_BASE_URL"
        }
        command = (
            " ".join(f"{k}={shlex.quote(str(v))}" for k, v in shown.items())
            + f" DAGSTER_HOME=$LAB_DATA/dagster_home {Path(PYTHON).name} -m lab_pipelines.cli run"
        ).replace(str(self.work), "$WORK")
        if sim:
            command += f"   # SIM = {sim}"
        self.commands[label] = command
        return self.command([PYTHON, "-m", "lab_pipelines.cli", "run"], env, label, command)

    def command(self, argv: list[str], env: dict[str, str], label: str, shown: str) -> Run:
        """Any command in a fresh process, its output in logs/<label>.log."""
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
        reap_exited()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
        load_after = os.getloadavg()[0]
        self.loads.append((label, load_before, load_after))
        log(
            f"    {label}: rc={proc.returncode} in {finished - started:.1f} s, {cpu:.1f} s CPU, "
            f"load average {load_before:.1f} -> {load_after:.1f}"
        )
        return Run(finished - started, started, finished, cpu, proc.returncode, shown, str(logfile))

    def last_json(
        self, argv: list[str], env: dict[str, str], label: str
    ) -> tuple[dict | None, str]:
        """A helper script whose last line of output is a JSON object: (it or None, stderr tail)."""
        out = subprocess.run(
            argv, env=env, cwd=str(self.project), capture_output=True, text=True, timeout=3600
        )
        (self.work / "logs" / f"{label}.log").write_text(out.stdout + out.stderr[-20000:])
        with contextlib.suppress(IndexError, json.JSONDecodeError):
            return json.loads(out.stdout.strip().splitlines()[-1]), ""
        return None, out.stderr[-300:]


# -- corpora ----------------------------------------------------------------------------------
def corpus_files() -> list[tuple[str, int]]:
    """(path, size) of every document of ../shared/corpus, from its manifest."""
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


# -- the store's tables -----------------------------------------------------------------------
EMBEDDING_MODEL = "bge-m3"


def _store(project: Path, data: Path) -> Any:
    sys.path.insert(0, str(project))
    from lab_pipelines.store import Store

    return Store(data / "lancedb")


def table_rows(project: Path, data: Path, table: str, columns: list[str]) -> list[dict]:
    """Every row of one table of the LanceDB under `data`; table "embeddings" is bge-m3's."""
    sys.path.insert(0, str(project))
    from lab_pipelines.store.vectors import embeddings_table_name

    name = embeddings_table_name(EMBEDDING_MODEL) if table == "embeddings" else table
    return _store(project, data).read(name, columns)


def embedding_rows(project: Path, data: Path, doc_id: str, columns: list[str]) -> list[dict]:
    """bge-m3's vector rows of one document."""
    return _store(project, data).embedding_rows(EMBEDDING_MODEL, [doc_id], columns)


def parsed_documents(project: Path, data: Path, columns: list[str]) -> list[dict]:
    """The documents whose parse succeeded (skipped files are not among them)."""
    return _store(project, data).ok_documents(columns)
