"""Every setting of the project, read from the environment in one place.

The Dagster resources (``defs/resources.py``) and the ``lab-pipelines`` command line both build
themselves from :class:`Settings`, so a run started from the UI and one started from a shell see
the same inbox, store and backends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

OFFLINE = "offline"
LIVE = "live"
BACKENDS = (OFFLINE, LIVE)


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot use; the message names the variable and the fix."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = _env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(
            f"{name}={raw!r} is not a whole number: set it to e.g. {default}"
        ) from None
    if value < minimum:
        raise SettingsError(f"{name}={value} is below {minimum}: set it to e.g. {default}")
    return value


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number: set it to e.g. {default}") from None
    if value < 0:
        raise SettingsError(f"{name}={value} is negative: set it to e.g. {default}")
    return value


@dataclass(frozen=True)
class Settings:
    """What the README's configuration table documents, with the same defaults."""

    inbox: Path
    requests: Path
    data: Path
    backend: str = OFFLINE
    ollama_host: str = "http://127.0.0.1:11434"
    summary_model: str = "exaone3.5:7.8b"
    embedding_model: str = "bge-m3"
    num_ctx: int = 8192
    ollama_timeout_s: int = 300
    ollama_parallel: int = 2
    ollama_retries: int = 5  # attempts on busy (503) or unreachable, with exponential backoff
    ollama_retry_delay_ms: int = 1000
    embed_batch_size: int = 32
    embed_batch_chars: int = 24_000
    gemini_model: str = "gemini-2.5-flash"
    gemini_timeout_s: int = 120
    gemini_base_url: str = ""  # empty: Google's endpoint; tests point it at a local double
    prompt_token_budget: int = 6000
    max_file_mb: int = 50
    chunk_chars: int = 900
    chunk_overlap_chars: int = 120
    sensor_interval_s: int = 30
    settle_s: int = 10  # a file whose mtime is this recent may still be being written
    night_backfill_cron: str = "0 1 * * *"
    digest_cron_hour: int = 5
    schedule_timezone: str = "Asia/Seoul"
    pushgateway_url: str = ""  # empty: metrics are not pushed
    # Model candidates to evaluate besides the configured models: "kind=name" entries, kind one
    # of summary, embedding, writer; a writer is "model" or "model@thinking_budget".
    candidates: str = ""
    eval_questions: Path = Path("samples/evals/questions.tsv")
    eval_sample_docs: int = 12  # documents in summary_eval's fixed, seeded sample
    eval_judge_usd: float = 0.0  # hard cap of the optional Gemini judge per evaluation; 0: off

    @property
    def is_offline(self) -> bool:
        return self.backend == OFFLINE

    @property
    def lancedb_dir(self) -> Path:
        return self.data / "lancedb"

    @property
    def outputs_dir(self) -> Path:
        return self.data / "outputs"


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def load_settings() -> Settings:
    """Read the settings from the environment; relative paths are taken from the current folder."""
    root = project_root()
    backend = _env("LAB_BACKEND", OFFLINE).lower()
    if backend not in BACKENDS:
        raise SettingsError(
            f"LAB_BACKEND={backend!r} is not one of {', '.join(BACKENDS)}: use 'offline' for the "
            "embedded backends or 'live' for Ollama + Gemini"
        )
    settings = Settings(
        inbox=Path(_env("LAB_INBOX", str(root / "samples" / "inbox"))).absolute(),
        requests=Path(_env("LAB_REQUESTS", str(root / "samples" / "requests"))).absolute(),
        data=Path(_env("LAB_DATA", str(root / ".lab_data"))).absolute(),
        backend=backend,
        ollama_host=_env("OLLAMA_HOST", "http://127.0.0.1:11434"),
        summary_model=_env("LAB_SUMMARY_MODEL", "exaone3.5:7.8b"),
        embedding_model=_env("LAB_EMBEDDING_MODEL", "bge-m3"),
        num_ctx=_env_int("LAB_NUM_CTX", 8192, minimum=1024),
        ollama_timeout_s=_env_int("LAB_OLLAMA_TIMEOUT_S", 300),
        ollama_parallel=_env_int("LAB_OLLAMA_PARALLEL", 2),
        ollama_retries=_env_int("LAB_OLLAMA_RETRIES", 5),
        ollama_retry_delay_ms=_env_int("LAB_OLLAMA_RETRY_DELAY_MS", 1000, minimum=0),
        embed_batch_size=_env_int("LAB_EMBED_BATCH_SIZE", 32),
        embed_batch_chars=_env_int("LAB_EMBED_BATCH_CHARS", 24_000, minimum=1000),
        gemini_model=_env("LAB_GEMINI_MODEL", "gemini-2.5-flash"),
        gemini_timeout_s=_env_int("LAB_GEMINI_TIMEOUT_S", 120),
        gemini_base_url=_env("LAB_GEMINI_BASE_URL", ""),
        prompt_token_budget=_env_int("LAB_PROMPT_TOKENS", 6000, minimum=500),
        max_file_mb=_env_int("LAB_MAX_FILE_MB", 50),
        chunk_chars=_env_int("LAB_CHUNK_CHARS", 900, minimum=200),
        chunk_overlap_chars=_env_int("LAB_CHUNK_OVERLAP_CHARS", 120, minimum=0),
        sensor_interval_s=_env_int("LAB_SENSOR_INTERVAL_S", 30),
        settle_s=_env_int("LAB_SETTLE_S", 10, minimum=0),
        night_backfill_cron=_env("LAB_NIGHT_BACKFILL_CRON", "0 1 * * *"),
        digest_cron_hour=_env_int("LAB_DIGEST_HOUR", 5, minimum=0),
        schedule_timezone=_env("LAB_TIMEZONE", "Asia/Seoul"),
        pushgateway_url=_env("LAB_PUSHGATEWAY_URL", ""),
        candidates=_env("LAB_CANDIDATES", ""),
        eval_questions=Path(
            _env("LAB_EVAL_QUESTIONS", str(root / "samples" / "evals" / "questions.tsv"))
        ).absolute(),
        eval_sample_docs=_env_int("LAB_EVAL_SAMPLE", 12),
        eval_judge_usd=_env_float("LAB_EVAL_JUDGE_USD", 0.0),
    )
    if settings.chunk_overlap_chars >= settings.chunk_chars // 2:
        raise SettingsError(
            "LAB_CHUNK_OVERLAP_CHARS must be less than half of LAB_CHUNK_CHARS: lower the overlap"
        )
    return settings


# Setting → environment variable, for the README table and for resources that show in the UI
# which values came from the environment.
ENV_VARS = {
    "inbox": "LAB_INBOX",
    "requests": "LAB_REQUESTS",
    "data": "LAB_DATA",
    "backend": "LAB_BACKEND",
    "ollama_host": "OLLAMA_HOST",
    "summary_model": "LAB_SUMMARY_MODEL",
    "embedding_model": "LAB_EMBEDDING_MODEL",
    "num_ctx": "LAB_NUM_CTX",
    "ollama_timeout_s": "LAB_OLLAMA_TIMEOUT_S",
    "ollama_parallel": "LAB_OLLAMA_PARALLEL",
    "ollama_retries": "LAB_OLLAMA_RETRIES",
    "ollama_retry_delay_ms": "LAB_OLLAMA_RETRY_DELAY_MS",
    "embed_batch_size": "LAB_EMBED_BATCH_SIZE",
    "embed_batch_chars": "LAB_EMBED_BATCH_CHARS",
    "gemini_model": "LAB_GEMINI_MODEL",
    "gemini_timeout_s": "LAB_GEMINI_TIMEOUT_S",
    "gemini_base_url": "LAB_GEMINI_BASE_URL",
    "prompt_token_budget": "LAB_PROMPT_TOKENS",
    "max_file_mb": "LAB_MAX_FILE_MB",
    "chunk_chars": "LAB_CHUNK_CHARS",
    "chunk_overlap_chars": "LAB_CHUNK_OVERLAP_CHARS",
    "sensor_interval_s": "LAB_SENSOR_INTERVAL_S",
    "settle_s": "LAB_SETTLE_S",
    "night_backfill_cron": "LAB_NIGHT_BACKFILL_CRON",
    "digest_cron_hour": "LAB_DIGEST_HOUR",
    "schedule_timezone": "LAB_TIMEZONE",
    "pushgateway_url": "LAB_PUSHGATEWAY_URL",
    "candidates": "LAB_CANDIDATES",
    "eval_questions": "LAB_EVAL_QUESTIONS",
    "eval_sample_docs": "LAB_EVAL_SAMPLE",
    "eval_judge_usd": "LAB_EVAL_JUDGE_USD",
}
