"""Snapshot every corpus document's parse, then compare a later parse against it.

    python bench/parse_snapshot.py save /tmp/parse-before.json
    python bench/parse_snapshot.py compare /tmp/parse-before.json [--examples 5]

A parser change must never lose a document or a visible sentence the snapshot had. The
snapshot holds corpus text, so keep it outside the repository (under /tmp).

A sentence counts as lost when its letters and digits, in order, no longer occur anywhere
in the new text of the same document: a change of punctuation, markup residue, spacing, list
markers or line wrapping is not a loss, but a dropped word is. One kind of residue has words:
a code fence's info string (```shell), which no Markdown renderer shows. A sentence that is
found once the source file's fence languages are taken out of it is counted apart, as
"fence languages dropped", and is not a loss.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

from lab_pipelines.text.parsing import ParsedDocument, parse_documents

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")
_WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" is emphasis markup too
_HEADING = re.compile(r"^#{1,6} .*$", re.M)
_FENCE_INFO = re.compile(r"^[ \t>]*(?:`{3,}|~{3,})[ \t]*\{?([\w+-]+)", re.M)


def parse_corpus(corpus: Path) -> dict[str, dict[str, str]]:
    files = [
        (path.relative_to(corpus).as_posix(), path.read_bytes())
        for path in sorted(p for p in corpus.rglob("*") if p.is_file())
    ]
    out: dict[str, dict[str, str]] = {}
    for (name, _), doc in zip(files, parse_documents(files), strict=True):
        if isinstance(doc, ParsedDocument):
            out[name] = {"status": "ok", "title": doc.title, "format": doc.format, "text": doc.text}
        else:
            out[name] = {"status": "skipped", "reason": doc.reason}
    return out


def letters(text: str) -> str:
    """The text's letters and digits, run together.

    Word boundaries are not compared: removing markup moves them in Korean, where particles
    attach to marked-up words ("`kubectl`을", "[_용어_](#x)는").
    """
    return "".join(_WORD.findall(unicodedata.normalize("NFC", text).lower()))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and _WORD.search(s)]


def missing(text: str, other: str) -> list[str]:
    """Sentences of `text` whose words do not occur, in order, in `other`."""
    haystack = letters(other)
    return [s for s in sentences(text) if letters(s) not in haystack]


def fence_languages(source: Path) -> set[str]:
    if not source.is_file():
        return set()
    text = source.read_bytes().decode("utf-8", "replace")
    return {m.group(1).lower() for m in _FENCE_INFO.finditer(text)}


def without_words(sentence: str, dropped: set[str]) -> str:
    return " ".join(w for w in re.split(r"(\W+)", sentence) if w.lower() not in dropped)


def compare(before: dict, after: dict, examples: int, corpus: Path) -> dict:
    counts = dict.fromkeys(
        [
            "documents before",
            "documents after",
            "documents lost",
            "documents gained",
            "documents identical",
            "documents changed",
            "titles changed",
            "documents with headings changed",
            "visible sentences lost",
            "fence languages dropped",
            "sentences gained",
        ],
        0,
    )
    counts["documents before"] = sum(d["status"] == "ok" for d in before.values())
    counts["documents after"] = sum(d["status"] == "ok" for d in after.values())
    shown: dict[str, list[str]] = {
        "lost": [],
        "fence languages dropped": [],
        "gained": [],
        "headings": [],
        "titles": [],
    }
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name, {}), after.get(name, {})
        if old.get("status") != "ok":
            counts["documents gained"] += new.get("status") == "ok"
            continue
        if new.get("status") != "ok":
            counts["documents lost"] += 1
            shown["lost"].append(f"{name}: the whole document ({new.get('reason', 'absent')})")
            continue
        if old == new:
            counts["documents identical"] += 1
            continue
        counts["documents changed"] += 1
        if old["title"] != new["title"]:
            counts["titles changed"] += 1
            shown["titles"].append(f"{name}: {old['title']!r} -> {new['title']!r}")
        old_headings = _HEADING.findall(old["text"])
        new_headings = _HEADING.findall(new["text"])
        if old_headings != new_headings:
            counts["documents with headings changed"] += 1
            dropped = [h for h in old_headings if h not in new_headings][:2]
            added = [h for h in new_headings if h not in old_headings][:2]
            shown["headings"].append(f"{name}: -{dropped} +{added}")
        lost = missing(old["text"], new["text"])
        gained = missing(new["text"], old["text"])
        if lost:
            languages, haystack = fence_languages(corpus / name), letters(new["text"])
            residue = [s for s in lost if letters(without_words(s, languages)) in haystack]
            lost = [s for s in lost if s not in residue]
            counts["fence languages dropped"] += len(residue)
            shown["fence languages dropped"] += [f"{name}: {_short(s)}" for s in residue]
        counts["visible sentences lost"] += len(lost)
        counts["sentences gained"] += len(gained)
        shown["lost"] += [f"{name}: {_short(s)}" for s in lost]
        shown["gained"] += [f"{name}: {_short(s)}" for s in gained]
    return {"counts": counts, "examples": {k: v[:examples] for k, v in shown.items()}}


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["save", "compare"])
    parser.add_argument("snapshot", type=Path, help="JSON file, outside the repository")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--examples", type=int, default=5, help="examples shown per kind")
    args = parser.parse_args(argv)
    parsed = parse_corpus(args.corpus)
    if args.command == "save":
        args.snapshot.write_text(json.dumps(parsed, ensure_ascii=False), encoding="utf-8")
        ok = sum(d["status"] == "ok" for d in parsed.values())
        print(f"saved {len(parsed)} files ({ok} documents) to {args.snapshot}")
        return 0
    before = json.loads(args.snapshot.read_text(encoding="utf-8"))
    result = compare(before, parsed, args.examples, args.corpus)
    for key, value in result["counts"].items():
        print(f"{key:34} {value}")
    for kind, lines in result["examples"].items():
        if lines:
            print(f"\n{kind}:")
            print("\n".join(f"  {line}" for line in lines))
    lost = result["counts"]["documents lost"] + result["counts"]["visible sentences lost"]
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
