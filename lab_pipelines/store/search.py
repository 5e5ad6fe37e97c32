"""The store's search entry: one model's vector table ranked for a query, as hits.

The ranking itself (full-text legs, vector leg, reciprocal-rank fusion) is
lab_pipelines.store.ranking's; this turns a table and a query into ``Hit``s.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab_pipelines.store.latent_index import nearest_rows
from lab_pipelines.store.ranking import SearchPlan, plan_for, rank_rows
from lab_pipelines.store.table import LockedTable
from lab_pipelines.text.bilingual import translate_query
from lab_pipelines.text.index_terms import index_terms


@dataclass(frozen=True)
class Hit:
    row_id: str
    doc_id: str
    kind: str  # "chunk" | "summary"
    text: str
    score: float


def search_vectors(
    locked: LockedTable,
    model: str,
    query_text: str,
    query_vector: list[float] | None,
    k: int = 10,
    mode: str = "hybrid",
    plan: SearchPlan | None = None,
    latent: LockedTable | None = None,
) -> list[Hit]:
    """Rows best matching the query: full-text (with a translated leg), vector, or both,
    fused by reciprocal rank with the model's weights (``plan_for(model)`` unless given),
    with the rows nearest it in ``latent`` (lab_pipelines.store.latent_index) when the plan
    weighs that leg."""
    table = locked.open()
    if table is None:
        return []
    rows = rank_rows(
        table,
        query_text,
        query_vector,
        plan or plan_for(model),
        index_terms,
        k=k,
        mode=mode,
        translate=translate_query,
        latent=(lambda terms: nearest_rows(latent, terms)) if latent is not None else None,
    )
    return [Hit(r["row_id"], r["doc_id"], r["kind"], r["text"], r["score"]) for r in rows]
