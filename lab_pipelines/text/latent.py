"""Cross-language latent semantic indexing (CL-LSI; Dumais et al., 1997) of the index terms.

A truncated SVD of the term-by-unit matrix, where a unit is one row of a vector table (its
index terms) or one translated page pair (a page and its twin by path, their terms together).
Korean and English terms that translate each other then share latent dimensions, and so do
a question's words and the page's other words for the same thing. Rows and questions are
folded in (log tf x idf weights, times U) and compared by cosine. The search uses it as one
more leg of the fusion for the offline lexical model (bench/RESULTS.md, "Third round": on the
corpus most of its gain is LSA's own; the pairs add MRR@10 0.840 → 0.844 over the dev sets).

Plain numpy; scipy only to train (``train_latent_space``), never on the search path.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# 100 dimensions: dev recall@5 / MRR@10 as with 200 (pooled 0.943 / 0.845 vs 0.947 / 0.847)
# at half the training time (0.9 s vs 2.2 s at 8,758 rows) and half the storage.
LATENT_DIMS = 100
# Fold-in by U alone (S^-0), not the textbook U S^-1: the same dev figures (pooled recall@5
# / MRR@10 at 100 dimensions, weight 0.1: 0.943 / 0.844 for both, 0.943 / 0.844 for S^-0.5),
# without S^-1 amplifying the weakest directions, such as the one that only tells Korean rows
# from English ones.
FOLD_POWER = 0.0
# Bumped whenever training or folding changes: a latent index of another version is rebuilt.
LATENT_VERSION = "2"
# Below this many dimensions (a store of a few pages) there is no latent space worth having.
MIN_DIMS = 8
# Training units beyond this are sampled evenly (the SVD grows with them; folding in does not).
MAX_TRAINING_ROWS = 50_000
_LANGUAGE_SEGMENT = re.compile(r"(^|/|-|_)(ko|en)(?=/)")


@dataclass(frozen=True)
class LatentSpace:
    """terms[i] has inverse document frequency idf[i] and folds into fold[i] (U S^-FOLD_POWER)."""

    terms: tuple[str, ...]
    idf: np.ndarray  # (terms,)
    fold: np.ndarray  # (terms, dims), float32

    def fold_in(self, units: Sequence[Mapping[str, int]]) -> np.ndarray:
        """Unit vectors (units, dims) of term counts; a unit with no known term is all zero."""
        index = {t: i for i, t in enumerate(self.terms)}
        out = np.zeros((len(units), self.fold.shape[1]), dtype=np.float32)
        for row, unit in enumerate(units):
            known = [(index[t], n) for t, n in unit.items() if t in index]
            if known:
                ids = np.fromiter((i for i, _ in known), dtype=np.int64, count=len(known))
                counts = np.fromiter((n for _, n in known), dtype=np.float64, count=len(known))
                out[row] = fold_query(counts, self.idf[ids], self.fold[ids])
        return out


def fold_query(counts: np.ndarray, idf: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """The unit vector of terms with these counts, idf and fold rows (log tf x idf weights)."""
    vector = ((1 + np.log(counts)) * idf) @ fold
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm else vector.astype(np.float32)


def twin_of(doc_id: str, known: Iterable[str]) -> str | None:
    """The page's translation by path, if ``known`` holds it: k8s-ko/… ↔ k8s-en/…, docs/ko/…
    ↔ docs/en/… (the language as a path segment or its suffix)."""
    known = known if isinstance(known, set | frozenset | dict) else set(known)
    match = _LANGUAGE_SEGMENT.search(doc_id)
    if match is None:
        return None
    other = "en" if match.group(2) == "ko" else "ko"
    twin = doc_id[: match.start(2)] + other + doc_id[match.end(2) :]
    return twin if twin in known else None


def training_units(rows: Sequence[tuple[str, Sequence[str]]]) -> list[Counter[str]]:
    """(doc_id, terms) rows → one unit per row, then one per translated page pair."""
    units = [Counter(terms) for _, terms in rows]
    by_doc: dict[str, list[int]] = {}
    for i, (doc_id, _) in enumerate(rows):
        by_doc.setdefault(doc_id, []).append(i)
    pairs = sorted({tuple(sorted((d, t))) for d in by_doc if (t := twin_of(d, by_doc))})
    for pair in pairs:
        unit: Counter[str] = Counter()
        for doc_id in pair:
            for i in by_doc[doc_id]:
                unit.update(units[i])
        units.append(unit)
    return units


def train_latent_space(  # noqa: ANN201
    units: Sequence[Mapping[str, int]], dims: int = LATENT_DIMS, power: float = FOLD_POWER
):
    """The LatentSpace of ``units`` (terms seen in two or more; fold = U S^-power), or None
    when too few units, terms or independent directions give fewer than MIN_DIMS
    dimensions."""
    from scipy.sparse import csc_matrix
    from scipy.sparse.linalg import svds

    if len(units) > MAX_TRAINING_ROWS:
        step = len(units) / MAX_TRAINING_ROWS
        units = [units[int(i * step)] for i in range(MAX_TRAINING_ROWS)]
    df: Counter[str] = Counter(t for unit in units for t in unit)
    terms = tuple(sorted(t for t, n in df.items() if n >= 2))
    # A quarter of the matrix's smaller side at most: the truncation is what merges terms that
    # occur together (100 of ~20,000 terms at 579 documents); near full rank nothing merges.
    dims = min(dims, min(len(terms), len(units)) // 4)
    if dims < MIN_DIMS:
        return None
    index = {t: i for i, t in enumerate(terms)}
    idf = np.array([math.log(len(units) / df[t]) for t in terms])
    # Three flat int/float lists, not a tuple per cell: ~10 million cells at 100,000 rows.
    term_ids: list[int] = []
    unit_ids: list[int] = []
    counts: list[int] = []
    for column, unit in enumerate(units):
        for t, n in unit.items():
            i = index.get(t)
            if i is not None:
                term_ids.append(i)
                unit_ids.append(column)
                counts.append(n)
    rows, columns = np.array(term_ids, dtype=np.int64), np.array(unit_ids, dtype=np.int64)
    values = (1 + np.log(np.array(counts, dtype=np.float64))) * idf[rows]
    # Every term in every unit (idf 0 throughout) leaves nothing to factor: ARPACK fails on
    # an all-zero matrix rather than returning zeros.
    if not np.any(values):
        return None
    matrix = csc_matrix((values, (rows, columns)), shape=(len(terms), len(units)))
    u, s, _ = svds(matrix, k=dims, random_state=0)
    keep = s > 1e-9  # a rank-deficient matrix has zero singular values: no direction there
    if keep.sum() < MIN_DIMS:
        return None
    return LatentSpace(terms, idf, (u[:, keep] * s[keep] ** -power).astype(np.float32))
