"""The ranking modes bench/retrieval.py quality compares (one function per question)."""

from __future__ import annotations


def searches(store, embedder, retrieve):  # noqa: ANN001, ANN201
    """mode → hits. fts / vector / hybrid: the pipeline's retrieve. rrf_fts_vector: the body
    full-text leg and the vector leg only, fused by the store's reciprocal rank (k=60);
    lancedb_rrf: the same two legs through LanceDB's native hybrid query and RRFReranker
    (issue 13: the hand-written fusion against the library's)."""
    from lancedb.rerankers import RRFReranker

    from lab_pipelines.stages.generate import query_vector
    from lab_pipelines.store import Hit
    from lab_pipelines.store.ranking import SearchPlan
    from lab_pipelines.store.vectors import embeddings_table_name, search_terms

    table = store.db.open_table(embeddings_table_name(embedder.model))
    two_legs = SearchPlan(head=0.0, vector=1.0, translated=0.0, mix=0.0, rrf_k=60)

    def search(question: str, mode: str) -> list:
        if mode in ("fts", "vector", "hybrid"):
            return retrieve(store, embedder, question, k=60, mode=mode)
        vector = query_vector(store, embedder, question)
        if mode == "rrf_fts_vector":
            return store.search(embedder.model, question, vector, k=60, plan=two_legs)
        rows = (
            table.search(query_type="hybrid", fts_columns="terms")
            .vector(vector)
            .text(search_terms(question))
            .rerank(RRFReranker(K=60))
            .select(["row_id", "doc_id", "kind", "text"])
            .limit(60)
            .to_list()
        )
        return [Hit(r["row_id"], r["doc_id"], r["kind"], r["text"], 0.0) for r in rows]

    return search
