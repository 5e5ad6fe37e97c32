"""`lab-pipelines search` and `ask` answer at once: they import nothing a search does not use.

The cold-start figure itself (≤ 1.3 × `import lancedb`) is a benchmark: bench/search_cold.py.
"""

import subprocess
import sys

import pytest

from lab_pipelines.settings import project_root

NEVER = ("dagster", "google.genai", "kiwipiepy", "ollama", "scipy")  # scipy: index time only


@pytest.mark.parametrize("command", ["search", "ask"])
def test_the_offline_search_and_ask_import_no_dagster_gemini_kiwi_ollama_or_scipy(
    command, tmp_path, monkeypatch
):
    monkeypatch.setenv("LAB_DATA", str(tmp_path))  # an empty store: nothing found, fine
    monkeypatch.setenv("LAB_BACKEND", "offline")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lab_pipelines.cli", command, "노드 테인트"],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "lancedb" in imported  # the one heavy import a search needs
    assert not {
        m
        for m in imported
        if m.split(".")[0] in {n.split(".")[0] for n in NEVER}
        and any(m == n or m.startswith(n + ".") for n in NEVER)
    }
