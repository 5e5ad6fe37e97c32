"""Build the offline LanceDB store of the corpus in-process, for bench/retrieval.py quality.

    python bench/build_store.py --data /tmp/lab-retrieval [--from embed]

The pipeline's own stages (ingest, chunks, summaries, embeddings) with the offline backends over
the documents of ``manifest.tsv`` (read in place: nothing of the corpus is copied), so the store
is the one ``LAB_BACKEND=offline lab-pipelines run`` builds, without Dagster. ``--from embed``
keeps documents, chunks and summaries and rewrites only the vector table (and its full-text
index), which is all a change to index terms or embedded text needs: ~1 min instead of ~4.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="LAB_DATA folder; lancedb/ goes inside")
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--from", dest="start", choices=("ingest", "embed"), default="ingest")
    args = parser.parse_args()

    from lab_pipelines.inbox import scan_inbox
    from lab_pipelines.models.offline import ExtractiveSummarizer, LexicalEmbedder
    from lab_pipelines.settings import default
    from lab_pipelines.stages.embed import embed_documents
    from lab_pipelines.stages.ingest import ingest_documents, plan_chunks
    from lab_pipelines.stages.summarize import summarize_documents
    from lab_pipelines.store import Store
    from lab_pipelines.store.vectors import embeddings_table_name

    corpus = Path(args.corpus)
    listed = {
        line.split("\t")[0]
        for line in (corpus / "manifest.tsv").read_text(encoding="utf-8").splitlines()[1:]
    }
    files = {f.doc_id: f for f in scan_inbox(corpus) if f.relpath in listed}
    doc_ids = sorted(files)
    root = Path(args.data) / "lancedb"
    chunk_chars, overlap = default("chunk_chars"), default("chunk_overlap_chars")
    embedder = LexicalEmbedder()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if args.start == "ingest":
        shutil.rmtree(root, ignore_errors=True)
        store = Store(root)
        ingest_documents(store, files, doc_ids, 50 * 1024 * 1024)
        plan_chunks(store, doc_ids, chunk_chars, overlap)
        summarize_documents(store, ExtractiveSummarizer(), doc_ids)
        timings["ingest_chunk_summarise_s"] = round(time.perf_counter() - started, 1)
    else:
        store = Store(root)
        store.db.drop_table(embeddings_table_name(embedder.model), ignore_missing=True)
    started = time.perf_counter()
    report = embed_documents(store, embedder, doc_ids)
    timings["embed_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps({"docs": len(doc_ids), "rows": report.rows, **timings}))


if __name__ == "__main__":
    main()
