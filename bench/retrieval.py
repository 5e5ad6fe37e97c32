"""Retrieval figures: quality over the corpus index, and search latency at 10k-1M chunks.

    python bench/retrieval.py quality --data DIR [--questions bench/retrieval_questions.tsv]
    python bench/retrieval.py speed --rows 10000,100000 --dim 1024 --work DIR

Both print one JSON object on the last line of stdout (run_benchmarks.py reads it).

quality: the questions of retrieval_questions.tsv against the LanceDB store of a finished
``lab-pipelines run`` (LAB_DATA=DIR, the backend of the environment), through the pipeline's own
``lab_pipelines.stages.generate.retrieve``. A question's answer is a set of documents, any of
which answers it (a Korean page and its English original, a concept page and its task page).
recall@5: share of questions with an answer among the first five distinct documents of the
ranking; MRR@10: mean of 1/rank of the first answer among the first ten distinct documents.

speed: a synthetic ``embeddings__<model>`` table of N chunk rows (made-up text, random unit
vectors), the store's own full-text index policy (``Store.refresh_text_index``) and its
``Store.search``; p50/p95 over 40 queries after 3 warm-ups, flat search first, then with each
vector index configuration given, with its build time and ANN recall@10 against exact search.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def load_questions(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if not line.strip():
            continue
        qid, lang, question, answers = line.split("\t")
        rows.append(
            {
                "id": qid,
                "lang": lang,
                "question": question,
                "answers": {a.strip() for a in answers.split("|") if a.strip()},
            }
        )
    return rows


def ranked_documents(hits: list, limit: int) -> list[str]:
    docs: list[str] = []
    for hit in hits:
        if hit.doc_id not in docs:
            docs.append(hit.doc_id)
        if len(docs) == limit:
            break
    return docs


def quality(args: argparse.Namespace) -> dict:
    from lab_pipelines.defs.resources import build_resources
    from lab_pipelines.settings import load_settings
    from lab_pipelines.stages.generate import retrieve
    from lab_pipelines.store import Store

    os.environ["LAB_DATA"] = args.data
    settings = load_settings()
    store = Store(settings.lancedb_dir)
    embedder = build_resources(settings, as_env_vars=False)["local_models"].embedder()
    questions = load_questions(Path(args.questions))
    out: dict = {"questions": len(questions), "backend": settings.backend, "modes": {}}
    from retrieval_modes import searches

    search = searches(store, embedder, retrieve)
    for mode in (
        "fts",
        "vector",
        "hybrid",
        *(("rrf_fts_vector", "lancedb_rrf") if args.native else ()),
    ):
        per_q = []
        latencies = []
        for q in questions:
            started = time.perf_counter()
            hits = search(q["question"], mode)
            latencies.append(time.perf_counter() - started)
            docs = ranked_documents(hits, 10)
            rank = next((i + 1 for i, d in enumerate(docs) if d in q["answers"]), None)
            per_q.append(
                {
                    "id": q["id"],
                    "lang": q["lang"],
                    "hit5": rank is not None and rank <= 5,
                    "rr10": 1.0 / rank if rank else 0.0,
                    "rank": rank,
                    "top3": docs[:3],
                }
            )

        def agg(rows: list[dict]) -> dict:
            return {
                "n": len(rows),
                "recall@5": round(sum(r["hit5"] for r in rows) / max(1, len(rows)), 3),
                "mrr@10": round(sum(r["rr10"] for r in rows) / max(1, len(rows)), 3),
            }

        out["modes"][mode] = {
            "all": agg(per_q),
            "en": agg([r for r in per_q if r["lang"] == "en"]),
            "ko": agg([r for r in per_q if r["lang"] == "ko"]),
            # ids x*: a question in one language whose answers are in the other
            "cross": agg([r for r in per_q if r["id"].startswith("x")]),
            "same": agg([r for r in per_q if not r["id"].startswith("x")]),
            "misses@5": [] if args.brief else [r for r in per_q if not r["hit5"]],
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
        }
    return out


# -- speed -------------------------------------------------------------------------------------
class Clustered:
    """Unit vectors around rows/100 random topic centres (cosine ~0.7 to their centre, ~0.5
    between two of a topic, ~0 across topics), the structure real embeddings have. Uniformly
    random unit vectors have none: every point is about equally far from every other, and an
    IVF index then finds ~20 % of the true neighbours (measured: IVF_PQ 64/64, nprobes 20)."""

    def __init__(self, rows: int, dim: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.dim = dim
        centres = self.rng.standard_normal((max(10, rows // 100), dim)).astype(np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)

    def sample(self, n: int) -> np.ndarray:
        picked = self.centres[self.rng.integers(len(self.centres), size=n)]
        noise = self.rng.standard_normal((n, self.dim)).astype(np.float32) / np.sqrt(self.dim)
        v = picked + noise
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def build_table(root: Path, rows: int, dim: int, texts: list[str], vectors: Clustered):  # noqa: ANN201
    from lab_pipelines.store import Store
    from lab_pipelines.store.vectors import embeddings_schema, embeddings_table_name

    shutil.rmtree(root, ignore_errors=True)
    store = Store(root)
    model = f"bench-synthetic-{dim}"
    schema = embeddings_schema(dim)
    table = store.db.create_table(embeddings_table_name(model), schema=schema)
    step = 50_000
    extra = {}
    if "terms" in schema.names:  # a store that indexes search terms rather than raw text
        from lab_pipelines.store.vectors import search_terms

        unique = [search_terms(t) for t in texts]
        extra["terms"] = unique
    if "head" in schema.names:  # title + heading terms: none for made-up rows
        extra["head"] = [""]
    for start in range(0, rows, step):
        n = min(step, rows - start)
        ids = [f"syn/{(start + i) // 15:06d}.md#{(start + i) % 15}" for i in range(n)]
        batch = vectors.sample(n)
        table.add(
            pa.table(
                {
                    "row_id": ids,
                    "doc_id": [i.split("#")[0] for i in ids],
                    "kind": ["chunk"] * n,
                    "seq": pa.array([(start + i) % 15 for i in range(n)], pa.int32()),
                    "text": [texts[(start + i) % len(texts)] for i in range(n)],
                    "embed_key": ids,
                    **{k: [v[(start + i) % len(v)] for i in range(n)] for k, v in extra.items()},
                    "vector": pa.FixedSizeListArray.from_arrays(pa.array(batch.reshape(-1)), dim),
                },
                schema=schema,
            )
        )
    return store, model


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return round(p50 * 1000, 1), round(p95 * 1000, 1)


def _timed(fn, queries: list) -> tuple[float, float]:  # noqa: ANN001
    for q in queries[:3]:
        fn(q)
    samples = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def speed(args: argparse.Namespace) -> dict:
    import synthetic

    from lab_pipelines.store.vectors import embeddings_table_name

    results = []
    if args.texts_from:
        # The corpus's own chunk texts, cycled: document frequencies, hence posting-list
        # lengths, stay those of the corpus at any size.
        from lab_pipelines.store import Store

        base_texts = [r["text"] for r in Store(Path(args.texts_from)).read("chunks", ["text"])]
        texts_note = f"the corpus's {len(base_texts)} chunk texts, cycled"
    else:
        base_texts = synthetic.chunk_texts(min(100_000, max(int(r) for r in args.rows.split(","))))
        texts_note = "synthetic texts"
    questions = [q["question"] for q in load_questions(Path(args.questions))]
    for rows in [int(r) for r in args.rows.split(",")]:
        root = Path(args.work) / f"speed-{rows}-{args.dim}"
        started = time.perf_counter()
        vectors = Clustered(rows, args.dim, seed=rows)
        store, model = build_table(root, rows, args.dim, base_texts, vectors)
        entry: dict = {
            "rows": rows,
            "dim": args.dim,
            "texts": texts_note,
            "write_s": round(time.perf_counter() - started, 1),
        }
        started = time.perf_counter()
        store.refresh_text_index(model)  # the shipped policy builds the n-gram FTS index
        entry["fts_build_s"] = round(time.perf_counter() - started, 1)
        table = store.db.open_table(embeddings_table_name(model))
        # The benchmark's questions as query texts; query vectors from the same distribution.
        n_q = args.queries
        queries = [
            (q, v.tolist()) for q, v in zip(questions[:n_q], vectors.sample(n_q), strict=False)
        ]
        entry["hybrid_flat_ms"] = _timed(
            lambda q, store=store, model=model: store.search(model, q[0], q[1], k=10), queries
        )
        entry["fts_ms"] = _timed(
            lambda q, store=store, model=model: store.search(model, q[0], None, k=10, mode="fts"),
            queries,
        )
        entry["vector_flat_ms"] = _timed(
            lambda q, store=store, model=model: store.search(model, "", q[1], k=10, mode="vector"),
            queries,
        )
        exact = [
            {
                r["row_id"]
                for r in table.search(q[1])
                .bypass_vector_index()
                .select(["row_id"])
                .limit(10)
                .to_list()
            }
            for q in queries
        ]
        entry["indexes"] = []
        if hasattr(store, "refresh_vector_index"):
            # The store's own index policy, then its own search (which sets the ANN options).
            started = time.perf_counter()
            store.refresh_vector_index(model)
            built = time.perf_counter() - started
            table = store.db.open_table(embeddings_table_name(model))  # a handle that sees it
            if any(i.name == "vector_idx" for i in table.list_indices()):
                entry["indexes"].append(
                    _measure(store, model, "Store.refresh_vector_index", built, queries, exact)
                )
        for spec in args.index or []:
            if rows < args.index_min_rows:
                continue
            entry["indexes"].append(_with_index(store, model, table, spec, queries, exact, rows))
        results.append(entry)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return {"speed": results}


def _measure(store, model, label: str, build_s: float, queries, exact) -> dict:  # noqa: ANN001
    def vector_ids(q) -> set:  # noqa: ANN001
        return {h.row_id for h in store.search(model, "", q[1], k=10, mode="vector")}

    recall = statistics.mean(
        len(vector_ids(q) & truth) / 10 for q, truth in zip(queries, exact, strict=True)
    )
    return {
        "index": label,
        "build_s": round(build_s, 1),
        "recall@10": round(recall, 3),
        "vector_ms": _timed(lambda q: store.search(model, "", q[1], k=10, mode="vector"), queries),
        "hybrid_ms": _timed(lambda q: store.search(model, q[0], q[1], k=10), queries),
    }


def _with_index(store, model, table, spec: str, queries, exact, rows) -> dict:  # noqa: ANN001
    """spec: 'IVF_PQ:num_partitions=64:num_sub_vectors=64:nprobes=20:refine_factor=10';
    num_partitions=auto → rows // 4096 (at least 16)."""
    kind, *params = spec.split(":")
    options = dict(p.split("=") for p in params)
    search_opts = {
        k: int(options.pop(k)) for k in ("nprobes", "refine_factor", "ef") if k in options
    }
    build = {}
    for key, value in options.items():
        build[key] = max(16, rows // 4096) if value == "auto" else int(value)
    started = time.perf_counter()
    table.create_index(vector_column_name="vector", index_type=kind, replace=True, **build)
    build_s = time.perf_counter() - started

    def ann(q, k: int = 10) -> list[dict]:  # noqa: ANN001
        query = table.search(q[1])
        for name, value in search_opts.items():
            query = getattr(query, name)(value)
        return query.select(["row_id"]).limit(k).to_list()

    recall = statistics.mean(
        len({r["row_id"] for r in ann(q)} & truth) / 10
        for q, truth in zip(queries, exact, strict=True)
    )
    # Hybrid as Store.search does it (FTS + vector, RRF), with the index and its options.
    from lancedb.query import MatchQuery

    def hybrid(q) -> None:  # noqa: ANN001
        table.search(MatchQuery(q[0], "text"), query_type="fts").select(["row_id"]).limit(
            40
        ).to_list()
        ann(q, 40)

    return {
        "index": spec,
        "build_s": round(build_s, 1),
        "recall@10": round(recall, 3),
        "vector_ms": _timed(lambda q: ann(q, 40), queries),
        "hybrid_ms": _timed(hybrid, queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--data", required=True)
    q.add_argument("--questions", default=str(HERE / "retrieval_questions.tsv"))
    q.add_argument(
        "--native", action="store_true", help="also LanceDB's hybrid query + RRFReranker"
    )
    q.add_argument(
        "--brief", action="store_true", help="figures only, no per-question misses (test set)"
    )
    s = sub.add_parser("speed")
    s.add_argument("--rows", default="10000,100000")
    s.add_argument("--dim", type=int, default=1024)
    s.add_argument("--work", required=True)
    s.add_argument("--index", action="append", help="vector index spec (repeatable)")
    s.add_argument("--index-min-rows", type=int, default=50_000)
    s.add_argument("--keep", action="store_true")
    s.add_argument("--queries", type=int, default=40)
    s.add_argument("--texts-from", help="a LanceDB folder whose chunks table gives the texts")
    s.add_argument("--questions", default=str(HERE / "retrieval_questions.tsv"))
    args = parser.parse_args()
    result = quality(args) if args.command == "quality" else speed(args)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
