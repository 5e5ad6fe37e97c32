"""Candidates and the evaluation set: what the owner writes, as the evaluation reads it."""

import pytest

from lab_pipelines.evaluation.candidates import CandidateError, parse_candidates
from lab_pipelines.evaluation.evalset import (
    EvalQuestion,
    EvalSetError,
    format_questions,
    parse_questions,
)


def test_candidates_are_the_configured_models_first_then_the_added_ones():
    candidates = parse_candidates(
        "summary=exaone3.5:2.4b; embedding=nomic-embed-text\nwriter=gemini-2.5-flash@0, "
        "summary=exaone3.5:7.8b",
        summary_model="exaone3.5:7.8b",
        embedding_model="bge-m3",
        writer_model="gemini-2.5-flash",
    )
    assert candidates.summary == ("exaone3.5:7.8b", "exaone3.5:2.4b")
    assert candidates.embedding == ("bge-m3", "nomic-embed-text")
    assert candidates.writer == ("gemini-2.5-flash", "gemini-2.5-flash@0")
    with pytest.raises(CandidateError, match="kind=name"):
        parse_candidates("exaone3.5:2.4b", summary_model="a", embedding_model="b", writer_model="c")


def test_an_evaluation_set_round_trips_and_reads_the_benchmark_columns():
    questions = [EvalQuestion("백업은 어디에?", "ko", frozenset({"ko/backup.md", "en/b.md"}))]
    text = format_questions(questions, "DRAFT: review me")
    assert text.startswith("# DRAFT: review me\nquestion\tlanguage\trelevant\n")
    assert parse_questions(text) == questions
    bench = "id\tlang\tquestion\tanswers\nen01\ten\tHow?\ta.md | b.md\n"
    (q,) = parse_questions(bench)
    assert (q.id, q.language, q.relevant) == ("en01", "en", frozenset({"a.md", "b.md"}))


def test_a_row_without_a_document_is_refused_with_its_line():
    with pytest.raises(EvalSetError, match="line 2"):
        parse_questions("question\tlanguage\trelevant\nWhy?\ten\t \n")
