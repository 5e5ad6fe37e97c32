"""Content fingerprints that key every model call.

A fingerprint covers what determines a model's output (normalised text, model name, prompt
and chunker versions) and nothing else: file paths, mtimes and the inbox location never enter
it, so copying or re-checking out the inbox costs no model calls.
"""

from __future__ import annotations

import hashlib
import unicodedata

# Bump when the parsers' output for the same bytes changes: every document is then re-parsed.
PARSER_VERSION = "parser-2"
# Bump when the chunker's output for the same text changes: every chunk is then re-planned.
CHUNKER_VERSION = "chunker-5"
# Bump when the summary prompts change: every summary is then re-done.
SUMMARY_PROMPT_VERSION = "summary-prompt-2"
# Bump when the answer prompt changes.
ANSWER_PROMPT_VERSION = "answer-prompt-2"

_SEP = "\x1f"  # unit separator: cannot occur in the parts, so joins are unambiguous


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def content_hash(text: str) -> str:
    """SHA-256 of the NFC-normalised text: the identity of a document's content."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def fingerprint(*parts: str) -> str:
    """A short, collision-safe key over several parts (order matters)."""
    digest = hashlib.sha256(_SEP.join(parts).encode("utf-8")).hexdigest()
    return digest[:32]


def summary_key(text_hash: str, model: str, prompt_version: str = SUMMARY_PROMPT_VERSION) -> str:
    return fingerprint("summary", text_hash, model, prompt_version)


def embedding_key(text: str, model: str) -> str:
    """Key of one embedded string: the same text under the same model is embedded once."""
    return fingerprint("embedding", content_hash(text), model)


def chunk_plan_key(text_hash: str, chunker_version: str, max_chars: int, overlap: int) -> str:
    return fingerprint("chunks", text_hash, chunker_version, str(max_chars), str(overlap))
