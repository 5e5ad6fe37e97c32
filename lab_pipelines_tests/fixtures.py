"""A lab on a temporary folder: a copy of the sample inbox, its own LanceDB and DAGSTER_HOME."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab_pipelines.cli import ensure_instance_config
from lab_pipelines.settings import Settings, load_settings, project_root

SAMPLES = project_root() / "samples"
CORPUS = project_root().parent / "shared" / "corpus"


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
