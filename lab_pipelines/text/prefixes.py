"""Per-model text prefixes: what an embedding model expects before a query or a document.

e5 models were trained on "query: " / "passage: " pairs and nomic-embed-text on
"search_query: " / "search_document: "; without them their retrieval quality drops (the model
cards' own warning). bge-m3 and the offline lexical embedding take the text as is. The prefix
is part of what is embedded, so it is part of the embedding key: switching to a prefixed model
embeds everything again instead of reusing vectors of unprefixed text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmbeddingPrefixes:
    query: str = ""
    document: str = ""


# Matched against the model name without its ":tag" and "namespace/", by prefix, longest first.
_PREFIXES: dict[str, EmbeddingPrefixes] = {
    "multilingual-e5": EmbeddingPrefixes("query: ", "passage: "),
    "e5": EmbeddingPrefixes("query: ", "passage: "),
    "nomic-embed-text": EmbeddingPrefixes("search_query: ", "search_document: "),
    "nomic-embed": EmbeddingPrefixes("search_query: ", "search_document: "),
    "bge-m3": EmbeddingPrefixes(),
}
_NONE = EmbeddingPrefixes()


def prefixes_for(model: str) -> EmbeddingPrefixes:
    """The prefixes of ``model`` ("nomic-embed-text:v1.5", "jeffh/intfloat-multilingual-e5")."""
    base = model.split(":", 1)[0].rsplit("/", 1)[-1].lower()
    base = base.removeprefix("intfloat-")
    for name in sorted(_PREFIXES, key=len, reverse=True):
        if base.startswith(name):
            return _PREFIXES[name]
    return _NONE


def query_text(model: str, text: str) -> str:
    return prefixes_for(model).query + text


def document_text(model: str, text: str) -> str:
    return prefixes_for(model).document + text
