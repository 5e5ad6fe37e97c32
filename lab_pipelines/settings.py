"""Every setting of the project, read from the environment in one place.

One pydantic-settings model, :class:`Settings`: each field names its environment variable, its
default and its valid range. The Dagster resources (``defs/resources.py``), the placement of
step pods (``placement.py``), the price book (``costs.py``) and the ``lab-pipelines`` command
line all take their values from it, so a run started from the UI and one started from a shell
see the same inbox, store and backends. README.md's configuration table lists the same
variables and defaults (``lab_pipelines_tests/test_settings.py`` checks that it does).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

OFFLINE = "offline"
LIVE = "live"
BACKENDS = (OFFLINE, LIVE)
LOCAL = "local"
CLUSTER = "cluster"
PROFILES = (LOCAL, CLUSTER)

_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot use; the message names the variable and the fix."""


def _env(name: str, default: Any, **bounds: Any) -> Any:
    """A field read from the environment variable ``name``, ``default`` when it is unset."""
    return Field(default, validation_alias=name, **bounds)


class Settings(BaseSettings):
    """What the README's configuration table documents, with the same defaults."""

    # Exact variable names only (no lower-case twins, no .env file): what the README lists.
    model_config = SettingsConfigDict(case_sensitive=True, frozen=True)

    inbox: Path = _env("LAB_INBOX", _ROOT / "samples" / "inbox")
    requests: Path = _env("LAB_REQUESTS", _ROOT / "samples" / "requests")
    data: Path = _env("LAB_DATA", _ROOT / ".lab_data")
    backend: str = _env("LAB_BACKEND", OFFLINE)
    ollama_host: str = _env("OLLAMA_HOST", "http://127.0.0.1:11434")
    summary_model: str = _env("LAB_SUMMARY_MODEL", "exaone3.5:7.8b")
    embedding_model: str = _env("LAB_EMBEDDING_MODEL", "bge-m3")
    num_ctx: int = _env("LAB_NUM_CTX", 8192, ge=1024)
    ollama_timeout_s: int = _env("LAB_OLLAMA_TIMEOUT_S", 300, ge=1)
    ollama_parallel: int = _env("LAB_OLLAMA_PARALLEL", 2, ge=1)
    # Attempts on busy (503) or unreachable, with exponential backoff from the delay.
    ollama_retries: int = _env("LAB_OLLAMA_RETRIES", 5, ge=1)
    ollama_retry_delay_ms: int = _env("LAB_OLLAMA_RETRY_DELAY_MS", 1000, ge=0)
    embed_batch_size: int = _env("LAB_EMBED_BATCH_SIZE", 32, ge=1)
    embed_batch_chars: int = _env("LAB_EMBED_BATCH_CHARS", 24_000, ge=1000)
    # SecretStr: a printed or logged Settings shows '**********', never the key.
    gemini_api_key: SecretStr = _env("GEMINI_API_KEY", SecretStr(""))
    gemini_model: str = _env("LAB_GEMINI_MODEL", "gemini-2.5-flash")
    gemini_timeout_s: int = _env("LAB_GEMINI_TIMEOUT_S", 120, ge=1)
    gemini_base_url: str = _env("LAB_GEMINI_BASE_URL", "")  # empty: Google's; tests: a double
    prompt_token_budget: int = _env("LAB_PROMPT_TOKENS", 6000, ge=500)
    max_file_mb: int = _env("LAB_MAX_FILE_MB", 50, ge=1)
    chunk_chars: int = _env("LAB_CHUNK_CHARS", 900, ge=200)
    chunk_overlap_chars: int = _env("LAB_CHUNK_OVERLAP_CHARS", 120, ge=0)
    sensor_interval_s: int = _env("LAB_SENSOR_INTERVAL_S", 30, ge=1)
    settle_s: int = _env("LAB_SETTLE_S", 10, ge=0)  # a file this recent may still be written
    night_backfill_cron: str = _env("LAB_NIGHT_BACKFILL_CRON", "0 1 * * *")
    digest_cron_hour: int = _env("LAB_DIGEST_HOUR", 5, ge=0, le=23)
    schedule_timezone: str = _env("LAB_TIMEZONE", "Asia/Seoul")
    pushgateway_url: str = _env("LAB_PUSHGATEWAY_URL", "")  # empty: metrics are not pushed
    # Model candidates to evaluate besides the configured models: "kind=name" entries, kind one
    # of summary, embedding, writer; a writer is "model" or "model@thinking_budget".
    candidates: str = _env("LAB_CANDIDATES", "")
    eval_questions: Path = _env("LAB_EVAL_QUESTIONS", _ROOT / "samples" / "evals" / "questions.tsv")
    eval_sample_docs: int = _env("LAB_EVAL_SAMPLE", 12, ge=1)  # summary_eval's seeded sample
    eval_judge_usd: float = _env("LAB_EVAL_JUDGE_USD", 0.0, ge=0)  # judge's cap; 0: no judge
    prices_file: Path = _env("LAB_PRICES_FILE", _ROOT / "lab_pipelines" / "prices.toml")
    # Where runs execute (placement.py): in-process, or one Kubernetes pod per step.
    profile: str = _env("LAB_PROFILE", LOCAL)
    max_concurrent_steps: int = _env("LAB_MAX_CONCURRENT_STEPS", 2, ge=1)  # step pods per run
    # Node B (inference) and node A (compute): node label, taint, step pod requests and limits.
    inference_node_label: str = _env("LAB_INFERENCE_NODE_LABEL", "lab/role=inference")
    inference_taint_key: str = _env("LAB_INFERENCE_TAINT_KEY", "lab/inference")
    inference_step_cpu: str = _env("LAB_INFERENCE_STEP_CPU", "250m")
    inference_step_memory: str = _env("LAB_INFERENCE_STEP_MEMORY", "768Mi")
    inference_step_cpu_limit: str = _env("LAB_INFERENCE_STEP_CPU_LIMIT", "1")
    inference_step_memory_limit: str = _env("LAB_INFERENCE_STEP_MEMORY_LIMIT", "1536Mi")
    compute_node_label: str = _env("LAB_COMPUTE_NODE_LABEL", "lab/role=compute")
    compute_step_cpu: str = _env("LAB_COMPUTE_STEP_CPU", "500m")
    compute_step_memory: str = _env("LAB_COMPUTE_STEP_MEMORY", "1Gi")
    compute_step_cpu_limit: str = _env("LAB_COMPUTE_STEP_CPU_LIMIT", "2")
    compute_step_memory_limit: str = _env("LAB_COMPUTE_STEP_MEMORY_LIMIT", "3Gi")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment alone (no .env or secrets folder): a third of the cost of a load.
        return (init_settings, env_settings)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, data: Any) -> Any:
        """``LAB_X=`` (or spaces) means "use the default"; other values lose surrounding spaces."""
        if not isinstance(data, dict):
            return data
        return {
            key: value.strip() if isinstance(value, str) else value
            for key, value in data.items()
            if not (isinstance(value, str) and not value.strip())
        }

    @field_validator("backend", "profile", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in BACKENDS:
            raise ValueError(
                "use 'offline' for the embedded backends or 'live' for Ollama + Gemini"
            )
        return value

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        if value not in PROFILES:
            raise ValueError("use 'local' or 'cluster'")
        return value

    @field_validator("inference_node_label", "compute_node_label")
    @classmethod
    def _label(cls, value: str) -> str:
        key, sep, _ = value.partition("=")
        # A label without "=" would select no node and leave the step pods Pending forever.
        if not sep or not key.strip():
            raise ValueError("a node label is 'key=value', e.g. lab/role=inference")
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("use an IANA timezone name, e.g. Asia/Seoul or UTC") from None
        return value

    @field_validator("inbox", "requests", "data", "eval_questions", "prices_file")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.absolute()  # relative to the folder the command started in, once

    @model_validator(mode="after")
    def _overlap_below_half(self) -> Settings:
        if self.chunk_overlap_chars >= self.chunk_chars // 2:
            raise ValueError(
                "LAB_CHUNK_OVERLAP_CHARS must be less than half of LAB_CHUNK_CHARS: lower the "
                f"overlap (now {self.chunk_overlap_chars} of {self.chunk_chars})"
            )
        return self

    @property
    def is_offline(self) -> bool:
        return self.backend == OFFLINE

    @property
    def lancedb_dir(self) -> Path:
        return self.data / "lancedb"

    @property
    def outputs_dir(self) -> Path:
        return self.data / "outputs"


# Setting → environment variable, for the README table and for resources that show in the UI
# which values came from the environment.
ENV_VARS: dict[str, str] = {
    name: str(field.validation_alias) for name, field in Settings.model_fields.items()
}
_FIELD_OF = {env: name for name, env in ENV_VARS.items()}


def default(field: str) -> Any:
    """The documented default of a setting (``default("num_ctx")`` → 8192)."""
    return Settings.model_fields[field].default


def project_root() -> Path:
    return _ROOT


def _problem(error: Any) -> str:
    """One validation error as "VARIABLE=value ...: the fix"."""
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a rule across settings: its message names them
        return message
    name = str(error["loc"][0])
    field = _FIELD_OF[name]
    shown = "***" if field == "gemini_api_key" else repr(error["input"])
    if error["type"] == "value_error":
        return f"{name}={shown}: {message}"
    return f"{name}={shown} {message.removeprefix('Input ')}: set it to e.g. {default(field)}"


def load_settings() -> Settings:
    """Read the settings from the environment; relative paths are taken from the current folder.

    Raises :class:`SettingsError` naming each variable that has an unusable value, and the fix.
    """
    try:
        return Settings()
    except ValidationError as err:
        raise SettingsError("; ".join(_problem(e) for e in err.errors())) from None


def current_settings() -> Settings:
    """The settings of the environment as it is now, validated once for each distinct value of
    the variables the model reads (and of the current folder, which relative paths are taken
    from). The modules that need a setting at import (code versions, placement, schedules) all
    ask here, so a process validates its environment once, and a changed variable is seen."""
    seen = tuple((env, os.environ.get(env)) for env in _FIELD_OF)
    return _validated(os.getcwd(), seen)


@functools.lru_cache(maxsize=8)
def _validated(cwd: str, variables: tuple[tuple[str, str | None], ...]) -> Settings:
    return load_settings()
