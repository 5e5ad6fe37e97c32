"""A lab on a temporary folder: a copy of the sample inbox, its own LanceDB and DAGSTER_HOME."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab_pipelines.cli import ensure_instance_config
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.quality import store_matches_inbox
from lab_pipelines.settings import Settings, load_settings, project_root
from lab_pipelines.store import Store

SAMPLES = project_root() / "samples"
CORPUS = project_root().parent / "shared" / "corpus"
# The documents of samples/inbox, every one of them a readable document.
SAMPLE_DOC_IDS = frozenset(
    {
        "en/gitops.rst",
        "en/monitoring.html",
        "en/ollama-inference-node.md",
        "ko/backup.md",
        "ko/gpu-memory.txt",
        "ko/node-labels.md",
    }
)


@dataclass
class Lab:
    root: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def settings(self) -> Settings:
        return load_settings()

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    def store(self) -> Store:
        return Store(self.settings.lancedb_dir)

    def invariant_problems(self) -> list[str]:
        """What breaks the invariant (empty when every inbox document has exactly one current
        set of chunks, vectors and summary, and nothing else is stored)."""
        from lab_pipelines.defs.resources import build_resources

        models = build_resources(self.settings, as_env_vars=False)["local_models"]
        return store_matches_inbox(
            self.store(),
            {f.doc_id: f for f in scan_inbox(self.inbox)},
            summary_model=models.summary_model_name(),
            embedding_model=models.embedding_model_name(),
            chunk_chars=self.settings.chunk_chars,
            chunk_overlap_chars=self.settings.chunk_overlap_chars,
            max_bytes=self.settings.max_file_mb * 1_000_000,
        )

    def use_doubles(self, ollama_url: str, gemini_url: str) -> None:
        """Point the live backends at the protocol doubles."""
        self.monkeypatch.setenv("LAB_BACKEND", "live")
        self.monkeypatch.setenv("OLLAMA_HOST", ollama_url)
        self.monkeypatch.setenv("LAB_GEMINI_BASE_URL", gemini_url)
        self.monkeypatch.setenv("GEMINI_API_KEY", "test-key-not-secret")


def make_lab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inbox: Path = SAMPLES / "inbox"
) -> Lab:
    root = tmp_path / "lab"
    shutil.copytree(inbox, root / "inbox")
    shutil.copytree(SAMPLES / "requests", root / "requests")
    for name, value in {
        "LAB_INBOX": root / "inbox",
        "LAB_REQUESTS": root / "requests",
        "LAB_DATA": root / "data",
        "DAGSTER_HOME": root / "dagster_home",
    }.items():
        monkeypatch.setenv(name, str(value))
    ensure_instance_config(
        root / "dagster_home"
    )  # the shipped local instance config, pools included
    monkeypatch.setenv("LAB_BACKEND", "offline")
    monkeypatch.setenv("LAB_PROFILE", "local")
    return Lab(root, monkeypatch)
