"""The latent (CL-LSI) leg of lab_pipelines.text.latent over the shipped ranking, on the DEV
questions only, at several sizes and weights (bench/RESULTS.md, "Third round").

    python bench/retrieval_latent.py --data /tmp/rq/base --dims 100 --weights 0,0.1,0.2 \
        [--power 1] [--no-pairs]

Trains the space on the store's rows as the pipeline does (lab_pipelines.store.latent_index:
one unit a row, one a translated page pair), then fuses the 40 rows nearest each question into
the shipped full-text ranking by reciprocal rank at each weight (weight 0: the ranking without
it). --power sets the fold-in's U S^-power, --no-pairs trains on the rows alone (monolingual
LSA).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from retrieval_sweep import dev_sets, evaluate, scratch_table  # noqa: E402


def latent_nearest(
    table, dims: int = 100, power: float = 0.0, pairs: bool = True
) -> Callable[[list[str]], list[str]]:  # noqa: ANN001
    """The 40 row_ids nearest a query's terms in a space trained on ``table``'s rows as the
    pipeline trains it (one unit a row, one a translated page pair unless not ``pairs``)."""
    from lab_pipelines.text.index_terms import term_key
    from lab_pipelines.text.latent import train_latent_space, training_units

    rows = table.search().select(["row_id", "doc_id", "terms"]).limit(None).to_list()
    keyed = [(r["doc_id"], [term_key(t) for t in r["terms"].split()]) for r in rows]
    if not pairs:
        keyed = [(f"{i}", terms) for i, (_, terms) in enumerate(keyed)]
    units = training_units(keyed)
    space = train_latent_space(units, dims, power)
    latent = space.fold_in(units[: len(rows)])
    print(f"rows {len(rows)}, units {len(units)}, terms {len(space.terms)}", file=sys.stderr)

    def nearest(terms: list[str]) -> list[str]:
        query = space.fold_in([Counter(term_key(t) for t in terms)])[0]
        return [rows[i]["row_id"] for i in np.argsort(-(latent @ query), kind="stable")[:40]]

    return nearest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", default="/tmp/rq/sweep")
    parser.add_argument("--dims", type=int, default=100)
    parser.add_argument("--power", type=float, default=1.0)
    parser.add_argument("--weights", default="0,0.1,0.2")
    parser.add_argument("--no-pairs", action="store_true", help="monolingual LSA (rows only)")
    parser.add_argument("--sets", default="dev,cross,dev2,dev3")
    args = parser.parse_args()

    from lab_pipelines.store.ranking import SearchPlan, plan_for, rank_rows
    from lab_pipelines.text.bilingual import translate_query
    from lab_pipelines.text.index_terms import rule_terms

    table = scratch_table(args.data, args.work, "rule", True, True)
    nearest = latent_nearest(table, args.dims, args.power, pairs=not args.no_pairs)
    sets = dev_sets(args.sets)
    base = plan_for("offline-lexical-v1")
    for weight in [float(w) for w in args.weights.split(",")]:
        plan = SearchPlan(**{**base.__dict__, "latent": weight})

        def rank_docs(question: str, plan: SearchPlan = plan) -> list[str]:
            hits = rank_rows(
                table, question, None, plan, rule_terms, 60, "hybrid", translate_query, nearest
            )
            return list(dict.fromkeys(h["doc_id"] for h in hits))

        result = {name: evaluate(rank_docs, questions) for name, questions in sets.items()}
        for figures in result.values():
            figures.pop("miss")
        head = {"dims": args.dims, "power": args.power, "pairs": not args.no_pairs}
        print(json.dumps({**head, "latent": weight, **result}))


if __name__ == "__main__":
    main()
