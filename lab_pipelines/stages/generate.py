"""generated_outputs: retrieve by hybrid search, build a budgeted prompt, write, cite."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from lab_pipelines.models.base import Answer, Embedder, Writer
from lab_pipelines.store import Hit, Store
from lab_pipelines.store.ranking import plan_for
from lab_pipelines.store.rows import OutputRow
from lab_pipelines.text.fingerprints import ANSWER_PROMPT_VERSION, embedding_key, fingerprint
from lab_pipelines.text.prefixes import query_text as prefixed_query
from lab_pipelines.text.prompts import AnswerPrompt, SourceDoc, build_answer_prompt, cited_labels

MAX_SOURCE_DOCS = 5
EXCERPTS_PER_DOC = 3


def query_vector(store: Store, embedder: Embedder, text: str) -> list[float]:
    """The query's vector, embedded behind the model's query prefix; a question asked before is
    not embedded again."""
    prefixed = prefixed_query(embedder.model, text)
    key = embedding_key(prefixed, embedder.model)
    vector = store.query_vector(embedder.model, key)
    if vector is None:
        vector = embedder.embed([prefixed])[0]
        store.save_query_vector(embedder.model, key, vector)
    return vector


def retrieve(
    store: Store, embedder: Embedder, query: str, k: int = 10, mode: str = "hybrid"
) -> list[Hit]:
    # No query embedding when the model's fusion does not search its vectors (offline lexical).
    wants_vector = mode == "vector" or (mode == "hybrid" and plan_for(embedder.model).vector > 0)
    vector = query_vector(store, embedder, query) if wants_vector else None
    return store.search(embedder.model, query, vector, k=k, mode=mode)


def retrieved_sources(sources: list[SourceDoc], hits: list[Hit]) -> tuple[dict, ...]:
    """The documents given to the writer, in rank order, each with its best fused score: what
    a materialisation shows as its sources."""
    best: dict[str, float] = {}
    for hit in hits:
        best[hit.doc_id] = max(best.get(hit.doc_id, 0.0), hit.score)
    return tuple(
        {"rank": i, "doc_id": s.doc_id, "title": s.title, "score": round(best[s.doc_id], 5)}
        for i, s in enumerate(sources, start=1)
        if s.doc_id in best
    )


def source_documents(store: Store, hits: list[Hit]) -> list[SourceDoc]:
    """Group ranked hits by document (best document first) with its summary and excerpts."""
    order: list[str] = []
    excerpts: dict[str, list[str]] = {}
    for hit in hits:
        if hit.doc_id not in excerpts:
            if len(order) == MAX_SOURCE_DOCS:
                continue
            order.append(hit.doc_id)
            excerpts[hit.doc_id] = []
        if hit.kind == "chunk" and len(excerpts[hit.doc_id]) < EXCERPTS_PER_DOC:
            excerpts[hit.doc_id].append(hit.text)
    docs = {d["doc_id"]: d for d in store.documents(order, ["doc_id", "title", "path"])}
    summaries = store.summaries(order)
    return [
        SourceDoc(
            doc_id,
            docs[doc_id]["title"],
            docs[doc_id]["path"],
            summaries.get(doc_id, {}).get("summary", ""),
            tuple(excerpts[doc_id]),
        )
        for doc_id in order
        if doc_id in docs
    ]


@dataclass(frozen=True)
class GeneratedOutput:
    request_id: str
    question: str
    markdown: str
    cited: tuple[SourceDoc, ...]
    prompt: AnswerPrompt
    answer: Answer | None  # None when the stored output was still current (no model call)
    row: dict  # the stored output, as the store returns it
    sources: tuple[dict, ...] = ()  # retrieved documents: rank, doc_id, title, score


def render_output(question: str, answer_markdown: str, prompt: AnswerPrompt) -> tuple[str, list]:
    """The answer with a Sources section listing the documents it cites."""
    labels = cited_labels(answer_markdown, len(prompt.sources))
    cited = [prompt.sources[label - 1] for label in labels]
    lines = [f"# {question.strip().splitlines()[0][:200]}", "", answer_markdown.strip(), ""]
    if cited:
        lines.append("## Sources")
        lines += [
            f"- [{label}] {s.title} — `{s.doc_id}`" for label, s in zip(labels, cited, strict=True)
        ]
    else:
        lines.append("_No source was cited._")
    return "\n".join(lines) + "\n", cited


def generate_output(
    store: Store,
    embedder: Embedder,
    writer: Writer,
    request_id: str,
    question: str,
    token_budget: int,
    k: int = 12,
) -> GeneratedOutput:
    """Answer ``question`` from the documents hybrid retrieval finds for it."""
    hits = retrieve(store, embedder, question, k=k)
    sources = source_documents(store, hits)
    output = answer_from_sources(store, writer, request_id, question, sources, token_budget)
    return replace(output, sources=retrieved_sources(sources, hits))


def answer_from_sources(
    store: Store,
    writer: Writer,
    request_id: str,
    question: str,
    sources: list[SourceDoc],
    token_budget: int,
    digest: bool = False,
) -> GeneratedOutput:
    """Write (or reuse, when the prompt is unchanged) the cited answer and store it."""
    prompt = build_answer_prompt(question, sources, token_budget, digest=digest)
    key = fingerprint("answer", prompt.system, prompt.prompt, writer.model, ANSWER_PROMPT_VERSION)
    stored = store.output(request_id)
    if stored and stored["answer_key"] == key:
        cited_ids = set(stored["cited_doc_ids"])
        cited = tuple(s for s in prompt.sources if s.doc_id in cited_ids)
        return GeneratedOutput(
            request_id, question, stored["markdown"], cited, prompt, None, stored
        )
    answer = writer.write(prompt.system, prompt.prompt)
    markdown, cited = render_output(question, answer.markdown, prompt)
    row = OutputRow(
        request_id=request_id,
        question=question,
        markdown=markdown,
        cited_doc_ids=[s.doc_id for s in cited],
        model=answer.model,
        backend=writer.backend,
        prompt_tokens=answer.prompt_tokens,
        output_tokens=answer.output_tokens,
        thinking_tokens=answer.thinking_tokens,
        answer_key=key,
        updated_at=datetime.now(UTC),
    )
    store.upsert_output(row)
    return GeneratedOutput(
        request_id, question, markdown, tuple(cited), prompt, answer, row.as_record()
    )


def generate_digest(
    store: Store, writer: Writer, day: str, start: datetime, end: datetime, token_budget: int
) -> GeneratedOutput | None:
    """A digest of the documents ingested in [start, end), written from their summaries;
    None (and no model call) when nothing was ingested that day."""
    docs = [
        d
        for d in store.ok_documents(["doc_id", "title", "path", "updated_at"])
        if start <= d["updated_at"] < end
    ]
    docs.sort(key=lambda d: d["updated_at"])
    summaries = store.summaries([d["doc_id"] for d in docs])
    sources = [
        SourceDoc(d["doc_id"], d["title"], d["path"], summaries[d["doc_id"]]["summary"], ())
        for d in docs
        if d["doc_id"] in summaries
    ]
    if not sources:
        return None
    question = (
        f"Write a digest of the {len(sources)} documents added or updated on {day}: "
        "what each one is about, grouped by topic, with its source number."
    )
    return answer_from_sources(
        store, writer, f"digest/{day}", question, sources, token_budget, digest=True
    )


def write_output_file(folder: Path, output: GeneratedOutput) -> Path:
    """Write the output's Markdown where people read it: <data>/outputs/<request id>.md."""
    path = folder / (output.request_id.removesuffix(".md").removesuffix(".txt") + ".md")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(output.markdown, encoding="utf-8")
    tmp.replace(path)  # readers never see a half-written file
    return path
