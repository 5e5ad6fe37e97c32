"""The optional Postgres profile, deployment/local/dagster-postgres.yaml.

- It holds the same instance settings as the SQLite default (pools, run queue, run
  monitoring); only the storage differs. No Postgres needed.
- Against a real throwaway PostgreSQL (initdb in a tmp folder, 127.0.0.1, a free port):
  `dagster instance info` loads it, the pools are created, and the document pipeline runs on
  it. Skips where PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from lab_pipelines.cli import LOCAL_INSTANCE_CONFIG
from lab_pipelines.defs.pools import LANCEDB_POOL, OLLAMA_POOL, ensure_pool_limits
from lab_pipelines.settings import project_root
from lab_pipelines_tests.daemon import free_port
from lab_pipelines_tests.fixtures import Lab
from lab_pipelines_tests.runs import materialize_lab

POSTGRES_CONFIG = LOCAL_INSTANCE_CONFIG.with_name("dagster-postgres.yaml")
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def test_the_postgres_profile_has_the_same_settings_as_the_sqlite_default() -> None:
    sqlite = yaml.safe_load(LOCAL_INSTANCE_CONFIG.read_text())
    postgres = yaml.safe_load(POSTGRES_CONFIG.read_text())
    assert postgres.pop("storage") == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    storage_keys = {"storage", "run_storage", "event_log_storage", "schedule_storage"}
    assert not storage_keys & set(sqlite), "the default is Dagster's stock SQLite storage"
    assert postgres == sqlite


def _pg_tool(name: str) -> str | None:
    """initdb and pg_ctl: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return None


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 at a free port, stopped after the test."""
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL's initdb/pg_ctl not found: apt-get install postgresql")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the cluster as nobody
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("running as root without setpriv to drop to nobody for initdb")
        nobody = pwd.getpwnam("nobody")
        # Under /tmp itself: pytest's tmp folders are 0700 root, closed to nobody.
        data = Path(tempfile.mkdtemp(prefix="lab-pg-"))
        os.chown(data, nobody.pw_uid, nobody.pw_gid)
        as_user = [
            setpriv,
            f"--reuid={nobody.pw_uid}",
            f"--regid={nobody.pw_gid}",
            "--clear-groups",
        ]
    else:
        data = tmp_path / "pg"
        data.mkdir()
    port = free_port()

    def run(*argv: str) -> None:
        done = subprocess.run(
            [*as_user, *argv], capture_output=True, text=True, timeout=120, cwd=data
        )
        assert done.returncode == 0, done.stdout + done.stderr

    run(initdb, "-D", str(data), "-U", "lab", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' "
        "-c fsync=off -c max_connections=50"  # a test cluster: durability is not wanted
    )
    run(pg_ctl, "-D", str(data), "-l", str(data / "server.log"), "-o", options, "-w", "start")
    try:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=port, user="lab", dbname="postgres")
        connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        connection.cursor().execute("CREATE DATABASE dagster_lab")
        connection.close()
        yield f"postgresql+psycopg2://lab@127.0.0.1:{port}/dagster_lab"
    finally:
        run(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(data, ignore_errors=True)


def test_the_pipeline_runs_on_the_postgres_profile(
    lab: Lab, postgres_url: str, tmp_path: Path
) -> None:
    from dagster import AssetKey, DagsterInstance, DagsterRunStatus

    home = tmp_path / "pg_home"
    home.mkdir()
    shutil.copyfile(POSTGRES_CONFIG, home / "dagster.yaml")
    lab.monkeypatch.setenv("DAGSTER_HOME", str(home))
    lab.monkeypatch.setenv("DAGSTER_PG_URL", postgres_url)

    dagster = Path(sys.executable).parent / "dagster"
    info = subprocess.run(
        [str(dagster), "instance", "info"],
        cwd=project_root(),
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert info.returncode == 0, info.stdout + info.stderr
    for storage in ("PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"):
        assert storage in info.stdout, info.stdout

    with DagsterInstance.get() as instance:
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        ensure_pool_limits(instance)
        limits = {p.name: p.limit for p in instance.event_log_storage.get_pool_limits()}
        assert limits == {OLLAMA_POOL: 1, LANCEDB_POOL: 1}
        assert instance.run_monitoring_max_runtime_seconds == 14400

    materialize_lab()  # the code location's jobs over the sample inbox, on this instance

    with DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert runs and {run.status for run in runs} == {DagsterRunStatus.SUCCESS}
        documents = set(instance.get_dynamic_partitions("documents"))
        assert len(documents) == 6  # samples/inbox
        assert instance.get_materialized_partitions(AssetKey("embeddings")) == documents
    assert lab.invariant_problems() == []
