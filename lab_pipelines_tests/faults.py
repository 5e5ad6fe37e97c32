"""Helpers for the fault and bad-input scenarios: a larger synthetic inbox, and running the
main job while expecting it to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_pipelines_tests.runs import materialize_lab

_KO = [
    "추론 노드는 요약 작업을 처리한다.",
    "임베딩은 다국어 모델이 만든다.",
    "백업은 매일 밤 실행된다.",
    "컨트롤 플레인은 노드 A에서 동작한다.",
]
_EN = [
    "The inference node handles the summaries.",
    "Embeddings come from a multilingual model.",
    "Backups run every night.",
    "The control plane runs on node A.",
]


def write_synthetic_inbox(folder: Path, count: int) -> list[str]:
    """``count`` small documents, alternately Korean and English; returns their ids."""
    ids = []
    for i in range(count):
        lang = "ko" if i % 2 else "en"
        sentences = _KO if lang == "ko" else _EN
        body = " ".join(sentences[(i + j) % 4] for j in range(6))
        path = folder / lang / f"doc-{i:03}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {lang} document {i}\n\n{body}\n\n## Part two\n\n{body} ({i})\n")
        ids.append(f"{lang}/doc-{i:03}.md")
    return ids


def run_expecting_failure(capsys: pytest.CaptureFixture) -> str:
    """Run the main job, which must fail; return what it printed (step errors included)."""
    with pytest.raises(SystemExit) as stopped:
        materialize_lab()
    out = capsys.readouterr().out
    return f"{out}\n{stopped.value}"
