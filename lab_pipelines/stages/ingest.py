"""documents and chunks: files parsed into text, text planned into chunks."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from lab_pipelines.inbox import InboxFile
from lab_pipelines.store import Store
from lab_pipelines.store.rows import ChunkRow, DocumentRow
from lab_pipelines.text.chunking import chunk_text
from lab_pipelines.text.fingerprints import CHUNKER_VERSION, chunk_plan_key, content_hash
from lab_pipelines.text.language import detect_language
from lab_pipelines.text.parsing import SkippedDocument, parse_documents


def oversize_marker(size: int) -> str:
    """What stands for the content hash of a file too large to read."""
    return f"oversize:{size}"


@dataclass
class IngestReport:
    parsed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # doc_id → reason
    removed: list[str] = field(default_factory=list)
    chars: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    langs: dict[str, int] = field(default_factory=dict)


def ingest_documents(
    store: Store, files: Mapping[str, InboxFile], doc_ids: Sequence[str], max_bytes: int
) -> IngestReport:
    """Parse the files of ``doc_ids`` whose bytes changed; record skipped files with a reason."""
    report = IngestReport()
    known = store.source_hashes(doc_ids)
    rows: dict[str, DocumentRow] = {}
    to_parse: dict[str, tuple[str, bytes]] = {}
    now = datetime.now(UTC)
    for doc_id in doc_ids:
        file = files.get(doc_id)
        if file is None:
            report.removed.append(doc_id)
            continue
        # Skipped until it parses: the fields of its text are filled in below.
        row = DocumentRow(doc_id=doc_id, path=file.relpath, title=file.path.stem, updated_at=now)
        if file.size > max_bytes:
            rows[doc_id] = _skipped(
                report,
                replace(row, source_hash=oversize_marker(file.size)),  # never read: no hash
                f"file is {file.size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit: "
                "split it, or raise LAB_MAX_FILE_MB",
            )
            continue
        try:
            data = file.path.read_bytes()
        except OSError as err:
            reason = f"cannot read the file ({err.strerror}): check its permissions"
            rows[doc_id] = _skipped(report, row, reason)
            continue
        row = replace(row, source_hash=hashlib.sha256(data).hexdigest())
        if known.get(doc_id) == row.source_hash:
            report.unchanged.append(doc_id)
            continue
        rows[doc_id] = row
        to_parse[doc_id] = (file.relpath, data)
    parsed_documents = parse_documents(list(to_parse.values()))
    for doc_id, parsed in zip(to_parse, parsed_documents, strict=True):
        if isinstance(parsed, SkippedDocument):
            rows[doc_id] = _skipped(report, rows[doc_id], parsed.reason)
            continue
        lang = detect_language(parsed.text)
        rows[doc_id] = replace(
            rows[doc_id],
            title=parsed.title,
            format=parsed.format,
            lang=lang,
            encoding=parsed.encoding,
            text=parsed.text,
            content_hash=content_hash(parsed.text),
            n_chars=len(parsed.text),
            status="ok",
        )
        report.parsed.append(doc_id)
        report.chars += len(parsed.text)
        report.formats[parsed.format] = report.formats.get(parsed.format, 0) + 1
        report.langs[lang] = report.langs.get(lang, 0) + 1
    store.upsert_documents(list(rows.values()))
    if report.removed:
        store.delete_documents(report.removed)
    return report


def _skipped(report: IngestReport, row: DocumentRow, reason: str) -> DocumentRow:
    report.skipped[row.doc_id] = reason
    return replace(row, skip_reason=reason)


@dataclass
class ChunkReport:
    planned: dict[str, int] = field(default_factory=dict)  # doc_id → chunk count
    unchanged: list[str] = field(default_factory=list)
    emptied: list[str] = field(default_factory=list)  # skipped or gone: chunks removed


def plan_chunks(
    store: Store, doc_ids: Sequence[str], max_chars: int, overlap_chars: int
) -> ChunkReport:
    """Re-chunk the documents whose text or chunker settings changed, in one commit."""
    report = ChunkReport()
    stored_plans = store.chunk_plan_keys(doc_ids)
    docs = {d["doc_id"]: d for d in store.documents(doc_ids, ["doc_id", "content_hash", "status"])}
    to_plan: dict[str, str] = {}
    for doc_id in doc_ids:
        doc = docs.get(doc_id)
        if doc is None or doc["status"] != "ok":
            if doc_id in stored_plans:
                report.emptied.append(doc_id)
            continue
        key = chunk_plan_key(doc["content_hash"], CHUNKER_VERSION, max_chars, overlap_chars)
        if stored_plans.get(doc_id) == key:
            report.unchanged.append(doc_id)
        else:
            to_plan[doc_id] = key
    rows: list[ChunkRow] = []
    for doc in store.documents(list(to_plan), ["doc_id", "text"]):
        chunks = chunk_text(doc["text"], max_chars, overlap_chars)
        report.planned[doc["doc_id"]] = len(chunks)
        rows.extend(
            ChunkRow(
                chunk_id=f"{doc['doc_id']}#{c.seq}",
                doc_id=doc["doc_id"],
                seq=c.seq,
                heading=c.heading,
                text=c.text,
                plan_key=to_plan[doc["doc_id"]],
            )
            for c in chunks
        )
    store.replace_chunks(list(to_plan) + report.emptied, rows)
    return report
