"""Try full-text index and fusion variants over a built store, on the DEV questions only.

    python bench/retrieval_sweep.py --data /tmp/lab-retrieval --body NAME [--head-path]
        [--sets dev,cross,dev2] --strategies "head=0.5:coord=0.75,..."

Copies the rows of the store's offline vector table into a scratch table per index variant
(index terms of the body, of the title + heading path, and with --head-path of the page's
path words, as index_terms.head_terms writes them), then ranks every question of the chosen
dev sets (dev, dev-cross, dev2, dev3; never the test set) with each query strategy (a SearchPlan
spec) and prints recall@5 / MRR@10 per variant. Exploration only: what is kept moves into
lab_pipelines.store.ranking and is measured again through bench/retrieval.py."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import lancedb
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from retrieval import load_questions  # noqa: E402


def evaluate(rank_docs, questions: list[dict]) -> dict:  # noqa: ANN001
    out: dict = {}
    per = []
    for q in questions:
        docs = rank_docs(q["question"])
        rank = next((i + 1 for i, d in enumerate(docs[:10]) if d in q["answers"]), None)
        per.append((q, rank))
    groups = {
        "all": lambda q: True,
        "en": lambda q: q["lang"] == "en",
        "ko": lambda q: q["lang"] == "ko",
        "same": lambda q: not q["id"].startswith("x"),
        "cross": lambda q: q["id"].startswith("x"),
        # dev-cross's two kinds: a dev question whose only answer is its page's translation
        # (xenD…, xkoD…: the same-language copy ranking first is right), or my own wording
        "pair": lambda q: re.match(r"x(en|ko)D", q["id"]) is not None,
        "own": lambda q: re.match(r"x(en|ko)\d", q["id"]) is not None,
    }
    for group, member in groups.items():
        rows = [(q, r) for q, r in per if member(q)]
        if not rows:
            continue
        out[group] = (
            round(sum(1 for _, r in rows if r and r <= 5) / len(rows), 3),
            round(sum(1 / r for _, r in rows if r) / len(rows), 3),
        )
    out["miss"] = [q["id"] for q, r in per if not r or r > 5]
    return out


DEV_SETS = {
    "dev": "retrieval_questions.tsv",
    "cross": "retrieval_dev_cross.tsv",
    "dev2": "retrieval_dev2_questions.tsv",
    "dev3": "retrieval_dev3_questions.tsv",
}


def dev_sets(names: str) -> dict[str, list[dict]]:
    """The named dev question sets ("dev,cross,dev2,dev3"); the test set is not among them."""
    return {name: load_questions(HERE / DEV_SETS[name]) for name in names.split(",")}


def scratch_table(data: str, work: str, body: str, stem: bool, head_path: bool):  # noqa: ANN201
    """A copy of the store's offline vector table whose terms and head columns are indexed
    with the ``body`` variant of index_terms (and the page's path words when head_path)."""
    from lab_pipelines.store.ranking import text_index_config
    from lab_pipelines.text import index_terms

    db = lancedb.connect(str(Path(data) / "lancedb"))
    table = db.open_table("embeddings__offline_lexical_v1")
    rows = table.search().select(["row_id", "doc_id", "kind", "text", "vector"]).limit(None)
    data_rows = rows.to_arrow().to_pylist()
    titles = {
        r["doc_id"]: r["title"]
        for r in db.open_table("documents")
        .search()
        .select(["doc_id", "title"])
        .limit(None)
        .to_list()
    }
    headings = {
        r["chunk_id"]: r["heading"]
        for r in db.open_table("chunks")
        .search()
        .select(["chunk_id", "heading"])
        .limit(None)
        .to_list()
    }
    body_fn = index_terms.VARIANTS[body]
    for r in data_rows:
        r["terms"] = " ".join(body_fn(r["text"]))
        head = titles.get(r["doc_id"], "") + "\n" + (headings.get(r["row_id"]) or "")
        if head_path:
            head += "\n" + re.sub(r"[/_.-]+", " ", r["doc_id"].rsplit(".", 1)[0])
        r["head"] = " ".join(body_fn(head))
    scratch = lancedb.connect(work).create_table(
        f"v_{body}", pa.Table.from_pylist(data_rows), mode="overwrite"
    )
    for column in ("terms", "head"):
        scratch.create_index(
            column, config=text_index_config(stem), name=f"{column}_idx", replace=True
        )
    return scratch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", default="/tmp/rq/sweep")
    parser.add_argument("--body", default="current")
    parser.add_argument("--query", help="term variant of queries (default: --body)")
    parser.add_argument("--strategies", default="fts")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--stem", action="store_true", help="the index's English stemmer")
    parser.add_argument("--no-stem", dest="stem", action="store_false")
    parser.add_argument(
        "--head-path", action="store_true", help="the document's path words in the head field"
    )
    parser.add_argument(
        "--sets",
        default="dev,cross",
        help="of dev, cross, dev2, dev3 (DEV_SETS)",
    )
    args = parser.parse_args()

    from lab_pipelines.store.ranking import SearchPlan, rank_rows
    from lab_pipelines.text import index_terms
    from lab_pipelines.text.bilingual import translate_query
    from lab_pipelines.text.lexical_embedding import lexical_vector

    scratch = scratch_table(args.data, args.work, args.body, args.stem, args.head_path)
    query_fn = index_terms.VARIANTS[args.query or args.body]
    sets = dev_sets(args.sets)
    for name in args.strategies.split(","):
        plan = SearchPlan.parse(name)

        def rank_docs(question: str, plan: SearchPlan = plan) -> list[str]:
            hits = rank_rows(
                scratch,
                question,
                lexical_vector(question),
                plan,
                query_fn,
                60,
                "hybrid",
                translate_query,
            )
            docs: list[str] = []
            for h in hits:
                if h["doc_id"] not in docs:
                    docs.append(h["doc_id"])
            return docs

        result = {name: evaluate(rank_docs, questions) for name, questions in sets.items()}
        misses = {k: v.pop("miss") for k, v in result.items()}
        print(
            json.dumps(
                {"body": args.body, "stem": args.stem, "plan": name, **result}, ensure_ascii=False
            )
        )
        if args.misses:
            print(json.dumps(misses))


if __name__ == "__main__":
    main()
