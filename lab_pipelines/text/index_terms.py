"""Full-text index terms: what the ``terms`` and ``head`` columns of a vector table hold.

English words are lower-cased, stop words dropped and crudely stemmed (lab_pipelines.text.terms).
Korean words keep their particles (백업을), so each Hangul word is indexed as its Kiwi
morphemes (백업 + 을 → 백업) where Kiwi is installed, plus its syllable bigrams, which still
match compounds Kiwi keeps whole (퍼시스턴트볼륨클레임 ~ 볼륨). The same function tokenises
queries, so both sides always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lab_pipelines.text.terms import _EN_STOP, _WORD, terms

# Kiwi tags kept as index terms: nouns, roots, verb and adjective stems, foreign words and
# numbers (particles, endings and punctuation carry no topic).
_KEPT_TAGS = ("NNG", "NNP", "NNB", "NR", "XR", "VV", "VA", "SL", "SH", "SN")
_HANGUL_RUN = re.compile(r"[가-힣][가-힣\s]*")
_HANGUL = re.compile(r"[가-힣]")


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    """Kiwi, loaded once per process (~1.2 s, ~200 MB), only when Hangul is first indexed."""
    from kiwipiepy import Kiwi

    return Kiwi()


@lru_cache(maxsize=4096)
def _korean_morphemes(run: str) -> tuple[str, ...]:
    out = []
    for token in _kiwi().tokenize(run):
        tag = token.tag.split("-")[0]
        if tag in _KEPT_TAGS and _HANGUL.match(token.form) and len(token.form) > 1:
            out.append(token.form)
    return tuple(out)


# Morphemes of how questions are asked, not of what they ask (방법 "how to", 어떻 "how").
# Tried, dropped (dev MRR@10 0.900 → 0.890): kept as a sweep variant (kiwi_stop).
_KO_STOP = frozenset(
    ["방법", "무엇", "어떻", "어떠", "위하", "통하", "대하", "경우", "사용", "때문"]
    + ["다음", "가지", "이용", "관련", "설명", "알려주", "궁금", "필요"]
)


def korean_content(text: str) -> list[str]:
    """korean_morphemes without the question-asking ones."""
    return [m for m in korean_morphemes(text) if m not in _KO_STOP]


def stop_morpheme_terms(text: str) -> list[str]:
    out = english_words(text)
    if _HANGUL.search(text):
        out.extend(korean_content(text))
    return out


def korean_morphemes(text: str) -> list[str]:
    """Content morphemes of the Hangul runs of ``text`` (stems of 2+ syllables)."""
    out: list[str] = []
    for match in _HANGUL_RUN.finditer(text):
        out.extend(_korean_morphemes(match.group().strip()))
    return out


def bigram_terms(text: str) -> list[str]:
    """The shared term function: English stems, Hangul words and their bigrams."""
    return terms(text)


def morpheme_terms(text: str) -> list[str]:
    """bigram_terms plus Kiwi's content morphemes of the Korean text."""
    out = terms(text)
    if _HANGUL.search(text):
        out.extend(korean_morphemes(text))
    return out


def morpheme_only_terms(text: str) -> list[str]:
    """English as bigram_terms; Korean as Kiwi morphemes only (no words, no bigrams)."""
    out = [t for t in terms(text) if not _HANGUL.match(t)]
    if _HANGUL.search(text):
        out.extend(korean_morphemes(text))
    return out


# Phrasal verbs written as one word in the docs' nouns: "back up" a VM, read "backup".
_COMPOUNDS = re.compile(
    r"\b(back|set|roll|clean|shut|log|sign|start|look|check|write|read|spin|scale|tear)"
    r"(?:s|ed|ing|ped|ping|ked|king|ten)?\s+(up|down|back|in|out|off|over)\b",
    re.IGNORECASE,
)


def join_compounds(text: str) -> str:
    """'backed up' → 'backup', 'rolling back' → 'rollback', 'scale out' → 'scaleout'."""
    return _COMPOUNDS.sub(lambda m: m.group(1).lower() + m.group(2).lower(), text)


def english_words(text: str) -> list[str]:
    """Lower-cased English words (and numbers) without stop words, not stemmed: the index's
    own Snowball stemmer does that (stem=True in text_index_config)."""
    return [
        w
        for w in _WORD.findall(join_compounds(text).lower())
        if w[0] < "가" and w not in _EN_STOP and (len(w) > 1 or w.isdigit())
    ]


def raw_morpheme_terms(text: str) -> list[str]:
    """English words for the index's stemmer; Korean as Kiwi content morphemes."""
    out = english_words(text)
    if _HANGUL.search(text):
        out.extend(korean_morphemes(text))
    return out


def compound_morpheme_terms(text: str) -> list[str]:
    """morpheme_only_terms over text whose phrasal verbs are joined (back up → backup)."""
    return morpheme_only_terms(join_compounds(text))


VARIANTS: dict[str, Callable[[str], list[str]]] = {
    "current": bigram_terms,
    "kiwi_bi": morpheme_terms,
    "kiwi": morpheme_only_terms,
    "kiwi_raw": raw_morpheme_terms,
    "kiwi_join": compound_morpheme_terms,
    "kiwi_stop": stop_morpheme_terms,
}


# Bumped whenever index_terms or the index's analyser changes: a store indexed with another
# version is re-tokenised (LabStore.replace_embeddings). v2: Kiwi morphemes instead of Hangul
# words + bigrams; v3: phrasal verbs joined, English stemmed by the index (Snowball).
INDEX_TERMS_VERSION = "3"
INDEX_STEMS = True  # the FTS index stems English (text_index_config(stem=INDEX_STEMS))


def index_terms(text: str) -> list[str]:
    """The shipped index terms of ``text``. Dev set, against Hangul words + bigrams: recall@5
    0.956 → 0.971, MRR@10 0.871 → 0.882 (the bigrams' partial matches buried cross-lingual
    answers); joining phrasal verbs (back up → backup) 0.971 → 0.985; Snowball stems instead
    of the crude suffix stripper: no change on dev (0.985 / 0.900 vs 0.903), kept because it
    conflates restore/restoring and install/installation, which the crude one does not."""
    return raw_morpheme_terms(text)
