"""What model work costs, and what it would have cost had Gemini done all of it.

Prices are configuration (``prices.toml``, or the file named by LAB_PRICES_FILE, the
``prices_file`` setting), read on a stated date; local work on the inference node costs nothing
per token.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lab_pipelines.settings import Settings, current_settings, default

DEFAULT_PRICES: Path = default("prices_file")


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens * self.input_per_million + output_tokens * self.output_per_million
        ) / 1e6


@dataclass(frozen=True)
class PriceBook:
    read_on: str
    source: str
    models: dict[str, Price]

    def price(self, model: str) -> Price:
        try:
            return self.models[model]
        except KeyError:
            raise KeyError(
                f'no price for {model!r} in {prices_file()}: add it under [models."{model}"]'
            ) from None


def prices_file(settings: Settings | None = None) -> Path:
    return (settings or current_settings()).prices_file


@lru_cache(maxsize=4)
def _load(path: Path) -> PriceBook:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    models = {name: Price(**values) for name, values in data.get("models", {}).items()}
    return PriceBook(str(data.get("read_on", "unknown")), str(data.get("source", "")), models)


def price_book(settings: Settings | None = None) -> PriceBook:
    """The prices of the configured file (read once per file: the cache keys on its path)."""
    return _load(prices_file(settings))
