"""`lab-pipelines eval` and `draft-evals` in `make run`'s world: the offline backend over the
sample inbox and the example evaluation set, each command in its own process."""

import os
import subprocess
import sys

from lab_pipelines.evaluation.evalset import read_questions
from lab_pipelines.settings import project_root
from lab_pipelines_tests.evaluation.conftest import fill_store


def command(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lab_pipelines.evaluation.command", *argv],
        cwd=project_root(),
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_offline_evaluation_runs_end_to_end_and_prints_the_leaderboard(lab):
    fill_store(lab)
    out = command("eval")
    for evaluated in (
        "retrieval_eval[offline-lexical-v1]",
        "summary_eval[offline-extractive-v1]",
        "writer_eval[offline-extractive-answer-v1]",
    ):
        assert f"evaluated {evaluated}" in out
    board = (lab.settings.outputs_dir / "model_leaderboard.md").read_text(encoding="utf-8")
    assert board in out
    row = next(line for line in board.splitlines() if line.startswith("| `offline-lexical-v1`"))
    ndcg = float(row.split("|")[5])
    assert 0.5 < ndcg <= 1.0  # the lexical embedding finds the sample set's documents
    assert "backlog fit unknown" in board  # offline: no server timings to promise a night on


def test_draft_evals_writes_a_draft_the_evaluation_can_read(lab, tmp_path):
    fill_store(lab)
    draft = tmp_path / "questions.draft.tsv"
    out = command("draft-evals", "--sample", "4", "--out", str(draft))
    assert "4 draft questions by the extractive drafter" in out
    assert draft.read_text(encoding="utf-8").startswith("# DRAFT")
    questions = read_questions(draft)
    stored = {d["doc_id"] for d in lab.store().read("documents", ["doc_id"])}
    assert len(questions) == 4 and all(q.relevant <= stored for q in questions)
    assert {q.language for q in questions} <= {"ko", "en"}
    again = subprocess.run(
        [sys.executable, "-m", "lab_pipelines.evaluation.command", "draft-evals", "--out", draft],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode != 0 and "--force" in again.stderr  # a reviewed file is kept
