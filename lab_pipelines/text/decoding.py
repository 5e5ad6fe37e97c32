"""Bytes → text for ingested documents (Korean and English).

Korean files from older Windows tools are often CP949/EUC-KR without any declaration, so
after the BOM and strict UTF-8 checks we try CP949, but only keep the result when it looks
like Korean text: random bytes decode as CP949 surprisingly often.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

_EMPTY_REASON = "empty file (no text, only whitespace): nothing to ingest; add content or remove it"

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Well-known binary formats that may carry a text suffix by mistake (e.g. a PDF saved as .md).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP/Office file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"\x1f\x8b", "a gzip archive"),
)

# C0 controls that never appear in text files; \t \n \r \f and ESC (colour codes in logs) do.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_CONTROL_CHARS = re.compile("[" + re.escape(_CONTROL_BYTES.decode("ascii")) + "]")
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
# CP949 plausibility is stricter than the binary check: no C0 control at all besides \t\n\r\f.
_CP949_BAD_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


class SkippedDocument(Exception):
    """A file that is not ingested; .reason says why and what to do.

    Example: 'not valid UTF-8, UTF-16 or CP949 text: re-save it as UTF-8'.
    """

    reason: str

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode document bytes; return (text normalised to NFC with LF newlines, encoding used).

    Order: BOM → strict UTF-8 → CP949 (only if the result contains Hangul and no stray
    control characters). Raises SkippedDocument for empty, binary or undecodable data.
    """
    if not data.strip():
        raise SkippedDocument(_EMPTY_REASON)

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise SkippedDocument(
                    f"starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"({exc.reason} at byte {exc.start + len(bom)}): re-save it as UTF-8"
                ) from None
            _reject_binary_text(text)
            return _normalise(text), encoding

    _reject_binary_bytes(data)
    try:
        return _normalise(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError:
        text = ""
    if _HANGUL.search(text) and not _CP949_BAD_CONTROLS.search(text):
        return _normalise(text), "cp949"
    raise SkippedDocument(
        "not valid UTF-8, UTF-16 or CP949 text (invalid byte "
        f"0x{data[utf8_error.start]:02x} at offset {utf8_error.start}): re-save it as UTF-8"
    )


def _reject_binary_bytes(data: bytes) -> None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise SkippedDocument(
                f"binary content ({kind}), not text: give it the right file suffix or remove it"
            )
    if b"\x00" in data:
        raise SkippedDocument(
            "binary content (NUL bytes and no UTF-16/UTF-32 byte-order mark): not a text file; "
            "convert it to UTF-8 text or remove it"
        )
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if _too_many_controls(controls, len(data)):
        raise SkippedDocument(
            f"binary content ({controls} control bytes in {len(data)}): not a text file; "
            "convert it to UTF-8 text or remove it"
        )


def _reject_binary_text(text: str) -> None:
    controls = len(_CONTROL_CHARS.findall(text))
    if "\x00" in text or _too_many_controls(controls, len(text)):
        raise SkippedDocument(
            "binary content (control characters after decoding): not a text file; "
            "convert it to UTF-8 text or remove it"
        )


def _too_many_controls(controls: int, size: int) -> bool:
    # A stray control byte or two happens in real text; 1% of the file does not.
    return controls >= 2 and controls * 100 > size


def _normalise(text: str) -> str:
    if not text.strip():  # str.strip also knows Unicode spaces that bytes.strip does not
        raise SkippedDocument(_EMPTY_REASON)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return unicodedata.normalize("NFC", text)
