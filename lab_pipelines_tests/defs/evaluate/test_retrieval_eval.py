"""retrieval_eval partitions materialised as assets, on a real Dagster instance: a new
embedding candidate embeds the store once; nothing an earlier partition embedded is embedded
again, only the questions (whose embedding time is the query latency being measured)."""

from pathlib import Path

import dagster as dg

from lab_pipelines.definitions import defs
from lab_pipelines.defs.dagster_private import set_defs_state_storage
from lab_pipelines.evaluation.evalset import read_questions
from lab_pipelines.store.vectors import embeddings_table_name
from lab_pipelines.text.prefixes import document_text, query_text


def materialise(instance: dg.DagsterInstance, asset: str, partition: str) -> dict:
    with set_defs_state_storage(instance.defs_state_storage):
        job = defs().resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey(asset)], partition_key=partition
    )
    assert result.success
    (materialization,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in materialization.materialization.metadata.items()}


def embedded_texts(fake) -> list[str]:  # noqa: ANN001
    return [text for call in fake.calls_to("/api/embed") for text in call.body["input"]]


def test_a_new_candidate_embeds_the_store_once_and_no_partition_re_embeds_it(
    live_lab, candidate_ollama
):
    instance = dg.DagsterInstance.get()
    instance.add_dynamic_partitions("embedding_candidates", ["bge-m3", "nomic-embed-text"])
    store = live_lab.store()
    stored_texts = {r["text"] for r in store.read(embeddings_table_name("bge-m3"), ["text"])}
    questions = {q.question for q in read_questions(Path(live_lab.settings.eval_questions))}

    # The configured model: the pipeline embedded the store already; only questions are sent.
    figures = materialise(instance, "retrieval_eval", "bge-m3")
    sent = embedded_texts(candidate_ollama)
    assert set(sent) == questions and len(sent) == len(questions)
    rows = store.count(embeddings_table_name("bge-m3"))
    assert figures["texts_embedded"] == 0 and figures["vectors_reused"] == rows

    # A new candidate: its own table, every stored text embedded once, behind the model's own
    # document prefix (nomic-embed-text's "search_document: ").
    candidate_ollama.reset()
    figures = materialise(instance, "retrieval_eval", "nomic-embed-text")
    sent = embedded_texts(candidate_ollama)
    asked = {query_text("nomic-embed-text", q) for q in questions}
    assert set(sent) - asked == {document_text("nomic-embed-text", t) for t in stored_texts}
    assert len(sent) == len(stored_texts) + len(questions)
    assert figures["texts_embedded"] == len(stored_texts) and figures["speed_from_corpus"] == 1
    assert store.count(embeddings_table_name("nomic-embed-text")) == len(stored_texts)
    speed = figures["embed_tokens_per_s"]

    # Evaluated again: nothing of the store is embedded; the corpus speed is carried over.
    candidate_ollama.reset()
    figures = materialise(instance, "retrieval_eval", "nomic-embed-text")
    sent = embedded_texts(candidate_ollama)
    assert set(sent) == asked and len(sent) == len(questions)
    assert figures["texts_embedded"] == 0
    assert figures["embed_tokens_per_s"] == speed and figures["speed_from_corpus"] == 1
    # Each evaluation is one more materialisation of the partition: the UI plots their figures.
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey("retrieval_eval"), asset_partitions=["nomic-embed-text"]
        ),
        limit=10,
    ).records
    assert len(records) == 2
