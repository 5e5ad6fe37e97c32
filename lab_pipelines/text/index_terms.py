"""Full-text index terms: what the ``terms`` and ``head`` columns of a vector table hold.

English words are lower-cased, stop words dropped, phrasal verbs joined (back up → backup) and
left to the index's Snowball stemmer. Korean words keep their particles (백업을), so each Hangul
word loses its particle or 하다/되다 ending by rule (백업을 → 백업, 설치하려면 → 설치). The same
function tokenises queries, so both sides always agree. The other variants (bigrams, Kiwi
morphemes) are kept for bench/retrieval_sweep.py, which measured them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lab_pipelines.text.terms import _EN_STOP, _WORD, _stem, terms

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


# Without Kiwi (~2.3 s to load and warm up, twice `import lancedb`), a Korean word loses its
# particle or its 하다/되다 ending by rule: enough for the nouns a question is made of.
_ENDINGS = (
    "하기 하는 하려면 하면 하고 하여 해서 해야 했을 할 한 합니다 하나요 하지 하도록 했다 "
    "된 되는 되지 될 되어 되도록 됩니다 시키기 시키는 적인 적으로 적 "
    "에서는 에서도 에서 에게서 에게 으로는 으로 로는 로 까지 부터 처럼 보다 마다 에는 에도 "
    "에 은 는 이 가 을 를 과 와 의 도 만 이나 나 이란 란 이라는 라는 들"
)
_KO_ENDINGS = tuple(sorted(_ENDINGS.split(), key=len, reverse=True))
_ENDING_SET = frozenset(_KO_ENDINGS)


def korean_stem(word: str, endings: tuple[str, ...] = _KO_ENDINGS) -> str:
    """백업을 → 백업, 설치하려면 → 설치, 퍼시스턴트볼륨과 → 퍼시스턴트볼륨 (up to two cuts)."""
    for _ in range(2):
        for ending in endings:
            if word.endswith(ending) and len(word) - len(ending) >= 2:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


def rule_terms(text: str, endings: tuple[str, ...] = _KO_ENDINGS) -> list[str]:
    """English words for the index's stemmer; Hangul words cut by korean_stem."""
    out = english_words(text)
    out.extend(korean_stem(w, endings) for w in re.findall(r"[가-힣]+", text) if len(w) > 1)
    return out


# Verb endings and the 하다/되다 forms of spoken questions (~해요, ~되나요, ~려면), from Korean
# grammar, cut after the endings above: 거부되네요 → 거부, 고치려니 → 고치.
_VERB_ENDINGS = (
    "하다 하려고 해요 했어요 했는데 한다 할까요 하네요 하죠 하게 하는데 하던 했던 하세요 "
    "되다 되기 되려면 되면 되고 돼서 되어야 돼야 돼요 됐어요 됐다 된다 될까요 되나요 되네요 "
    "되죠 되게 되는데 되던 됐던 "
    "려면 려고 려니 면서 는데 던데 네요 나요 까요 세요 어요 아요 여요 어서 아서 어야 아야 "
    "었다 았다 었는데 았는데 었어요 았어요 고요 지요 죠 면 고 게"
)
_ALL_ENDINGS = tuple(sorted(set(_KO_ENDINGS) | set(_VERB_ENDINGS.split()), key=len, reverse=True))


def rule_verb_terms(text: str) -> list[str]:
    """rule_terms that also cut the spoken verb endings."""
    return rule_terms(text, _ALL_ENDINGS)


def split_compound(word: str, known: frozenset[str]) -> list[str]:
    """``word`` cut into known terms of 2+ syllables, longest first (가상머신 → 가상, 머신);
    [] unless the whole word is covered."""
    if len(word) < 4:
        return []
    for end in range(len(word) - 2, 1, -1):
        head, rest = word[:end], word[end:]
        if head in known:
            if rest in known:
                return [head, rest]
            tail = split_compound(rest, known)
            if tail:
                return [head, *tail]
    return []


def rule_split_terms(text: str) -> list[str]:
    """rule_terms plus the parts of Korean compounds the ko/en term map knows."""
    from lab_pipelines.text.bilingual import korean_terms

    known = korean_terms()
    out = rule_terms(text)
    out.extend(p for w in [t for t in out if _HANGUL.match(t)] for p in split_compound(w, known))
    return out


def particle_free_terms(text: str) -> list[str]:
    """rule_terms without the Hangul runs that are only a particle or an ending (the 에서 of
    "Proxmox에서", the 을 of "kubectl을"): they are glued to a Latin word, not a word."""
    out = english_words(text)
    out.extend(
        korean_stem(w) for w in re.findall(r"[가-힣]+", text) if len(w) > 1 and w not in _ENDING_SET
    )
    return out


def rule_and_morpheme_terms(text: str) -> list[str]:
    """rule_terms plus Kiwi's morphemes: a query analysed by rule_terms alone still matches."""
    out = rule_terms(text)
    if _HANGUL.search(text):
        out.extend(korean_morphemes(text))
    return out


# English words of how a question is put, not of what it asks (NLTK's English stop words less
# those _EN_STOP already drops): a query loses them, the index keeps them. A chatty question
# ("Why should I use DistributedDataParallel in my home server?") otherwise ranks pages by its
# "why", "should" and "my" too (dev2 English MRR@10 0.795 → 0.835, bench/RESULTS.md).
QUESTION_WORDS = frozenset(
    """me my myself ours ourselves yours yourself yourselves he him his himself she her hers
    herself its itself them theirs themselves who whom am being have has had having did doing
    but because until while about against between through during before after above below up
    down out off over under again further once here there where all any both each few more
    most other some such nor only own same too very just don now""".split()  # noqa: SIM905
)


def query_terms(text: str, terms_of: Callable[[str], list[str]] = rule_terms) -> list[str]:
    """``terms_of(text)`` without QUESTION_WORDS: the terms a query searches."""
    return [t for t in terms_of(text) if t not in QUESTION_WORDS]


@lru_cache(maxsize=1 << 16)
def term_key(term: str) -> str:
    """The form two terms are compared in outside the index, which stems them itself: a crude
    suffix cut (backups ~ backup), enough to tell whether a row holds a query's term."""
    return _stem(term)


def path_words(doc_id: str) -> str:
    """A document's path as words: k8s-en/docs/tasks/kubeadm-certs.md → k8s en docs tasks
    kubeadm certs (the "~hash" of an escaped id dropped)."""
    return re.sub(r"[/_.-]+", " ", doc_id.split("~")[0].rsplit(".", 1)[0]).strip()


def head_terms(doc_id: str, head_text: str) -> list[str]:
    """Terms of the boosted ``head`` field: a row's title + heading path, and its document's
    path words, which name a page as its title does (auto_sync, taint-and-toleration, and in
    English for a translated page: k8s-ko/…/taint-and-toleration.md). Dev recall@5 / MRR@10:
    0.985 / 0.895 → 0.985 / 0.900, dev-cross 0.896 / 0.671 → 0.925 / 0.683, dev2 0.893 /
    0.767 → 0.905 / 0.763."""
    return index_terms(f"{head_text}\n{path_words(doc_id)}")


VARIANTS: dict[str, Callable[[str], list[str]]] = {
    "current": bigram_terms,
    "kiwi_bi": morpheme_terms,
    "kiwi": morpheme_only_terms,
    "kiwi_raw": raw_morpheme_terms,
    "kiwi_join": compound_morpheme_terms,
    "kiwi_stop": stop_morpheme_terms,
    "rule": rule_terms,
    "rule_kiwi": rule_and_morpheme_terms,
    "rule_split": rule_split_terms,
    "rule_np": particle_free_terms,
    "rule_verb": rule_verb_terms,
}


# Bumped whenever index_terms or the index's analyser changes: a store indexed with another
# version is re-tokenised (Store.replace_embeddings). v2: Kiwi morphemes instead of Hangul
# words + bigrams; v3: phrasal verbs joined, English stemmed by the index (Snowball); v4:
# Korean words cut by rule (korean_stem) instead of Kiwi; v5: the document's path words in
# the head field (head_terms).
INDEX_TERMS_VERSION = "5"
INDEX_STEMS = True  # the FTS index stems English (text_index_config(stem=INDEX_STEMS))


def index_terms(text: str) -> list[str]:
    """The shipped index terms of ``text``, for documents and queries alike. Dev set (recall@5
    / MRR@10 with the shipped fusion): Hangul words + bigrams 0.956 / 0.871; Kiwi morphemes
    0.971 / 0.882 (the bigrams' partial matches buried answers); + phrasal verbs joined (back
    up → backup) 0.985 / 0.903; Snowball stems instead of the crude suffix stripper 0.985 /
    0.900 (kept: it conflates restore/restoring, install/installation); Korean cut by rule
    instead of Kiwi 0.985 / 0.915 (Kiwi in the index with rule-cut queries: 0.985 / 0.917).
    Kiwi costs ~2.3 s to start, twice `import lancedb`, so a query cannot use it, and a
    Kiwi index gains nothing measurable over the rule-cut one: the rule is shipped."""
    return rule_terms(text)
