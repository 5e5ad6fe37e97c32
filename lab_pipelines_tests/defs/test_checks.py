"""Per-document checks through the real daemon: one document that fails its check does not
hold back the other 99 of its ranged run, and the failure shows on its own partition.

100 documents of our own writing are dropped into the inbox at once; the inbox sensor makes a
ranged run of them. One is a Korean checklist whose only full sentence is English: the offline
extractive summariser can only pick that sentence, so its summary is English and
`summary_matches_document` fails (at WARN) for that document alone. Results are read back from
the webserver's GraphQL API, as the asset's Checks tab reads them.
"""

from __future__ import annotations

from lab_pipelines_tests.daemon import DagsterDev, dagster_dev

N_DOCUMENTS = 100
BAD = "ko/점검-메모.md"
# Short Korean items (none a "sentence" the summariser picks) and one English sentence.
BAD_TEXT = (
    "# 점검 메모\n\n점검 완료. 백업 확인. 로그 정리. 노드 재시작. 디스크 교체. 메모리 증설. "
    "전원 점검. 팬 청소.\n\n"
    "The backup job copies every volume of the compute node to the storage box at one.\n"
)
TOPICS = ("백업", "모니터링", "노드 라벨", "임베딩", "요약", "스토리지", "네트워크", "인증서")

CHECKS = """
query ($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode {
      assetChecksOrError {
        ... on AssetChecks {
          checks {
            name
            blocking
            canExecuteIndividually
            partitionStatuses {
              ... on AssetCheckDefaultPartitionStatuses { succeededPartitions failedPartitions }
            }
          }
        }
      }
    }
  }
}"""

EXECUTION = """
query ($path: [String!]!, $check: String!, $partition: String!) {
  assetCheckExecutions(assetKey: {path: $path}, checkName: $check, partition: $partition,
                       limit: 1) {
    partition runId status
    evaluation { partition description severity success }
  }
}"""


def _document(n: int) -> tuple[str, str]:
    topic = TOPICS[n % len(TOPICS)]
    if n % 2:
        return f"en/note-{n:03d}.md", (
            f"# Note {n}\n\nThis note {n} explains how the home lab keeps its {n} services "
            "running through the night. The compute node schedules the work and the inference "
            "node answers the model requests.\n"
        )
    return f"ko/메모-{n:03d}.md", (
        f"# 메모 {n}\n\n이 메모는 홈랩의 {topic} 작업을 {n}번째로 정리한 문서입니다. 컴퓨트 "
        "노드가 작업을 예약하고 추론 노드가 모델 요청에 답합니다.\n"
    )


def _statuses(dev: DagsterDev, asset: str) -> dict[str, dict]:
    data = dev.graphql(CHECKS, {"path": [asset]})
    checks = data["assetNodeOrError"]["assetChecksOrError"]["checks"]
    return {c["name"]: c for c in checks}


def _run_ended(dev: DagsterDev, run_id: str) -> bool:
    query = "query ($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
    status = dev.graphql(query, {"id": run_id})["runOrError"].get("status")
    return status in {"SUCCESS", "FAILURE", "CANCELED"}


def test_a_failing_document_check_shows_on_its_partition_and_blocks_nothing(tmp_path):
    docs = dict(_document(n) for n in range(N_DOCUMENTS - 1))
    docs[BAD] = BAD_TEXT
    with dagster_dev(tmp_path) as dev:
        # Written elsewhere, then moved in at once: the sensor sees 100 complete files.
        staging = tmp_path / "staging"
        for doc_id, text in docs.items():
            path = staging / doc_id
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for folder in ("en", "ko"):
            (staging / folder).rename(dev.inbox / folder)

        def embedded() -> bool:
            wanted = (BAD, *list(docs)[:3])
            return set(wanted) <= set(dev.partition_runs("embeddings", wanted))

        dev.wait_until(embedded, 300, "the embeddings of the first documents and the bad one")
        dev.wait_until(
            lambda: set(docs) <= set(dev.partition_runs("embeddings", docs)),
            240,
            "the embeddings of all 100 documents",
        )
        # A step records its materialisation before its check evaluations: wait for the runs
        # that made the embeddings to end, so every check evaluation is in.
        embedding_runs = {runs[0] for runs in dev.partition_runs("embeddings", docs).values()}
        dev.wait_until(
            lambda: all(_run_ended(dev, run_id) for run_id in embedding_runs),
            240,
            "the end of the runs that embedded the documents",
        )

        # One ranged run made the bad document's summary and its neighbours'.
        bad_run = dev.materialization_runs("summaries", BAD)[0]
        summaries = dev.partition_runs("summaries", docs)
        same_run = [d for d in docs if summaries[d][0] == bad_run]
        assert len(same_run) > 1, "the bad document was not in a ranged run"

        # Its check failed on its own partition, and only there; the step still succeeded,
        # so embeddings were made for every document (waited for above).
        statuses = _statuses(dev, "summaries")
        summary = statuses["summary_matches_document"]
        assert summary["blocking"] is False
        assert summary["partitionStatuses"]["failedPartitions"] == [BAD]
        assert set(summary["partitionStatuses"]["succeededPartitions"]) == set(docs) - {BAD}
        execution = dev.graphql(
            EXECUTION,
            {
                "path": ["summaries"],
                "check": "summary_matches_document",
                "partition": BAD,
            },
        )["assetCheckExecutions"][0]
        assert execution["partition"] == BAD and execution["runId"] == bad_run
        assert execution["status"] == "FAILED"
        assert execution["evaluation"]["description"] == "the document is in ko, its summary in en"
        assert execution["evaluation"]["severity"] == "WARN"

        embedding_checks = _statuses(dev, "embeddings")
        vectors = embedding_checks["vectors_have_unit_norm"]["partitionStatuses"]
        assert set(vectors["succeededPartitions"]) == set(docs)

        # The whole-table invariants stay blocking, and the Checks tab can run each alone.
        table_checks = [
            _statuses(dev, "chunks")["no_duplicate_chunk_ids"],
            embedding_checks["no_duplicate_vector_rows"],
            embedding_checks["store_matches_inbox"],
        ]
        for check in table_checks:
            assert check["blocking"] is True and check["partitionStatuses"] is None, check
            assert check["canExecuteIndividually"] == "CAN_EXECUTE", check
