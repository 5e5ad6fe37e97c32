"""The real thing: `dagster dev` (webserver + daemon) follows the inbox by itself.

Drop a Korean document into the inbox, and poll the webserver's GraphQL API until its summary
and embeddings are materialised; then delete it and watch its rows leave LanceDB.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from lab_pipelines.cli import ensure_instance_config
from lab_pipelines.settings import project_root
from lab_pipelines.store import LabStore

DOC_ID = "ko/새-문서.md"
MATERIALIZATIONS = """
query ($path: [String!]!, $partition: String!) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset { assetMaterializations(partitions: [$partition]) { partition runId } }
  }
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], timeout_s: float, what: str, log: Path) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = check()
        except (OSError, ValueError):
            value = None
        if value:
            return value
        time.sleep(1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}; dagster dev log:\n{tail}")


def graphql(port: int, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def materialized(port: int, asset: str) -> bool:
    data = graphql(port, MATERIALIZATIONS, {"path": [asset], "partition": DOC_ID})
    return bool(data["assetOrError"].get("assetMaterializations"))


@pytest.fixture
def dagster_dev(tmp_path):  # noqa: ANN001, ANN201
    home, inbox, data = tmp_path / "home", tmp_path / "inbox", tmp_path / "data"
    (tmp_path / "requests").mkdir()
    inbox.mkdir()
    ensure_instance_config(home)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LAB_INBOX": str(inbox),
        "LAB_REQUESTS": str(tmp_path / "requests"),
        "LAB_DATA": str(data),
        "LAB_BACKEND": "offline",
        "LAB_PROFILE": "local",
        "LAB_SENSOR_INTERVAL_S": "2",
        "LAB_SETTLE_S": "1",
    }
    port = free_port()
    log = tmp_path / "dagster-dev.log"
    dagster = Path(sys.executable).parent / "dagster"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)],
            cwd=project_root(),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the webserver, daemon and code servers stop together
        )
    try:
        wait_until(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5),
            180,
            "the webserver",
            log,
        )
        yield port, inbox, data, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_dropped_document_is_processed_and_a_deleted_one_removed(dagster_dev):
    port, inbox, data, log = dagster_dev
    (inbox / "ko").mkdir()
    path = inbox / "ko" / "새-문서.md"
    path.write_text(
        "# 새 문서\n\n추론 노드는 밤마다 요약 작업을 처리한다. 임베딩은 bge-m3 모델이 만든다.\n",
        encoding="utf-8",
    )
    wait_until(lambda: materialized(port, "summaries"), 240, "the summary", log)
    wait_until(lambda: materialized(port, "embeddings"), 120, "the embeddings", log)
    store = LabStore(data / "lancedb")
    assert store.summaries([DOC_ID])[DOC_ID]["lang"] == "ko"
    assert store.count("embeddings__offline_lexical_v1", f"doc_id = '{DOC_ID}'") >= 2

    path.unlink()
    wait_until(
        lambda: (
            store.count("embeddings__offline_lexical_v1", f"doc_id = '{DOC_ID}'") == 0
            and store.count("summaries") == 0
            and store.count("documents") == 0
        ),
        60,
        "the rows to leave LanceDB",
        log,
    )
