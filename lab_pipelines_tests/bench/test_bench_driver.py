"""The benchmark driver's step resolution and the sim's control port (no pipeline runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ollama

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import ollama_sim  # noqa: E402
import run_benchmarks  # noqa: E402
from harness import Bench, Figure, http_json  # noqa: E402

from lab_pipelines_tests.doubles.ollama_server import (  # noqa: E402
    EMBEDDING_MODEL,
    FakeOllama,
    hash_vector,
)


def test_each_step_runs_once_after_what_it_needs(tmp_path: Path) -> None:
    ran: list[str] = []

    def step(name: str, rows: int = 0):  # noqa: ANN202
        def run(*inputs: object) -> object:
            ran.append(name)
            return [Figure(name, f"row {i}", inputs) for i in range(rows)] if rows else name

        return run

    table = {
        "backfill": run_benchmarks.Step((), step("backfill")),
        "a": run_benchmarks.Step(("backfill",), step("a", rows=1)),
        "b": run_benchmarks.Step(("backfill", "a"), step("b", rows=2)),
    }
    b = Bench(project=tmp_path, work=tmp_path, quick=True)

    done: dict[str, object] = {}
    run_benchmarks.run_steps(b, table, ["b", "a"], done)

    assert ran == ["backfill", "a", "b"]
    assert done["backfill"] == "backfill"
    assert [(f.figure, f.value) for f in b.figures] == [
        ("a", ("backfill",)),
        ("b", ("backfill", done["a"])),
        ("b", ("backfill", done["a"])),
    ]


def test_the_sim_is_the_double_with_node_b_speeds_steered_over_its_control_port() -> None:
    settings = ollama_sim.DEFAULTS | ollama_sim.SWITCHES | {"time_scale": 0.0}
    double = FakeOllama(embedder=hash_vector)
    with double, ollama_sim.SimControl(double, settings) as control:
        ollama.Client(host=double.url, timeout=5).embed(model=EMBEDDING_MODEL, input=["a" * 400])
        stats = http_json(control.url + "/stats")
        http_json(control.url + "/config", {"chat_free": True, "fail_after": 0})
        http_json(control.url + "/reset", {})
        after = http_json(control.url + "/stats")

    assert (stats["embed_requests"], stats["embed_inputs"], stats["embed_chars"]) == (1, 1, 400)
    assert stats["model_seconds"] == 0.02 + 100 / 400  # full speed, though nothing was slept
    assert (double.prompt_tokens_per_s, double.fail_after) == (0.0, 0)
    assert double.embed_tokens_per_s == 400.0
    assert (after["embed_requests"], after["timeline"]) == (0, [])


def test_the_benchmarks_read_the_store_through_its_named_queries(tmp_path: Path) -> None:
    from harness import embedding_rows, parsed_documents, table_rows

    from lab_pipelines.store import Store
    from lab_pipelines_tests.store.builders import DIM, document, vectors

    project = BENCH.parent
    store = Store(tmp_path / "lancedb")
    store.upsert_documents([document("a.md"), document("b.md"), document("x.bin", "skipped")])
    store.replace_embeddings("bge-m3", DIM, ["a.md"], vectors("a.md", ["one", "two"]))
    store.replace_embeddings("bge-m3", DIM, ["b.md"], vectors("b.md", ["three"]))

    parsed = parsed_documents(project, tmp_path, ["doc_id"])
    of_a = embedding_rows(project, tmp_path, "a.md", ["doc_id", "text"])
    every = table_rows(project, tmp_path, "embeddings", ["doc_id"])

    assert sorted(r["doc_id"] for r in parsed) == ["a.md", "b.md"]
    assert sorted(r["text"] for r in of_a) == ["one", "two"]
    assert len(every) == 3


def test_a_commands_cpu_counts_the_processes_it_orphaned(tmp_path: Path) -> None:
    """The daemon's run workers outlive no one's wait: a grandchild whose parent exits first
    must still count. In a process of its own, so that pytest never becomes a subreaper."""
    burn = (
        "import os, time\n"
        "if os.fork() == 0:\n"  # the orphan: its parent exits at once
        "    end = time.process_time() + 0.6\n"
        "    while time.process_time() < end: pass\n"
        "    os._exit(0)\n"
    )
    measure = (
        "import sys; from pathlib import Path\n"
        f"sys.path.insert(0, {str(BENCH)!r})\n"
        "from harness import Bench, count_orphans_cpu\n"
        "assert count_orphans_cpu()\n"
        f"work = Path({str(tmp_path)!r}); (work / 'logs').mkdir()\n"
        "b = Bench(project=work, work=work, quick=True)\n"
        f"run = b.command([sys.executable, '-c', {burn!r}], {{}}, 'burn', 'burn')\n"
        "print(run.cpu)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", measure], capture_output=True, text=True, timeout=60, check=True
    )
    assert float(out.stdout.split()[-1]) >= 0.5  # the orphan's 0.6 s, not only its parent's
