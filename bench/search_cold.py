"""Cold `lab-pipelines search` (or `ask`) against `python -c "import lancedb"`, paired runs.

    python bench/search_cold.py --data DIR [--pairs 10] [--command search|ask]

Each pair runs both commands back to back in fresh processes (alternating which goes first), so
a busy moment of the machine costs both alike; the figure is the median of the pairs' ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="LAB_DATA of a built store")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--query", default="노드에 테인트 붙이기")
    parser.add_argument("--command", choices=["search", "ask"], default="search")
    args = parser.parse_args()
    env = {**os.environ, "LAB_DATA": str(args.data), "LAB_BACKEND": "offline"}
    search = [PYTHON, "-m", "lab_pipelines.cli", args.command, args.query]
    baseline = [PYTHON, "-c", "import lancedb"]
    timed(search, env)  # warm the page cache once; every measured run is a new process
    pairs = []
    for i in range(args.pairs):
        order = [(search, "s"), (baseline, "b")] if i % 2 else [(baseline, "b"), (search, "s")]
        took = {label: timed(argv, env) for argv, label in order}
        pairs.append((took["s"], took["b"]))
    ratios = [s / b for s, b in pairs]
    command_s = statistics.median(s for s, _ in pairs)
    lancedb_s = statistics.median(b for _, b in pairs)
    print(
        f"{args.command} median {command_s:.2f} s, import lancedb median {lancedb_s:.2f} s, "
        f"ratio median {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}) over {args.pairs} pairs; "
        f"load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
