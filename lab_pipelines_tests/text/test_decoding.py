"""decode_text: bytes of Korean and English documents → NFC text and the encoding used."""

import codecs
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab_pipelines.text.decoding import SkippedDocument, decode_text


def test_plain_utf8_is_returned_as_is():
    text = "백업은 매일 밤 실행된다.\n"
    assert decode_text(text.encode()) == (text, "utf-8")


def test_utf8_byte_order_mark_is_removed():
    text, encoding = decode_text(codecs.BOM_UTF8 + "# 설치 안내\n".encode())
    assert (text, encoding) == ("# 설치 안내\n", "utf-8-sig")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("노드 두 대로 된 홈랩".encode("utf-16"), "utf-16-le"),  # Python writes the BOM
        (codecs.BOM_UTF16_BE + "노드 두 대로 된 홈랩".encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + "노드 두 대로 된 홈랩".encode("utf-32-le"), "utf-32-le"),
    ],
)
def test_utf16_and_utf32_are_recognised_by_their_byte_order_mark(data, encoding):
    assert decode_text(data) == ("노드 두 대로 된 홈랩", encoding)


def test_undeclared_cp949_korean_is_decoded():
    assert decode_text("한국어 문서".encode("cp949")) == ("한국어 문서", "cp949")


def test_euc_kr_is_read_as_cp949_its_superset():
    text, encoding = decode_text("쿠버네티스 설치 안내\r\n두 번째 줄".encode("euc-kr"))
    assert (text, encoding) == ("쿠버네티스 설치 안내\n두 번째 줄", "cp949")


def test_cp949_only_syllables_decode_too():
    # "똠" is one of the syllables CP949 added on top of EUC-KR.
    assert decode_text("똠방각하 이야기".encode("cp949")) == ("똠방각하 이야기", "cp949")


def test_bytes_that_are_neither_utf8_nor_korean_cp949_are_skipped():
    with pytest.raises(SkippedDocument) as skipped:
        decode_text(b"caf\xe9 au lait")  # Latin-1
    assert skipped.value.reason.startswith("not valid UTF-8, UTF-16 or CP949 text")
    assert "re-save it as UTF-8" in skipped.value.reason


def test_cp949_that_decodes_without_any_hangul_is_not_trusted():
    # b"\xa1\xa2" is valid CP949 (a punctuation mark), but nothing says the file is Korean.
    with pytest.raises(SkippedDocument, match="not valid UTF-8"):
        decode_text(b"report \xa1\xa2 final")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"# title\x00\x00\x01 hidden",
        bytes(range(1, 9)) * 20 + b"some text",
    ],
    ids=["png", "nul-bytes", "control-bytes"],
)
def test_binary_data_is_skipped(data):
    with pytest.raises(SkippedDocument) as skipped:
        decode_text(data)
    assert skipped.value.reason.startswith("binary content")


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n ", codecs.BOM_UTF8 + b"\n\n"])
def test_empty_or_whitespace_only_files_are_skipped(data):
    with pytest.raises(SkippedDocument) as skipped:
        decode_text(data)
    assert skipped.value.reason.startswith("empty file")


def test_windows_and_old_mac_newlines_become_lf():
    assert decode_text(b"one\r\ntwo\rthree\n")[0] == "one\ntwo\nthree\n"


def test_decomposed_hangul_is_composed_to_nfc():
    nfd = unicodedata.normalize("NFD", "한국어 문서 café")
    assert len(nfd) > len("한국어 문서 café")
    assert decode_text(nfd.encode())[0] == "한국어 문서 café"


def test_skipped_document_keeps_its_reason():
    error = SkippedDocument("empty file: add content")
    assert error.reason == "empty file: add content"
    assert str(error) == "empty file: add content"


@given(st.binary(max_size=200))
def test_any_bytes_either_decode_or_are_skipped_with_a_reason(data):
    try:
        text, encoding = decode_text(data)
    except SkippedDocument as skipped:
        assert skipped.reason
    else:
        assert text.strip()
        assert encoding
        assert "\r" not in text
        assert unicodedata.is_normalized("NFC", text)


@given(
    st.text(
        st.characters(
            codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"], exclude_characters="\ufeff"
        )
    ).filter(str.strip)
)
def test_any_printable_utf8_text_round_trips_as_nfc(text):
    assert decode_text(text.encode()) == (unicodedata.normalize("NFC", text), "utf-8")
