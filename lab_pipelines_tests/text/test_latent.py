"""The latent space: translated page pairs put Korean and English terms on shared dimensions."""

from collections import Counter

import numpy as np

from lab_pipelines.text.latent import (
    MIN_DIMS,
    train_latent_space,
    training_units,
    twin_of,
)

# (English words, Korean words) of one topic each; a topic's page exists in both languages.
TOPICS = [
    ("backup snapshot", "백업 스냅샷"),
    ("prune orphan", "가지치기 고아"),
    ("quorum fencing", "쿼럼 펜싱"),
    ("silence inhibit", "음소거 억제"),
    ("taint toleration", "테인트 톨러레이션"),
    ("quantize gguf", "양자화 변환"),
    ("tailnet relay", "테일넷 릴레이"),
    ("rollback revision", "롤백 리비전"),
    ("scrape exporter", "수집 익스포터"),
    ("gradient optimizer", "그래디언트 옵티마이저"),
]


def rows(with_twins: bool = True) -> list[tuple[str, list[str]]]:
    """Two rows a page; Korean pages at wiki-ko/, their translations at wiki-en/ (or, without
    twins, at paths that do not pair up)."""
    out = []
    for n, (english, korean) in enumerate(TOPICS):
        en_page = f"wiki-en/topic{n}.md" if with_twins else f"english/topic{n}.md"
        out += [(f"wiki-ko/topic{n}.md", korean.split())] * 2
        out += [(en_page, english.split())] * 2
    return out


def space_of(table: list[tuple[str, list[str]]]):  # noqa: ANN201
    """40 terms, 50 units: 10 dimensions, one a topic."""
    return train_latent_space(training_units(table))


def nearest_english_topic(space, korean_term: str, table: list[tuple[str, list[str]]]) -> str:
    english = [(doc, terms) for doc, terms in table if not doc.startswith("wiki-ko/")]
    vectors = space.fold_in([Counter(terms) for _, terms in english])
    query = space.fold_in([Counter([korean_term])])[0]
    return english[int(np.argmax(vectors @ query))][0]


def test_a_page_and_its_translation_are_twins_by_path():
    known = {"k8s-ko/docs/a.md", "k8s-en/docs/a.md", "site/ko/b.md", "site/en/b.md", "x-en/c.md"}
    assert twin_of("k8s-ko/docs/a.md", known) == "k8s-en/docs/a.md"
    assert twin_of("site/en/b.md", known) == "site/ko/b.md"
    assert twin_of("x-en/c.md", known) is None  # x-ko/c.md was never ingested
    assert twin_of("notes/a.md", known) is None


def test_each_translated_pair_is_one_more_training_unit():
    table = rows()
    assert len(training_units(table)) == len(table) + len(TOPICS)
    assert len(training_units(rows(with_twins=False))) == len(table)


def test_a_korean_term_lands_nearest_the_english_rows_of_its_topic():
    table = rows()
    space = space_of(table)
    for n, (_, korean) in enumerate(TOPICS):
        assert nearest_english_topic(space, korean.split()[0], table) == f"wiki-en/topic{n}.md"


def test_a_handful_of_rows_has_no_latent_space():
    units = [Counter(["backup", "node"]), Counter(["backup", "restore"]), Counter(["node"])]
    assert train_latent_space(units) is None


def test_rows_that_all_hold_the_same_terms_have_no_latent_space():
    # Every term in every row: idf 0 throughout, an all-zero matrix (ARPACK fails on it).
    words = [f"word{n}" for n in range(40)]
    assert train_latent_space([Counter(words)] * 400) is None


def test_fewer_distinct_rows_than_min_dims_give_no_latent_space():
    # 40 terms and 400 rows allow 10 dimensions, but the rows are 4 patterns repeated: rank
    # 4, and the other directions of the SVD would be noise.
    patterns = [[f"t{p}_{j}" for j in range(10)] for p in range(MIN_DIMS // 2)]
    units = [Counter(patterns[i % len(patterns)]) for i in range(400)]
    assert train_latent_space(units) is None
    more = [[f"t{p}_{j}" for j in range(10)] for p in range(MIN_DIMS * 2)]
    space = train_latent_space([Counter(more[i % len(more)]) for i in range(400)])
    assert space is not None and space.fold.shape[1] >= MIN_DIMS
