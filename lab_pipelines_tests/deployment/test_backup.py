"""Backup and restore, end to end on a real local instance: run the pipeline with the CLI,
back up (LanceDB tags + SQLite copies), damage the store and the run history, restore with the
same command an operator runs, and find the store invariant and the runs back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import lancedb
from dagster import DagsterInstance

from lab_pipelines_tests.deployment.rendering import REPO
from lab_pipelines_tests.fixtures import make_lab

BACKUP = REPO / "deployment" / "backup" / "lab_backup.py"
CLI = Path(sys.executable).parent / "lab-pipelines"


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*args], capture_output=True, text=True, timeout=timeout, env=dict(os.environ), check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _run_count(home: Path) -> int:
    with DagsterInstance.from_config(str(home)) as instance:
        return len(instance.get_runs())


def test_backup_damage_restore_keeps_the_store_invariant(tmp_path, monkeypatch):
    lab = make_lab(tmp_path, monkeypatch)
    _run(str(CLI), "run")
    lancedb_dir = lab.settings.lancedb_dir
    home = Path(os.environ["DAGSTER_HOME"])
    assert lab.invariant_problems() == []
    runs_before = _run_count(home)
    assert runs_before > 0

    backups = tmp_path / "backups"
    _run(sys.executable, str(BACKUP), "backup", "--lancedb", str(lancedb_dir),
         "--dagster-home", str(home), "--to", str(backups), "--name", "before")  # fmt: skip
    listed = _run(sys.executable, str(BACKUP), "list", "--lancedb", str(lancedb_dir)).stdout
    assert "lab-before" in listed

    # Damage: one document loses its chunks, a stray table appears, the run history is wiped.
    db = lancedb.connect(str(lancedb_dir))
    chunks = db.open_table("chunks")
    doc_id = chunks.search().limit(1).to_list()[0]["doc_id"]
    chunks.delete(f"doc_id = '{doc_id}'")
    db.create_table("stray", [{"x": 1}])
    for database in home.rglob("*.db"):
        database.write_bytes(b"not a database any more")
    assert lab.invariant_problems(), "the damage should break the invariant"

    restore = [sys.executable, str(BACKUP), "restore", "--lancedb", str(lancedb_dir),
               "--dagster-home", str(home), "--from", str(backups / "before")]  # fmt: skip
    restored = _run(*restore).stdout

    assert "restored chunks" in restored and "dropped stray" in restored
    assert lab.invariant_problems() == []
    assert _run_count(home) == runs_before
