"""Hybrid search over one vector table: full-text legs and a vector leg fused by rank.

Kept apart from lab_pipelines.store (tables, writes, locks) so a search reads only this.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from lancedb.index import FTS
from lancedb.query import BooleanQuery, MatchQuery, Occur

from lab_pipelines.store.filters import in_filter
from lab_pipelines.text.index_terms import INDEX_STEMS, query_terms, term_key

# IVF partitions: ~4096 rows each (LanceDB's guidance). A search probes 40 % of them (at least
# 16) and re-ranks refine x k candidates exactly: ANN recall@10 >= 0.95 from 10k to 1M rows
# (bench/RESULTS.md and RESULTS-1M.md, figure 6; 16 probes at 1M rows gave 0.72).
VECTOR_INDEX_ROWS_PER_PARTITION = 4096
VECTOR_NPROBES = 16
VECTOR_PROBE_SHARE = 0.4
VECTOR_REFINE_FACTOR = 10
ROW_COLUMNS = ["row_id", "doc_id", "kind", "text"]
_HANGUL = re.compile(r"[가-힣]")


def text_index_config(stem: bool = INDEX_STEMS) -> FTS:
    """The terms are already tokenised (Korean morphemes, lower-case English words without
    stop words): the index splits them on whitespace and stems the English ones (Snowball;
    Hangul passes through it unchanged)."""
    return FTS(
        base_tokenizer="whitespace",
        lower_case=False,
        stem=stem,
        remove_stop_words=False,
        ascii_folding=False,
        with_position=False,
    )


@dataclass(frozen=True)
class SearchPlan:
    """How a query is ranked: weights of each leg in the reciprocal-rank fusion.

    head: BM25 boost of the title + heading column inside the full-text leg (0: body only);
    vector: weight of the vector leg (0: not searched); translated: weight of the leg that
    searches the query's terms translated into the other language (0: not searched); mix:
    BM25 boost of those translated terms inside the full-text leg itself (0: not added);
    coord: a row's fused score is multiplied by (the share of the query's terms it holds) **
    coord, each term counted by its rarity among the candidates when coord_idf is 1.
    """

    head: float = 0.0
    vector: float = 1.0
    translated: float = 0.0
    mix: float = 0.0
    translated_en: float = -1.0  # the translated leg's weight for an English query (-1: same)
    rrf_k: int = 60
    coord: float = 0.0
    coord_idf: float = 0.0
    question_words: float = 0.0  # 1: a query keeps index_terms.QUESTION_WORDS (0: dropped)
    latent: float = 0.0  # weight of the latent (CL-LSI) leg, added after coordination

    @classmethod
    def parse(cls, spec: str) -> SearchPlan:
        """'head=2,vector=0' style (also with '+' or ':' between items)."""
        values: dict[str, float] = {}
        for item in spec.replace("+", ":").split(":"):
            if "=" in item:
                key, value = item.split("=")
                values[key] = float(value)
        if "rrf_k" in values:
            values["rrf_k"] = int(values["rrf_k"])
        return cls(**values)  # type: ignore[arg-type]


# Chosen on the dev questions (bench/RESULTS.md, "Retrieval: dev and blind test sets"), with
# the offline backends, for 2/3 same-language + 1/3 cross-lingual questions (the test set's
# mix): title + heading at half the body's BM25 weight (MRR@10 0.847 → 0.871); the question's
# terms translated by the ko/en term map at 0.5 inside the full-text leg, and for a Korean
# question a second leg of its English translation at 0.85 with rrf_k 10 (cross-lingual dev
# recall@5 / MRR@10 0.134 / 0.108 → 0.896 / 0.671; same-language dev MRR 0.915 → 0.895 against
# the weights without it). An English question gets no second leg: its Korean translation's
# leg cost more same-language MRR than it won (translated_en 0.2: 0.906 vs 0.915). The vector
# leg of the offline lexical embedding only repeats the full-text signal more coarsely (dev
# recall@5 0.956 → 0.926 when fused): left out for that model; a neural model's vectors keep
# weight 1. COORD: BM25 sums its terms, so a short page that repeats two common words of a
# question (a glossary's "virtual machine") outranks the page holding all of them ("Proxmox",
# "GPU", "passthrough"); scaling by the rarity-weighted share of the question's terms a row
# holds puts that page back on top (dev2 recall@5 / MRR@10 see bench/RESULTS.md).
DEFAULT_PLAN = SearchPlan(
    head=0.5,
    vector=1.0,
    translated=0.85,
    mix=0.5,
    translated_en=0.0,
    rrf_k=10,
    coord=0.75,
    coord_idf=1.0,
)
LEXICAL_MODELS = frozenset({"offline-lexical-v1"})


# The latent leg (CL-LSI, lab_pipelines.text.latent) at 0.1, for the offline lexical model
# only, the one it was measured with: dev recall@5 / MRR@10 pooled over dev, dev-cross's own
# wordings, dev2 and dev3 0.935 / 0.831 → 0.943 / 0.845 (bench/RESULTS.md, "Third round").
LEXICAL_LATENT = 0.1


def plan_for(model: str) -> SearchPlan:
    """The fusion weights for ``model``'s table."""
    if model in LEXICAL_MODELS:
        return SearchPlan(**{**DEFAULT_PLAN.__dict__, "vector": 0.0, "latent": LEXICAL_LATENT})
    return DEFAULT_PLAN


def _fts_query(words: str, head: float, has_head: bool, mixed: str, mix: float) -> Any:
    clauses = [(Occur.SHOULD, MatchQuery(words, "terms"))]
    if head > 0 and has_head:
        clauses.append((Occur.SHOULD, MatchQuery(words, "head", boost=head)))
    if mixed and mix > 0:
        clauses.append((Occur.SHOULD, MatchQuery(mixed, "terms", boost=mix)))
        if head > 0 and has_head:
            clauses.append((Occur.SHOULD, MatchQuery(mixed, "head", boost=mix * head)))
    return clauses[0][1] if len(clauses) == 1 else BooleanQuery(clauses)


def rank_rows(
    table: Any,
    query_text: str,
    query_vector: list[float] | None,
    plan: SearchPlan,
    terms_of: Callable[[str], list[str]],
    k: int = 10,
    mode: str = "hybrid",
    translate: Callable[[str], str] | None = None,
    latent: Callable[[list[str]], list[str]] | None = None,
) -> list[dict[str, Any]]:
    """The ``k`` best rows (dicts with a fused ``score``) of ``table`` for the query;
    ``latent`` gives the row_ids nearest the query's terms (store.latent_index.nearest_rows)."""
    if plan.question_words <= 0:
        terms_of = partial(query_terms, terms_of=terms_of)
    depth = max(k * 4, 40)
    has_head = "head" in table.schema.names
    columns = (
        [*ROW_COLUMNS, "terms", *(["head"] if has_head else [])] if plan.coord > 0 else ROW_COLUMNS
    )
    legs: list[tuple[float, list[dict[str, Any]]]] = []
    # (weight, terms) of each wording of the query, for the coordination factor
    asked: list[tuple[float, set[str]]] = []
    if mode in ("fts", "hybrid"):
        translated = translate(query_text) if translate is not None else ""
        mixed = " ".join(terms_of(translated)) if plan.mix > 0 else ""
        texts = [(1.0, query_text)]
        weight = plan.translated
        if plan.translated_en >= 0 and not _HANGUL.search(query_text):
            weight = plan.translated_en
        if weight > 0 and translated:
            texts.append((weight, translated))
        elif mixed:
            asked.append((plan.mix, {term_key(t) for t in mixed.split()}))
        for weight, text in texts:
            words = " ".join(terms_of(text))
            if not words:
                continue
            asked.append((weight, {term_key(t) for t in words.split()}))
            extra = mixed if text is query_text else ""
            query = _fts_query(words, plan.head, has_head, extra, plan.mix)
            found = (
                table.search(query, query_type="fts")
                .select([*columns, "_score"])
                .limit(depth)
                .to_list()
            )
            legs.append((weight, found))
    want_vector = mode == "vector" or (mode == "hybrid" and plan.vector > 0)
    if want_vector and query_vector is not None:
        partitions = table.count_rows() / VECTOR_INDEX_ROWS_PER_PARTITION
        found = (
            table.search(query_vector, vector_column_name="vector")
            # Only used once the table has a vector index (see Store.refresh_vector_index).
            .nprobes(max(VECTOR_NPROBES, int(VECTOR_PROBE_SHARE * partitions)))
            .refine_factor(VECTOR_REFINE_FACTOR)
            .select([*columns, "_distance"])
            .limit(depth)
            .to_list()
        )
        legs.append((plan.vector if mode == "hybrid" else 1.0, found))
    scores: dict[str, float] = {}
    rows: dict[str, dict[str, Any]] = {}
    for weight, result in legs:
        for rank, row in enumerate(result):
            rid = row["row_id"]
            scores[rid] = scores.get(rid, 0.0) + weight / (plan.rrf_k + rank + 1)
            rows.setdefault(rid, row)
    if plan.coord > 0 and asked:
        _coordinate(scores, rows, asked, plan)
    if plan.latent > 0 and latent is not None and mode in ("fts", "hybrid"):
        _add_latent_leg(table, scores, rows, latent(terms_of(query_text)), plan, k)
    best = sorted(scores, key=lambda rid: scores[rid], reverse=True)[:k]
    return [{**rows[rid], "score": scores[rid]} for rid in best]


def _add_latent_leg(
    table: Any,
    scores: dict[str, float],
    rows: dict[str, dict[str, Any]],
    nearest: list[str],
    plan: SearchPlan,
    k: int,
) -> None:
    """Fuse the latent leg by rank, after coordination (a row found only by meaning holds
    few of the query's terms, which coordination would scale away). A row no other leg found
    is read by row_id only if its share alone would put it in the top ``k`` (the read also
    drops rows deleted since the latent build)."""
    share = {rid: plan.latent / (plan.rrf_k + rank + 1) for rank, rid in enumerate(nearest)}
    for rid in scores.keys() & share.keys():
        scores[rid] += share[rid]
    bar = sorted(scores.values(), reverse=True)[k - 1] if len(scores) >= k else 0.0
    missing = [rid for rid in nearest if rid not in rows and share[rid] > bar]
    if missing:
        found = table.search().where(in_filter("row_id", missing)).select(ROW_COLUMNS)
        for row in found.limit(len(missing)).to_list():
            rows[row["row_id"]] = row
            scores[row["row_id"]] = share[row["row_id"]]


def _coordinate(
    scores: dict[str, float],
    rows: dict[str, dict[str, Any]],
    asked: list[tuple[float, set[str]]],
    plan: SearchPlan,
) -> None:
    """Scale each row's score by the share of the query's terms it holds (body or head), for
    the wording it matches best (the question's own, or its translation at that leg's
    weight, so a same-language page keeps the edge over its translation)."""
    held = {
        rid: {term_key(t) for t in set(f"{row['terms']} {row.get('head') or ''}".split())}
        for rid, row in rows.items()
    }
    every = set().union(*(terms for _, terms in asked))
    if plan.coord_idf > 0:
        # Rarity among the candidates: a term most of them hold tells them apart less. The
        # index's own document frequencies are not exposed, and a term no candidate holds
        # scales every row alike.
        n = len(held)
        df = {t: sum(1 for h in held.values() if t in h) for t in every}
        rarity = {t: math.log((n + 1) / (df[t] + 0.5)) for t in every}
    else:
        rarity = dict.fromkeys(every, 1.0)
    totals = [(w, terms, sum(rarity[t] for t in terms) or 1.0) for w, terms in asked]
    for rid in rows:
        share = max(
            w * sum(rarity[t] for t in terms & held[rid]) / total for w, terms, total in totals
        )
        scores[rid] *= share**plan.coord
