"""Shared pytest fixtures for lab_pipelines tests."""

from collections.abc import Iterator

import pytest
import stamina

from lab_pipelines_tests.doubles.gemini_server import FakeGemini
from lab_pipelines_tests.doubles.ollama_server import FakeOllama


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Retries inside the test process wait for nothing (stamina's testing mode; cap=True keeps
    each caller's own attempt count). Separate processes (dagster dev, the CLI) still wait."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    """A started FakeOllama with the lab's default models; closed after the test."""
    with FakeOllama() as server:
        yield server


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    """A started FakeGemini accepting any non-empty API key; closed after the test."""
    with FakeGemini() as server:
        yield server


@pytest.fixture
def lab(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """A lab over a copy of the sample inbox, with the offline backends."""
    from lab_pipelines_tests.fixtures import make_lab

    return make_lab(tmp_path, monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_defs_state_storage():  # noqa: ANN202
    """Each test starts without a DefsStateStorage left in Dagster's context by an earlier
    test's instance (a closed or collected instance there breaks loading the code location)."""
    from lab_pipelines.defs.dagster_private import set_defs_state_storage

    with set_defs_state_storage(None):
        yield
