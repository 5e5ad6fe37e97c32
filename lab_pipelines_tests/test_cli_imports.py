"""`lab-pipelines search` and `ask` answer at once: they import nothing a search does not use.

The cold-start figure itself (≤ 1.3 × `import lancedb`) is a benchmark: bench/search_cold.py.
"""

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from lab_pipelines.settings import project_root
from lab_pipelines.store import Store
from lab_pipelines.store.rows import SummaryRow
from lab_pipelines_tests.store.builders import document
from lab_pipelines_tests.store.test_latent_index import MODEL, translated_pages

NEVER = ("dagster", "google.genai", "ollama", "scipy")  # scipy: index time only
# Kiwi splits Korean sentences: chunking and the offline writer's quotes, never a search.
NEVER_IN = {"search": (*NEVER, "kiwipiepy"), "ask": NEVER}


@pytest.mark.parametrize("command", ["search", "ask"])
def test_the_offline_search_and_ask_import_no_dagster_gemini_ollama_or_scipy(
    command, tmp_path, monkeypatch
):
    # A store with every leg a search reads: full-text index and latent index.
    store = Store(tmp_path / "lancedb")
    store.upsert_documents([document(doc_id) for doc_id in translated_pages(store)])
    summary = "가지치기는 고아 리소스를 지웁니다."
    now = datetime.now(UTC)
    store.upsert_summaries(
        [SummaryRow("docs-ko/t0.md", summary, "ko", "x", "x", "k", 1, 1, 1, now)]
    )
    store.refresh_text_index(MODEL)
    assert store.refresh_latent_index(MODEL) is True
    monkeypatch.setenv("LAB_DATA", str(tmp_path))
    monkeypatch.setenv("LAB_BACKEND", "offline")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lab_pipelines.cli", command, "가지치기"],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # search: the English page holds no word of the question, only the latent leg reaches
    # it; ask: the answer quotes the summary of the Korean page that holds the word.
    assert ("docs-en/t0.md" if command == "search" else summary) in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "lancedb" in imported  # the one heavy import a search needs
    never = NEVER_IN[command]
    assert not {m for m in imported if any(m == n or m.startswith(n + ".") for n in never)}
