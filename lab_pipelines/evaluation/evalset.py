"""The owner's evaluation set: questions about their own documents, with the documents that
answer them. A TSV file, e.g. ``evals/questions.tsv``::

    question	language	relevant
    How does Argo CD roll back?	en	en/gitops.rst

``relevant`` holds document paths under the inbox (the partition keys), separated by ``|``;
any of them answers the question. Lines starting with ``#`` are comments. An ``id`` column is
optional, and ``lang``/``answers`` are read as ``language``/``relevant`` (the benchmark's file).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("question", "language", "relevant")
_ALIASES = {"lang": "language", "answers": "relevant"}


class EvalSetError(ValueError):
    """The file cannot be read as an evaluation set; the message names the line and the fix."""


@dataclass(frozen=True)
class EvalQuestion:
    question: str
    language: str
    relevant: frozenset[str]
    id: str = ""


def read_questions(path: Path) -> list[EvalQuestion]:
    if not path.exists():
        raise EvalSetError(
            f"no evaluation set at {path}: write one (columns {', '.join(COLUMNS)}) or draft it "
            "with `lab-pipelines draft-evals`, review it, and point LAB_EVAL_QUESTIONS at it"
        )
    return parse_questions(path.read_text(encoding="utf-8"), str(path))


def parse_questions(text: str, source: str = "<text>") -> list[EvalQuestion]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise EvalSetError(f"{source} holds no questions")
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise EvalSetError(f"{source}: the header lacks {', '.join(missing)} (tab-separated)")
    questions = []
    for number, row in enumerate(reader, 2):
        if len(row) != len(header):
            raise EvalSetError(
                f"{source} line {number}: {len(row)} fields, the header has {len(header)}; "
                "separate the columns with tabs"
            )
        record = dict(zip(header, row, strict=True))
        relevant = frozenset(p.strip() for p in record["relevant"].split("|") if p.strip())
        if not record["question"].strip() or not relevant:
            raise EvalSetError(f"{source} line {number}: a question needs at least one document")
        questions.append(
            EvalQuestion(
                record["question"].strip(),
                record["language"].strip().lower(),
                relevant,
                record.get("id", "").strip(),
            )
        )
    return questions


def format_questions(questions: list[EvalQuestion], comment: str = "") -> str:
    """The TSV text of ``questions`` (with ``comment`` lines on top, e.g. 'review me')."""
    out = io.StringIO()
    for line in comment.splitlines():
        out.write(f"# {line}\n")
    out.write("\t".join(COLUMNS) + "\n")
    for q in questions:
        text = " ".join(q.question.split())  # a tab or line break would break the row
        out.write(f"{text}\t{q.language}\t{' | '.join(sorted(q.relevant))}\n")
    return out.getvalue()
