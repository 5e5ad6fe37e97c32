"""Synthetic documents and chunk texts for the benchmarks (no corpus text is copied).

Words are made up: Latin pseudo-words from random syllables and Korean pseudo-words from random
Hangul syllables with real particles attached (을/를/은/는/이/가/에서), drawn with a Zipf
distribution so that full-text posting lists have realistic skew. Documents are Markdown with
headings and paragraphs, ~45 % Korean like the corpus, and take their sizes from a list of real
file sizes (the corpus's size distribution), so chunk and summary counts follow it too.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

_LATIN_ONSETS = list("bcdfghklmnprstvwz") + [
    "br",
    "cl",
    "dr",
    "fl",
    "gr",
    "kr",
    "pl",
    "pr",
    "st",
    "tr",
]
_LATIN_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
_PARTICLES = ["을", "를", "은", "는", "이", "가", "에서", "으로", "의", "와", ""]


def _hangul(rng: random.Random) -> str:
    return chr(0xAC00 + rng.randrange(11172))


class Vocabulary:
    def __init__(self, seed: int = 7, size: int = 20_000) -> None:
        rng = random.Random(seed)
        self.latin = [
            "".join(
                rng.choice(_LATIN_ONSETS) + rng.choice(_LATIN_VOWELS)
                for _ in range(rng.choice((1, 2, 2, 3)))
            )
            for _ in range(size)
        ]
        self.korean = [
            "".join(_hangul(rng) for _ in range(rng.choice((2, 2, 3, 4)))) for _ in range(size)
        ]
        # Zipf-like weights: the k-th word is 1/k as likely as the first.
        self.cum_weights = list(itertools.accumulate(1.0 / (k + 1) for k in range(size)))

    def sentence(self, rng: random.Random, korean: bool, words: int) -> str:
        pool = self.korean if korean else self.latin
        picked = rng.choices(pool, cum_weights=self.cum_weights, k=words)
        if korean:
            body = " ".join(w + rng.choice(_PARTICLES) for w in picked[:-1])
            return f"{body} {picked[-1]}합니다."
        text = " ".join(picked)
        return text[0].upper() + text[1:] + "."


def document(vocab: Vocabulary, rng: random.Random, n_chars: int, korean: bool) -> str:
    """A Markdown document of about ``n_chars`` characters."""
    parts = [f"# {vocab.sentence(rng, korean, 3).rstrip('.')}", ""]
    size = len(parts[0])
    while size < n_chars:
        if rng.random() < 0.15:
            heading = f"## {vocab.sentence(rng, korean, rng.randint(2, 4)).rstrip('.')}"
            parts += [heading, ""]
            size += len(heading) + 2
        paragraph = " ".join(
            vocab.sentence(rng, korean, rng.randint(6, 16)) for _ in range(rng.randint(2, 6))
        )
        parts += [paragraph, ""]
        size += len(paragraph) + 2
    return "\n".join(parts)


def write_corpus(folder: Path, sizes: list[int], count: int, seed: int = 11) -> int:
    """Write ``count`` documents whose sizes are drawn from ``sizes`` (bytes); returns bytes."""
    rng = random.Random(seed)
    vocab = Vocabulary()
    total = 0
    for i in range(count):
        korean = rng.random() < 0.45
        # Korean text is ~3 bytes a character, Latin 1: aim at the drawn size in bytes.
        n_bytes = rng.choice(sizes)
        text = document(vocab, rng, max(200, n_bytes // (2 if korean else 1)), korean)
        path = folder / f"syn-{i // 200:02d}" / f"doc-{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


def chunk_texts(count: int, seed: int = 5, chars: int = 800) -> list[str]:
    """``count`` chunk-sized texts (for the retrieval speed sweep)."""
    rng = random.Random(seed)
    vocab = Vocabulary()
    out = []
    for _ in range(count):
        korean = rng.random() < 0.45
        parts: list[str] = []
        size = 0
        while size < chars // (2 if korean else 1):
            sentence = vocab.sentence(rng, korean, rng.randint(6, 14))
            parts.append(sentence)
            size += len(sentence) + 1
        out.append(" ".join(parts))
    return out
