"""Write bench/retrieval_dev_cross.tsv: cross-lingual dev questions, for tuning only.

    python bench/dev_cross.py [--corpus ../shared/corpus]

The dev set (retrieval_questions.tsv) has no cross-lingual question, and the blind test set must
never be tuned on, so this makes some from the dev set: each dev question whose answers, or
their translations (the corpus's pairs.tsv, used here as benchmark metadata only, never at
query time), exist in the other language becomes a question whose only answers are those
other-language documents (ids xkoD…/xenD…); retrieval_dev_translated.tsv adds hand-written
translations of dev questions whose documents exist in one language only (xko…/xen…).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from retrieval import load_questions

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(HERE.parent.parent / "shared" / "corpus"))
    args = parser.parse_args()
    corpus = Path(args.corpus)
    lang = {}
    for line in (corpus / "manifest.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        lang[cols[0]] = cols[3]
    pair: dict[str, str] = {}
    for line in (corpus / "pairs.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        ko, en = line.split("\t")[:2]
        pair[ko], pair[en] = en, ko
    lines = (HERE / "retrieval_dev_translated.tsv").read_text(encoding="utf-8").splitlines()
    for q in load_questions(HERE / "retrieval_questions.tsv"):
        other = "en" if q["lang"] == "ko" else "ko"
        found = {a for a in q["answers"] if lang.get(a) == other}
        found |= {pair[a] for a in q["answers"] if a in pair and lang.get(pair[a]) == other}
        if found:
            qid = f"x{q['lang']}D{q['id'][2:]}"
            lines.append(f"{qid}\t{q['lang']}\t{q['question']}\t{' | '.join(sorted(found))}")
    (HERE / "retrieval_dev_cross.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} questions")


if __name__ == "__main__":
    main()
