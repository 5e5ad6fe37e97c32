"""The code location's resources, built from :mod:`lab_pipelines.settings`.

Each resource field is a setting: it takes its default, and the environment variable its UI
description names, from :class:`~lab_pipelines.settings.Settings`. A value the environment set
is passed as ``EnvVar`` so the UI shows where it came from and the run process reads it again;
anything unset takes the documented default. The backends themselves are built by the plain
:class:`~lab_pipelines.models.candidates.CandidateFactory`, from the resources' values.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo

from lab_pipelines.models.base import Embedder, Summarizer, Writer
from lab_pipelines.models.candidates import CandidateFactory
from lab_pipelines.settings import ENV_VARS, Settings, current_settings, default
from lab_pipelines.store import Store


def setting(name: str, required: bool = False) -> Any:
    """A resource field holding the setting ``name``: its default (unless ``required``) and
    its variable come from :class:`Settings`."""
    value = default(name)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()  # the default: empty
    return Field(
        default=... if required else (str(value) if isinstance(value, Path) else value),
        description=f"Setting {ENV_VARS[name]} (lab_pipelines/settings.py)",
        json_schema_extra={"setting": name},
    )


def _setting_of(field: FieldInfo) -> str | None:
    extra = field.json_schema_extra
    return str(extra["setting"]) if isinstance(extra, dict) and "setting" in extra else None


class SettingsResource(dg.ConfigurableResource):
    """A resource whose fields are settings (see :func:`setting`)."""

    def as_settings(self, base: Settings | None = None) -> Settings:
        """``base`` (default: the documented defaults) with this resource's values."""
        update = {}
        for name, field in type(self).model_fields.items():
            key = _setting_of(field)
            if key is not None:
                kind = type(default(key))
                value = getattr(self, name)
                update[key] = kind(value) if issubclass(kind, Path | SecretStr) else value
        return (base or Settings.model_construct()).model_copy(update=update)


class InboxResource(SettingsResource):
    """Where documents and generation requests arrive, and how documents are cut into chunks."""

    inbox_dir: str = setting("inbox", required=True)
    requests_dir: str = setting("requests", required=True)
    max_file_mb: int = setting("max_file_mb")
    chunk_chars: int = setting("chunk_chars")
    chunk_overlap_chars: int = setting("chunk_overlap_chars")
    settle_s: int = setting("settle_s")  # a file modified this recently may still be written


class StoreResource(SettingsResource):
    """The LanceDB folder that holds every table of the pipeline."""

    data_dir: str = setting("data", required=True)

    def open(self) -> Store:
        return Store(os.path.join(self.data_dir, "lancedb"))

    @property
    def outputs_dir(self) -> Path:
        """Where generated outputs are written as Markdown files, beside the LanceDB folder."""
        return Path(self.data_dir) / "outputs"


class LocalModelsResource(SettingsResource):
    """Summaries and embeddings: Ollama on the inference node, or the offline stand-ins."""

    backend: str = setting("backend")
    ollama_host: str = setting("ollama_host")
    summary_model: str = setting("summary_model")
    embedding_model: str = setting("embedding_model")
    num_ctx: int = setting("num_ctx")
    timeout_s: int = setting("ollama_timeout_s")
    parallel: int = setting("ollama_parallel")
    retries: int = setting("ollama_retries")
    retry_delay_ms: int = setting("ollama_retry_delay_ms")
    embed_batch_size: int = setting("embed_batch_size")
    embed_batch_chars: int = setting("embed_batch_chars")

    def backends(self) -> CandidateFactory:
        return CandidateFactory(self.as_settings())

    def summary_model_name(self) -> str:
        """The model summaries are keyed on, without asking the server."""
        return self.backends().summary_model()

    def embedding_model_name(self) -> str:
        return self.backends().embedding_model()

    def reachable(self) -> bool:
        """Whether Ollama answers at all (a cheap GET, for the inference_up metric)."""
        try:
            with urllib.request.urlopen(f"{self.ollama_host.rstrip('/')}/api/version", timeout=3):
                return True
        except OSError:
            return False

    def summarizer(self) -> Summarizer:
        build = self.backends()
        return build.summarizer(build.summary_model())

    def embedder(self) -> Embedder:
        build = self.backends()
        return build.embedder(build.embedding_model())


class TextWriterResource(SettingsResource):
    """Final text: Gemini, or the offline extractive writer."""

    backend: str = setting("backend")
    # Empty offline; live, an EnvVar: the key's value never enters run config, the UI or storage.
    gemini_api_key: str = setting("gemini_api_key")
    gemini_model: str = setting("gemini_model")
    timeout_s: int = setting("gemini_timeout_s")
    base_url: str = setting("gemini_base_url")
    prompt_token_budget: int = setting("prompt_token_budget")

    def writer(self) -> Writer:
        build = CandidateFactory(self.as_settings())
        return build.writer(build.writer_model())


class TelemetryResource(SettingsResource):
    """Where step figures go: the usage ledger (always) and a Pushgateway (when configured)."""

    pushgateway_url: str = setting("pushgateway_url")
    timezone: str = setting("schedule_timezone")
    # Prices the all-Gemini equivalent of local work.
    reference_model: str = setting("gemini_model")


def backend_factory(
    local_models: LocalModelsResource, text_writer: TextWriterResource
) -> CandidateFactory:
    """The factory of both model resources' values: Ollama's from one, Gemini's from the other."""
    return CandidateFactory(text_writer.as_settings(local_models.as_settings()))


def _config_value(settings: Settings, name: str, as_env_vars: bool) -> Any:
    """``EnvVar`` where the environment set exactly this value; the value itself otherwise
    (a default, one the settings normalised: a relative path made absolute, 'LIVE', or a
    float, which Dagster's ``EnvVar`` cannot type)."""
    value = getattr(settings, name)
    variable = ENV_VARS[name]
    raw = os.environ.get(variable, "").strip()
    if as_env_vars and raw and raw == str(value) and not isinstance(value, float):
        return dg.EnvVar.int(variable) if isinstance(value, int) else dg.EnvVar(variable)
    return value if isinstance(value, int | float) else str(value)


def resource_from_settings(
    cls: type[SettingsResource], settings: Settings, as_env_vars: bool = True, **fixed: Any
) -> SettingsResource:
    """``cls`` with each of its setting fields from ``settings``, and ``fixed`` as given."""
    values = {
        name: _config_value(settings, key, as_env_vars)
        for name, field in cls.model_fields.items()
        if (key := _setting_of(field)) is not None and name not in fixed
    }
    return cls(**values, **fixed)


def build_resources(
    settings: Settings, as_env_vars: bool = True
) -> dict[str, dg.ConfigurableResource]:
    """The resources for ``settings``; ``as_env_vars=False`` gives plain values, for callers
    outside a Dagster run (the command line), where nothing would resolve an ``EnvVar``."""
    api_key: Any = ""
    if not settings.is_offline:
        # An EnvVar inside Dagster: the key's value never enters run config, the UI or storage.
        api_key = (
            dg.EnvVar("GEMINI_API_KEY")
            if as_env_vars
            else settings.gemini_api_key.get_secret_value()
        )

    def build(cls: type[SettingsResource], **fixed: Any) -> SettingsResource:
        return resource_from_settings(cls, settings, as_env_vars, **fixed)

    return {
        "inbox": build(InboxResource),
        "store": build(StoreResource),
        "local_models": build(LocalModelsResource),
        "text_writer": build(TextWriterResource, gemini_api_key=api_key),
        "telemetry": build(TelemetryResource),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(current_settings()))
