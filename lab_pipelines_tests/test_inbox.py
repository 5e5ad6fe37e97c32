import os
import unicodedata

from lab_pipelines.inbox import document_id, scan_inbox


def test_document_ids_are_readable_relative_paths(tmp_path):
    (tmp_path / "ko").mkdir()
    (tmp_path / "ko" / "노드.md").write_text("x")
    (tmp_path / "en.txt").write_text("y")
    assert [f.doc_id for f in scan_inbox(tmp_path)] == ["en.txt", "ko/노드.md"]


def test_nfd_file_names_get_the_nfc_id():
    nfd = unicodedata.normalize("NFD", "ko/백업.md")
    assert document_id(nfd) == "ko/백업.md"


def test_characters_dagster_cannot_carry_are_replaced_uniquely():
    a, b = document_id("a,b.md"), document_id("a|b.md")
    assert "," not in a and "|" not in b
    assert a != b


def test_temporary_hidden_and_linked_files_are_left_out(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "doc.md").write_text("real")
    for name in (".hidden.md", "doc.md.swp", "big.iso.part", "~$draft.docx", "notes.md~"):
        (inbox / name).write_text("temp")
    outside = tmp_path / "secret.md"
    outside.write_text("outside the inbox")
    os.symlink(outside, inbox / "link.md")
    assert [f.relpath for f in scan_inbox(inbox)] == ["doc.md"]
