"""The evaluation tests' lab on the doubles (shared with lab_pipelines_tests/evaluation)."""

from lab_pipelines_tests.evaluation.conftest import (  # noqa: F401 - pytest fixtures
    candidate_gemini,
    candidate_ollama,
    live_lab,
)
