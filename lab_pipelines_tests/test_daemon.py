"""The real thing: `dagster dev` (webserver + daemon) follows the inbox by itself.

Drop a Korean document into the inbox, and poll the webserver's GraphQL API until its summary
and embeddings are materialised; then delete it and watch its rows leave LanceDB.
"""

from lab_pipelines.store import Store
from lab_pipelines_tests.daemon import dagster_dev

DOC_ID = "ko/새-문서.md"


def test_a_dropped_document_is_processed_and_a_deleted_one_removed(tmp_path):
    with dagster_dev(tmp_path) as dev:
        (dev.inbox / "ko").mkdir()
        path = dev.inbox / "ko" / "새-문서.md"
        path.write_text(
            "# 새 문서\n\n추론 노드는 밤마다 요약 작업을 처리한다. "
            "임베딩은 bge-m3 모델이 만든다.\n",
            encoding="utf-8",
        )
        dev.wait_until(lambda: dev.materialization_runs("summaries", DOC_ID), 240, "the summary")
        dev.wait_until(
            lambda: dev.materialization_runs("embeddings", DOC_ID), 120, "the embeddings"
        )
        store = Store(dev.data / "lancedb")
        assert store.summaries([DOC_ID])[DOC_ID]["lang"] == "ko"
        assert store.count("embeddings__offline_lexical_v1", f"doc_id = '{DOC_ID}'") >= 2

        path.unlink()
        dev.wait_until(
            lambda: (
                store.count("embeddings__offline_lexical_v1", f"doc_id = '{DOC_ID}'") == 0
                and store.count("summaries") == 0
                and store.count("documents") == 0
            ),
            60,
            "the rows to leave LanceDB",
        )
