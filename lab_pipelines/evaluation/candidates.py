"""The candidates of an evaluation: the configured models plus those named in LAB_CANDIDATES."""

from __future__ import annotations

from dataclasses import dataclass

from lab_pipelines.settings import Settings

SUMMARY = "summary"
EMBEDDING = "embedding"
WRITER = "writer"
KINDS = (SUMMARY, EMBEDDING, WRITER)


class CandidateError(ValueError):
    """LAB_CANDIDATES has an entry the evaluation cannot read; the message names the fix."""


@dataclass(frozen=True)
class Candidates:
    summary: tuple[str, ...]
    embedding: tuple[str, ...]
    writer: tuple[str, ...]

    def of(self, kind: str) -> tuple[str, ...]:
        return getattr(self, kind)


def parse_candidates(
    raw: str, *, summary_model: str, embedding_model: str, writer_model: str
) -> Candidates:
    """``"summary=exaone3.5:2.4b, embedding=nomic-embed-text, writer=gemini-2.5-flash@0"``
    (commas, semicolons or new lines between entries) added to the configured models, which
    always come first; duplicates are dropped."""
    chosen: dict[str, list[str]] = {
        SUMMARY: [summary_model],
        EMBEDDING: [embedding_model],
        WRITER: [writer_model],
    }
    for entry in raw.replace(";", ",").replace("\n", ",").split(","):
        entry = entry.strip()
        if not entry:
            continue
        kind, sep, name = (part.strip() for part in entry.partition("="))
        if not sep or kind not in chosen or not name:
            raise CandidateError(
                f"LAB_CANDIDATES entry {entry!r} is not kind=name with kind one of "
                f"{', '.join(KINDS)}: write e.g. summary=exaone3.5:2.4b"
            )
        if name not in chosen[kind]:
            chosen[kind].append(name)
    return Candidates(*(tuple(chosen[k]) for k in KINDS))


def candidates_for(settings: Settings) -> Candidates:
    """The candidates of ``settings``: offline, the configured models are the embedded
    stand-ins, as in the pipeline itself."""
    from lab_pipelines.text.extractive import EXTRACTIVE_ANSWER_MODEL, EXTRACTIVE_SUMMARY_MODEL
    from lab_pipelines.text.lexical_embedding import LEXICAL_MODEL

    if settings.is_offline:
        configured = (EXTRACTIVE_SUMMARY_MODEL, LEXICAL_MODEL, EXTRACTIVE_ANSWER_MODEL)
    else:
        configured = (settings.summary_model, settings.embedding_model, settings.gemini_model)
    summary, embedding, writer = configured
    return parse_candidates(
        settings.candidates, summary_model=summary, embedding_model=embedding, writer_model=writer
    )
