"""The peer of figure 7: LlamaIndex IngestionPipeline over the same texts, against the same sim.

Runs ONLY in the benchmark's own environment (``/tmp/li-venv``: llama-index-core 0.14.25,
llama-index-embeddings-ollama 0.10.0, llama-index-vector-stores-lancedb 0.6.0, pandas); it is
never a dependency of lab_pipelines. run_benchmarks.py calls it, one fresh process per step, the
way a user would run a script (the set-up of ../shared/notes/llamaindex-peer.md):

    python bench/llamaindex_peer.py ingest --state DIR --docs docs.jsonl --host URL --mode workers
    python bench/llamaindex_peer.py inspect --state DIR --docs docs.jsonl --modify DOC

``ingest``: load the documents (JSON lines {"id", "text"}: the texts lab_pipelines parsed, so
both sides embed the same words), build ``IngestionPipeline([SentenceSplitter(512, 64),
OllamaEmbedding(bge-m3, embed_batch_size=16)], vector_store=LanceDBVectorStore,
docstore=SimpleDocumentStore(), docstore_strategy=UPSERTS)``, load its persisted state if any,
run it (``sync``: run(); ``workers``: run(num_workers=2); ``async``: arun()), persist on
success. ``--modify DOC`` appends the benchmark's paragraph to DOC first; ``--patched-delete``
uses a LanceDBVectorStore whose delete() quotes the id as a SQL string (the stock one builds
``doc_id = "<id>"``, a column name in LanceDB 0.40, and fails). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

EDIT_PARAGRAPH = (
    "\n\nBenchmark edit: one closing paragraph appended to the document, about keep-alive "
    "settings of the inference node, so that only the last chunk and the summary change.\n"
)


def load_documents(path: str, modify: str | None):  # noqa: ANN201
    from llama_index.core import Document

    docs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = row["text"] + (EDIT_PARAGRAPH if row["id"] == modify else "")
        docs.append(Document(id_=row["id"], text=text, metadata={"path": row["id"]}))
    return docs


def vector_store(state: Path, patched: bool):  # noqa: ANN201
    from llama_index.vector_stores.lancedb import LanceDBVectorStore

    class PatchedLanceDBVectorStore(LanceDBVectorStore):
        def delete(self, ref_doc_id: str, **delete_kwargs) -> None:  # noqa: ANN003
            quoted = "'" + ref_doc_id.replace("'", "''") + "'"
            self.table.delete(f"{self.doc_id_key} = {quoted}")

    cls = PatchedLanceDBVectorStore if patched else LanceDBVectorStore
    return cls(uri=str(state / "lancedb"), table_name="vectors")


def splitter():  # noqa: ANN201
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=512, chunk_overlap=64)


def rows(state: Path) -> list[dict]:
    import lancedb

    db = lancedb.connect(str(state / "lancedb"))
    if "vectors" not in db.list_tables().tables:
        return []
    return db.open_table("vectors").to_arrow().select(["doc_id", "text"]).to_pylist()


def ingest(args: argparse.Namespace) -> dict:
    from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
    from llama_index.core.storage.docstore import SimpleDocumentStore
    from llama_index.embeddings.ollama import OllamaEmbedding

    state = Path(args.state)
    docs = load_documents(args.docs, args.modify)
    pipeline = IngestionPipeline(
        transformations=[
            splitter(),
            OllamaEmbedding(model_name="bge-m3", base_url=args.host, embed_batch_size=16),
        ],
        vector_store=vector_store(state, args.patched_delete),
        docstore=SimpleDocumentStore(),
        docstore_strategy=DocstoreStrategy.UPSERTS,
    )
    storage = state / "pipeline_storage"
    if storage.exists():
        pipeline.load(str(storage))
    out: dict = {"documents": len(docs), "mode": args.mode}
    started = time.perf_counter()
    try:
        if args.mode == "sync":
            nodes = pipeline.run(documents=docs)
        elif args.mode == "workers":
            nodes = pipeline.run(documents=docs, num_workers=2)
        else:
            nodes = asyncio.run(pipeline.arun(documents=docs))
        out["ok"] = True
        out["nodes_processed"] = len(nodes)
    except Exception as err:  # noqa: BLE001 - reported, as a user would see it
        out["ok"] = False
        out["error"] = f"{type(err).__name__}: {str(err)[:300]}"
    out["t_run"] = round(time.perf_counter() - started, 3)
    if out["ok"]:
        pipeline.persist(str(storage))
    out["rows_after"] = len(rows(state))
    if args.modify:
        doc = next(d for d in docs if d.id_ == args.modify)
        out["doc_nodes"] = len(splitter().get_nodes_from_documents([doc]))
    return out


def inspect(args: argparse.Namespace) -> dict:
    state = Path(args.state)
    table = rows(state)
    seen: set[tuple[str, str]] = set()
    duplicates = 0
    for row in table:
        key = (row["doc_id"], row["text"])
        duplicates += key in seen
        seen.add(key)
    out = {"rows": len(table), "duplicate_texts": duplicates}
    if args.modify:
        doc = next(d for d in load_documents(args.docs, args.modify) if d.id_ == args.modify)
        current = {n.get_content() for n in splitter().get_nodes_from_documents([doc])}
        mine = [r for r in table if r["doc_id"] == args.modify]
        out["doc_rows"] = len(mine)
        out["old_version_rows"] = sum(1 for r in mine if r["text"] not in current)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["ingest", "inspect"])
    parser.add_argument("--state", required=True)
    parser.add_argument("--docs", required=True)
    parser.add_argument("--host", default="http://127.0.0.1:11434")
    parser.add_argument("--mode", choices=["sync", "workers", "async"], default="workers")
    parser.add_argument("--modify")
    parser.add_argument("--patched-delete", action="store_true")
    args = parser.parse_args()
    result = ingest(args) if args.command == "ingest" else inspect(args)
    print(json.dumps(result, ensure_ascii=False))
    sys.exit(0 if result.get("ok", True) else 1)


if __name__ == "__main__":
    main()
