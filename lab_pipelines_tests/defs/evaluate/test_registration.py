"""Two evaluation runs that start together register the same new candidates once, and
neither fails: several processes register the same names at the same moment on one real
Dagster instance (SQLite storage, as `make dev`)."""

import multiprocessing
from pathlib import Path

import dagster as dg

from lab_pipelines.defs.evaluate.partitions import PARTITIONS_OF
from lab_pipelines.defs.evaluate.runner import register_candidates
from lab_pipelines.evaluation.candidates import KINDS, Candidates

PROCESSES = 4
ROUNDS = 15  # before the retry, 4 processes failed 89 of 160 calls over 40 rounds


def register_in_step(home: str, barrier, rounds: list[str], results) -> None:  # noqa: ANN001
    instance = dg.DagsterInstance.from_config(home)
    added, failures = [], []
    for name in rounds:
        barrier.wait(timeout=60)
        try:
            added += register_candidates(instance, Candidates((name,), (name,), (name,)))
        except Exception as err:  # noqa: BLE001 - what a failed evaluation run would show
            failures.append(repr(err)[:160])
    results.put((added, failures))


def test_runs_registering_the_same_new_candidates_at_once_add_each_once(tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")
    instance = dg.DagsterInstance.from_config(str(home))
    instance.get_dynamic_partitions(PARTITIONS_OF[KINDS[0]].name)  # storage made before the race
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(PROCESSES), spawn.Queue()
    rounds = [f"candidate-{i}" for i in range(ROUNDS)]
    processes = [
        spawn.Process(target=register_in_step, args=(str(home), barrier, rounds, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=180) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    failures = [f for _, failed in reports for f in failed]
    added = [a for done, _ in reports for a in done]
    assert failures == []
    # Every name reported new by at least one process, and held once in each partition set.
    assert set(added) == {f"{kind}/{name}" for kind in KINDS for name in rounds}
    for kind in KINDS:
        assert sorted(instance.get_dynamic_partitions(PARTITIONS_OF[kind].name)) == sorted(rounds)
