"""Text helpers of the model doubles: the token count, cuts by tokens, replies, vectors.

Public: FakeOllama, FakeGemini, the benchmarks and tests use them (``ollama_server`` re-exports
them under their old names).
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib


def count_tokens(text: str) -> int:
    """Approximate token count of `text`: ceil(ascii_chars / 4 + other_chars / 1.5).

    Stands in for a Llama-style BPE on English and Korean prose: about four ASCII
    characters per token, and about 1.5 Hangul (or other non-ASCII) characters per
    token. Deterministic and cheap; it is not any real tokenizer.
    """
    ascii_chars = len(text.encode("ascii", "ignore"))  # C speed: the benchmarks count a lot
    return _tokens_from(ascii_chars, len(text) - ascii_chars)


def _tokens_from(ascii_chars: int, other: int) -> int:
    # Integer form of ceil(a/4 + n/1.5) == ceil((3a + 8n) / 12): no float rounding.
    return (3 * ascii_chars + 8 * other + 11) // 12


def head_tokens(text: str, budget: int) -> str:
    """Longest prefix of `text` whose count_tokens() is <= budget."""
    if count_tokens(text) <= budget:  # the common case, without the per-character walk
        return text
    a = n = 0
    for i, ch in enumerate(text):
        if ch < "\x80":
            a += 1
        else:
            n += 1
        if _tokens_from(a, n) > budget:
            return text[:i]
    return text


def tail_tokens(text: str, budget: int) -> str:
    """Longest suffix of `text` whose count_tokens() is <= budget."""
    return head_tokens(text[::-1], budget)[::-1]


_FENCE_LINE = re.compile(r"^\s*(```.*|</?document(\s[^>]*)?>)\s*$")
SENTENCE_END = re.compile(r"(?<=\.)[ \t]+|\n+")


def strip_fences(text: str) -> str:
    """Drop lines that are only markup around a document: ``` fences and <document> tags."""
    return "\n".join(line for line in text.splitlines() if not _FENCE_LINE.match(line))


def first_sentences(text: str, count: int = 2, max_chars: int = 300) -> str:
    """The first `count` sentences of `text`, joined by a space, cut at `max_chars`.

    Sentences end at ". " (which covers Korean "다. " and "요. ") or at a line break.
    """
    sentences = [s.strip() for s in SENTENCE_END.split(text)]
    return " ".join([s for s in sentences if s][:count])[:max_chars]


def _feature(vec: list[float], feature: str, weight: float) -> None:
    h = zlib.crc32(feature.encode("utf-8"))
    # Low bits pick the bucket, the top bit the sign: a signed hashing trick.
    vec[h % len(vec)] += weight if h >> 31 else -weight


def embed_text(text: str, dims: int) -> list[float]:
    """Deterministic unit vector from hashed words and character trigrams.

    Texts that share words or spellings share buckets, so similar texts get similar
    vectors (cosine), which is enough to exercise retrieval code. Empty text maps to
    the first basis vector rather than to zeros, which would not normalise.
    """
    vec = [0.0] * dims
    lowered = " ".join(text.lower().split())
    for word in re.findall(r"\w+", lowered):
        _feature(vec, "w:" + word, 2.0)
    padded = f" {lowered} "
    for i in range(len(padded) - 2):
        _feature(vec, "t:" + padded[i : i + 3], 1.0)
    norm = math.sqrt(sum(x * x for x in vec))
    if norm == 0.0:
        vec[0] = 1.0
        return vec
    return [x / norm for x in vec]


def hash_vector(text: str, dims: int) -> list[float]:
    """Deterministic unit vector seeded by a hash of the whole text: no similarity at all.

    For benchmarks, where embed_text's ~1 ms of Python per text would compete with the
    pipeline for the CPU and retrieval quality is measured elsewhere.
    """
    import numpy as np  # only here: the tests' doubles need nothing beyond the stdlib

    seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")
    vec = np.random.default_rng(seed).standard_normal(dims)
    vec /= np.linalg.norm(vec)
    return np.round(vec, 6).tolist()
