"""Reference-free summary checks: coverage of key terms, invented numbers and names, language."""

from lab_pipelines.evaluation.summary_checks import (
    check_summary,
    invented_mentions,
    inverse_document_frequency,
)
from lab_pipelines.settings import project_root

DOC = (project_root() / "samples" / "inbox" / "ko" / "gpu-memory.txt").read_text()
OTHER = (project_root() / "samples" / "inbox" / "ko" / "backup.md").read_text()
IDF = inverse_document_frequency([DOC, OTHER])


def test_a_summary_of_the_whole_document_covers_more_than_one_of_its_first_half():
    whole = (
        "노드 B의 내장 GPU는 시스템 메모리를 나누어 쓴다. OLLAMA_NUM_PARALLEL 값은 2가 "
        "적당하다. OLLAMA_KEEP_ALIVE 를 길게 잡아 백필 때 모델을 다시 읽지 않는다."
    )
    first_half = "노드 B의 내장 GPU는 시스템 메모리를 나누어 쓴다. 바이오스에서 메모리를 늘린다."
    full, lazy = check_summary(whole, DOC, "ko", IDF), check_summary(first_half, DOC, "ko", IDF)
    assert full.coverage > lazy.coverage
    assert full.invented == 0 and full.language_ok


def test_numbers_and_names_the_document_never_mentions_are_invented():
    mentions, invented = invented_mentions("OLLAMA_NUM_PARALLEL을 4로, Kubernetes 1.29에서", DOC)
    assert (mentions, invented) == (4, 3)  # 4 (not the 4 of "64GB"), Kubernetes, 1.29
    assert invented_mentions("OLLAMA_NUM_PARALLEL 값은 2", DOC) == (2, 0)


def test_a_summary_in_the_wrong_language_scores_zero():
    check = check_summary("The iGPU of node B shares system memory.", DOC, "ko", IDF)
    assert not check.language_ok and check.score == 0.0
