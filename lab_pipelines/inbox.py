"""The inbox folder: which files are documents, and the stable id of each.

A document id is the file's path under the inbox (POSIX separators, Unicode NFC), so it reads
like the file it names and survives copying the inbox elsewhere. Characters Dagster cannot
carry in a partition key are replaced, with a short hash of the true path to stay unique.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Editors, browsers and copy tools write these while a file is still being produced.
_TEMPORARY = re.compile(
    r"(^\.|^~\$|~$|\.(swp|swo|swx|tmp|temp|part|partial|crdownload|download|lock)$|^#.*#$)",
    re.IGNORECASE,
)
_UNSAFE_KEY = re.compile(r"[,\[\]|\x00-\x1f\x7f]|\.\.\.")


@dataclass(frozen=True)
class InboxFile:
    doc_id: str
    relpath: str  # POSIX, NFC, relative to the inbox
    path: Path
    size: int
    mtime_ns: int


def document_id(relpath: str) -> str:
    """The partition key of the document at ``relpath`` (relative to the inbox)."""
    clean = unicodedata.normalize("NFC", relpath.replace(os.sep, "/")).strip("/")
    safe = _UNSAFE_KEY.sub("_", clean)
    if safe != clean:
        safe += "~" + hashlib.sha256(clean.encode("utf-8")).hexdigest()[:8]
    return safe


def is_temporary(name: str) -> bool:
    return bool(_TEMPORARY.search(name))


def scan_inbox(inbox: Path) -> list[InboxFile]:
    """Every candidate document under ``inbox``, sorted by id.

    Hidden and temporary files are left out, and links are never followed: a link could point
    outside the inbox (or loop), and a document must be a file the inbox really holds.
    """
    root = Path(inbox)
    if not root.is_dir():
        return []
    found: list[InboxFile] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not is_temporary(d))
        for name in files:
            if is_temporary(name):
                continue
            path = Path(folder) / name
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue  # deleted while we walked
            if not path.is_file() or path.is_symlink():
                continue
            relpath = path.relative_to(root).as_posix()
            found.append(
                InboxFile(
                    document_id(relpath),
                    unicodedata.normalize("NFC", relpath),
                    path,
                    stat.st_size,
                    stat.st_mtime_ns,
                )
            )
    found.sort(key=lambda f: f.doc_id)
    return found


def request_files(folder: Path) -> list[InboxFile]:
    """Generation requests: text or Markdown files in the requests folder."""
    return [f for f in scan_inbox(folder) if f.relpath.lower().endswith((".md", ".txt"))]
