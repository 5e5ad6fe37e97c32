"""PDF → plain text from the PDF's own text layer (pypdf); scanned PDFs need OCR first."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from lab_pipelines.text.decoding import _EMPTY_REASON, SkippedDocument

_MIN_CHARACTERS = 20  # below this a "text layer" is only stray labels of a scan or diagram
_FILE_NAME_TITLE = re.compile(r"(?i)(\.(docx?|pdf|pptx?|odt|indd|tex|xlsx?)$|^untitled$)")


def parse_pdf(data: bytes) -> tuple[str, str | None]:
    """(page texts separated by blank lines, metadata title or None)."""
    if not data.strip():
        raise SkippedDocument(_EMPTY_REASON)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkippedDocument(
                "encrypted PDF (needs a password): save an unprotected copy and ingest that"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except SkippedDocument:
        raise
    except Exception as exc:  # pypdf raises many types for broken files, all mean "corrupt"
        raise SkippedDocument(
            f"corrupt PDF: {type(exc).__name__}: {exc}: re-export or re-download the file"
        ) from None
    text = "\n\n".join(_reflow(page.strip()) for page in pages if page.strip())
    if len("".join(text.split())) < _MIN_CHARACTERS:
        raise SkippedDocument(
            f"PDF has no text layer (fewer than {_MIN_CHARACTERS} characters on "
            f"{len(pages)} page(s)), probably scanned images: run OCR first "
            "(e.g. ocrmypdf) and ingest the OCRed PDF"
        )
    title = title.strip() if isinstance(title, str) else None
    return text, title if title and not _FILE_NAME_TITLE.search(title) else None


def _reflow(page: str) -> str:
    # Some generators (Google Docs exports) place every word separately, so pypdf returns
    # one word per line; such a page reads better as one paragraph.
    lines = [line for line in page.split("\n") if line.strip()]
    words = sorted(len(line.split()) for line in lines)
    if len(lines) >= 10 and words[len(words) // 2] <= 1:
        return " ".join(" ".join(lines).split())
    return page
