"""The models the Ollama double serves, as `ollama show` describes them, and how they differ.

`default_models()` are the lab's two configured models; `candidate_models()` adds the ones an
evaluation compares them with, each with its own speed and a measurably different quality.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

SUMMARY_MODEL = "exaone3.5:7.8b"
EMBEDDING_MODEL = "bge-m3"


@dataclass(frozen=True)
class ModelSpec:
    """What the fake knows about one model. family, parameter_size and quantization_level only
    decorate /api/tags; size is also the resident memory /api/ps reports once it is loaded.

    The rest lets models differ measurably, for evaluations to rank them:
    prompt_tokens_per_s, gen_tokens_per_s, load_seconds: this model's speeds (None: the
        server's); load_seconds is paid (and reported as load_duration) on first use only.
    reads: share of the last user message a completion model takes in (0.5: a "lazy" model
        that drops the document's second half).
    reply_sentences, spread: the reply is that many sentences of what it read, the first ones,
        or (spread) taken evenly from start to end, as a summary covering the whole text.
    embed_reads_tokens: an embedding model that only reads each input's first tokens (a
        weaker embedder: texts that differ later get the same vector).
    """

    capabilities: list[str]
    context_length: int
    embedding_length: int | None = None
    family: str = "llama"
    parameter_size: str = ""
    quantization_level: str = "Q4_K_M"
    size: int = 0
    prompt_tokens_per_s: float | None = None
    gen_tokens_per_s: float | None = None
    load_seconds: float | None = None
    reads: float = 1.0
    reply_sentences: int = 2
    spread: bool = False
    embed_reads_tokens: int | None = None

    def __post_init__(self) -> None:
        if "embedding" in self.capabilities and not self.embedding_length:
            raise ValueError("an embedding model needs embedding_length")


def _embedder(
    family: str, parameter_size: str, size: int, context_length: int, dims: int, **extra: Any
) -> ModelSpec:
    """An F16 embedding model, as `ollama show` describes one."""
    return ModelSpec(
        capabilities=["embedding"],
        context_length=context_length,
        embedding_length=dims,
        family=family,
        parameter_size=parameter_size,
        quantization_level="F16",
        size=size,
        **extra,
    )


def default_models() -> dict[str, ModelSpec]:
    """The home lab's two models, as `ollama show` reports them."""
    return {
        SUMMARY_MODEL: ModelSpec(
            capabilities=["completion"],
            context_length=32768,
            family="exaone",
            parameter_size="7.8B",
            quantization_level="Q4_K_M",
            size=4_779_174_567,
        ),
        EMBEDDING_MODEL: _embedder("bert", "566.70M", 1_157_672_605, 8192, 1024),
    }


def candidate_models() -> dict[str, ModelSpec]:
    """Models for evaluations, with node B's figures (8 cores, Q4, measured orders of
    magnitude): the 7.8B reads everything and covers the document, the 2.4B is three times
    faster but lazy (drops the second half); bge-m3 is slower than nomic-embed-text, which only
    reads the first 24 tokens of a text."""
    base = default_models()
    return {
        SUMMARY_MODEL: replace(
            base[SUMMARY_MODEL],
            prompt_tokens_per_s=60.0,
            gen_tokens_per_s=9.0,
            load_seconds=6.0,
            reply_sentences=4,
            spread=True,
        ),
        "exaone3.5:2.4b": ModelSpec(
            capabilities=["completion"],
            context_length=32768,
            family="exaone",
            parameter_size="2.4B",
            size=1_641_249_021,
            prompt_tokens_per_s=190.0,
            gen_tokens_per_s=28.0,
            load_seconds=2.0,
            reads=0.5,
            reply_sentences=4,
            spread=True,
        ),
        EMBEDDING_MODEL: replace(
            base[EMBEDDING_MODEL], prompt_tokens_per_s=900.0, load_seconds=3.0
        ),
        "nomic-embed-text": _embedder(
            "nomic-bert",
            "137M",
            274_302_450,
            2048,
            768,
            prompt_tokens_per_s=3000.0,
            load_seconds=1.0,
            embed_reads_tokens=24,
        ),
    }
