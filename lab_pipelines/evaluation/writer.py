"""writer_eval: the evaluation set's questions answered under one Gemini setting.

Retrieval is the pipeline's own (the configured embedding model), so every setting answers
from the same sources; only the writer changes. Nothing is stored as an output.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from lab_pipelines.costs import PriceBook
from lab_pipelines.evaluation.evalset import EvalQuestion
from lab_pipelines.evaluation.judge import Judge
from lab_pipelines.evaluation.summary import judged
from lab_pipelines.models.base import Embedder, Writer
from lab_pipelines.stages.generate import retrieve, source_documents
from lab_pipelines.store import Store
from lab_pipelines.text.prompts import AnswerPrompt, build_answer_prompt

_LABEL = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class AnswerCheck:
    labels: int  # citations written, valid or not
    valid: int  # citations naming a source that was offered
    grounded: bool  # cites a document the evaluation set says answers the question
    output_tokens: int
    thinking_tokens: int
    cost_usd: float
    seconds: float

    @property
    def score(self) -> float:
        """Valid share of the citations when the answer cites a right document, else 0."""
        return self.valid / self.labels if self.grounded and self.labels else 0.0


def check_answer(
    markdown: str, prompt: AnswerPrompt, relevant: frozenset[str]
) -> tuple[int, int, bool]:
    labels = [int(x) for x in _LABEL.findall(markdown)]
    valid = [n for n in labels if 1 <= n <= len(prompt.sources)]
    cited = {prompt.sources[n - 1].doc_id for n in valid}
    return len(labels), len(valid), bool(cited & relevant)


@dataclass
class WriterResult:
    setting: str
    checks: list[tuple[EvalQuestion, AnswerCheck]] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)


def evaluate_writer(
    store: Store,
    embedder: Embedder,
    writer: Writer,
    setting: str,
    questions: Sequence[EvalQuestion],
    token_budget: int,
    prices: PriceBook,
    judge: Judge | None = None,
) -> WriterResult:
    result = WriterResult(setting)
    grades: list[int | None] = []
    price = prices.models.get(writer.model)
    for q in questions:
        sources = source_documents(store, retrieve(store, embedder, q.question, k=12))
        prompt = build_answer_prompt(q.question, sources, token_budget)
        started = time.perf_counter()
        answer = writer.write(prompt.system, prompt.prompt)
        seconds = time.perf_counter() - started
        labels, valid, grounded = check_answer(answer.markdown, prompt, q.relevant)
        if judge is not None:
            grades.append(judge.grade_answer(q.question, prompt.prompt, answer.markdown))
        billed_out = answer.output_tokens + answer.thinking_tokens  # thinking billed as output
        cost = price.cost(answer.prompt_tokens, billed_out) if price else 0.0
        result.checks.append(
            (
                q,
                AnswerCheck(
                    labels,
                    valid,
                    grounded,
                    answer.output_tokens,
                    answer.thinking_tokens,
                    cost,
                    seconds,
                ),
            )
        )
    checks = [c for _, c in result.checks]
    n = max(1, len(checks))
    result.figures = {
        "quality_score": round(sum(c.score for c in checks) / n, 4),
        "grounded_share": round(sum(c.grounded for c in checks) / n, 4),
        "citation_validity": round(
            sum(c.valid for c in checks) / max(1, sum(c.labels for c in checks)), 4
        ),
        "answers_without_citation": sum(1 for c in checks if not c.valid),
        "answer_tokens_mean": round(sum(c.output_tokens for c in checks) / n, 1),
        "thinking_tokens_mean": round(sum(c.thinking_tokens for c in checks) / n, 1),
        "seconds_per_answer": round(statistics.median(c.seconds for c in checks), 3)
        if checks
        else 0.0,
        "usd_per_1000_answers": round(1000 * sum(c.cost_usd for c in checks) / n, 4),
        "priced": 1 if price else 0,
    }
    if judge is not None:
        result.figures |= judged(judge, grades)
    return result


def details_markdown(result: WriterResult, limit: int = 10) -> str:
    lines = ["| question | cites | valid | right document | USD |", "|---|---:|---:|---|---:|"]
    for q, c in result.checks[:limit]:
        text = q.question[:80].replace("|", "\\|")
        lines.append(
            f"| {text} | {c.labels} | {c.valid} | {'yes' if c.grounded else 'no'} | "
            f"{c.cost_usd:.5f} |"
        )
    return "\n".join(lines)
