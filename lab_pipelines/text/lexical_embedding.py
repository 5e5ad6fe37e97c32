"""A deterministic lexical embedding: the offline stand-in for a neural embedding model.

Signed feature hashing of terms (see :mod:`terms`) and of character trigrams of Latin words, so
"backup" and "back up" still land near each other; log term frequency, L2-normalised.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from lab_pipelines.text.terms import terms

LEXICAL_DIM = 512
LEXICAL_MODEL = "offline-lexical-v1"


def _features(text: str) -> dict[int, float]:
    counts: dict[str, float] = {}
    for term in terms(text):
        counts[term] = counts.get(term, 0.0) + 1.0
        if term[0] < "가" and len(term) > 4:
            padded = f"^{term}$"
            for i in range(len(padded) - 2):
                gram = "#" + padded[i : i + 3]
                counts[gram] = counts.get(gram, 0.0) + 0.3
    features: dict[int, float] = {}
    for term, count in counts.items():
        h = zlib.crc32(term.encode("utf-8"))
        index = h % LEXICAL_DIM
        sign = 1.0 if (h >> 16) & 1 else -1.0
        features[index] = features.get(index, 0.0) + sign * (1.0 + math.log(count))
    return features


def lexical_vector(text: str) -> list[float]:
    """A unit-length vector of LEXICAL_DIM floats."""
    vector = np.zeros(LEXICAL_DIM, dtype=np.float32)
    for index, value in _features(text).items():
        vector[index] = value
    norm = float(np.linalg.norm(vector))
    if norm == 0:
        vector[0], norm = 1.0, 1.0  # text without terms (symbols only): still a unit vector
    vector /= norm
    return vector.tolist()
