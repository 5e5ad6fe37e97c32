"""bench/RESULTS.md (and the --json dump) from the rows the figures returned."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from harness import HERE, Bench

RULER = (
    "The ruler: `bench/ollama_sim.py` (the project's FakeOllama with node B's speeds): "
    "2 slots, queue 512, chat 0.05 s + prompt tokens / 60 tok/s + output tokens / 8 tok/s "
    "(summaries 150 tokens), bge-m3 0.02 s + input tokens / 400 tok/s per /api/embed request; "
    "times multiplied by the run's time scale. Full-speed figures extrapolate the measured "
    "timeline (see `utilisation()` in bench/figures/slot_utilisation.py); `$SIM` is the sim's "
    "URL, `$WORK` the run's temporary folder; every command ran with cwd `{project}` and "
    "`PYTHONPATH` set to it, `GEMINI_API_KEY`/`LAB_GEMINI_BASE_URL` pointing at FakeGemini."
)


def _machine() -> str:
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    return (
        f"Machine: {os.cpu_count()} cores, {mem}, {platform.platform()}, "
        f"Python {platform.python_version()}."
    )


def _load_lines(b: Bench) -> list[str]:
    if not b.loads:
        return []
    cores = os.cpu_count() or 2
    busy = [x for x in b.loads if max(x[1], x[2]) > cores * 0.75]
    lines = [
        "",
        f"Machine load (1-min load average before -> after each pipeline command; {cores} "
        "cores): " + ", ".join(f"{label} {a:.1f}->{c:.1f}" for label, a, c in b.loads),
    ]
    if busy:
        lines += [
            "",
            f"**{len(busy)} of {len(b.loads)} commands ran while other work kept the machine "
            "busy (load above 0.75 x cores): their wall times are inflated; the CPU-time figures "
            "and the ratios (utilisation, call counts) are less affected.**",
        ]
    return lines


def render(
    b: Bench, started: float, baseline: dict | None, argv: list[str], misses: list[dict]
) -> str:
    """The RESULTS page; `misses`: figure 5's hybrid misses (empty if it did not run)."""
    lines = [
        "# Benchmarks (issue 7)",
        "",
        f"Written by `{' '.join(argv)}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{'quick' if b.quick else 'full'} run, {time.monotonic() - started:.0f} s.",
        _machine(),
        f"Project: `{b.project}`.",
        "",
    ]
    if baseline and baseline.get("note"):
        lines += [f"Before column: {baseline['note']}.", ""]
    lines += [
        RULER.format(project=b.project),
        "",
        "| fig | figure | value | target | result |" + (" before |" if baseline else ""),
        "|---|---|---|---|---|" + ("---|" if baseline else ""),
    ]
    before = {(f["figure"], f["name"]): f for f in (baseline or {}).get("figures", [])}
    for f in b.figures:
        result = {True: "pass", False: "**miss**", None: ""}[f.passed]
        row = f"| {f.figure} | {f.name} | {f.value} | {f.target} | {result} |"
        if baseline:
            old = before.get((f.figure, f.name))
            row += f" {old['value'] if old else ''} |"
        lines.append(row)
    lines += _load_lines(b)
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
    lines += [f"- fig {f.figure}, {f.name}:\n  `{f.command}`" for f in b.figures if f.command]
    if misses:
        lines += ["", "## Retrieval misses (hybrid, first five documents)", ""]
        lines += [f"- {m['id']}: rank {m['rank']}, got {', '.join(m['top3'])}" for m in misses]
    return "\n".join(lines) + "\n"


def write_json(path: Path, b: Bench, raw: dict[str, Any]) -> None:
    """Rows, every step's result and the commands: what --baseline reads back."""
    dump = {
        "figures": [f.__dict__ for f in b.figures],
        "raw": raw,
        "commands": b.commands,
        "quick": b.quick,
    }
    path.write_text(json.dumps(dump, indent=1, default=str))
