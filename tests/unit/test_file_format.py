"""A CSV file's encoding and delimiter, told from real bytes as tools write them."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.errors import UserError
from listbridge.crm.builtin.file_format import (
    HEAD_BYTES,
    FileFormat,
    delimiter_option,
    detect_delimiter,
    detect_format,
    encoding_option,
    read_format,
)

ROWS = [
    ["ID", "Type", "First Name", "Last Name", "Email"],
    ["A1", "individual", "Renée", "Müller", "renee@example.org"],
    ["A2", "organization", "", "", "info@example.org"],
    ["A3", "individual", "François", "Çelik, Jr.", "f@example.org"],
]


def table(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return path


def read_back(path: Path, found: FileFormat) -> list[list[str]]:
    with path.open(encoding=found.encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=found.delimiter))


def test_excel_on_windows_semicolons_in_windows_1252(tmp_path: Path) -> None:
    path = written(tmp_path, table(ROWS, ";").encode("cp1252"))
    assert b"Ren\xe9e;M\xfcller" in path.read_bytes()
    found = read_format(path)
    assert found == FileFormat("cp1252", ";")
    assert found.describe() == "Windows-1252 (detected), semicolon-separated (detected)"
    assert read_back(path, found) == ROWS


def test_unicode_text_is_utf16_with_tabs_and_a_byte_order_mark(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + table(ROWS, "\t").encode("utf-16-le")
    path = written(tmp_path, data)
    found = read_format(path)
    assert found == FileFormat("utf-16", "\t")
    assert found.describe() == "UTF-16 with a byte-order mark (detected), tab-separated (detected)"
    assert read_back(path, found) == ROWS


def test_utf16_without_a_mark_big_or_little(tmp_path: Path) -> None:
    for codec in ("utf-16-le", "utf-16-be"):
        path = written(tmp_path, table(ROWS, "\t").encode(codec))
        assert read_format(path) == FileFormat(codec, "\t")
        assert read_back(path, read_format(path)) == ROWS


def test_utf8_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = written(tmp_path, codecs.BOM_UTF8 + table(ROWS, ",").encode())
    found = read_format(path)
    assert found == FileFormat("utf-8-sig", ",")
    assert read_back(path, found) == ROWS  # the mark is not part of the first header
    # Told utf-8, the mark is still not read as text.
    assert read_format(path, encoding="UTF-8").encoding == "utf-8-sig"


def test_plain_utf8_commas(tmp_path: Path) -> None:
    path = written(tmp_path, table(ROWS, ",").encode())
    found = read_format(path)
    assert found == FileFormat("utf-8", ",")
    assert found.describe() == "UTF-8 (detected), comma-separated (detected)"
    assert read_back(path, found) == ROWS


def test_a_character_cut_by_the_end_of_the_head_is_still_utf8(tmp_path: Path) -> None:
    filler = "x" * (HEAD_BYTES - len("id,name\n1,") - 1)
    path = written(tmp_path, f"id,name\n1,{filler}é\n".encode())  # é's 2 bytes across the cut
    assert read_format(path) == FileFormat("utf-8", ",")


def test_utf8_with_a_stray_byte_stays_utf8_so_the_cell_is_named(tmp_path: Path) -> None:
    good = table(ROWS, ",").encode()
    path = written(tmp_path, good + "B1,individual,Ren\xe9e,X,b@example.org\r\n".encode("cp1252"))
    assert read_format(path) == FileFormat("utf-8", ",")


def test_options_win_and_are_said_to(tmp_path: Path) -> None:
    path = written(tmp_path, table(ROWS, ";").encode("cp1252"))
    found = read_format(path, encoding="latin-1", delimiter="semicolon")
    assert found == FileFormat("latin-1", ";", encoding_given=True, delimiter_given=True)
    assert found.describe() == "Latin-1 (ISO-8859-1) (as given), semicolon-separated (as given)"
    assert read_format(path, delimiter=",").delimiter == ","


def test_a_one_column_file_is_comma_separated() -> None:
    assert detect_format(b"email\na@example.org\n", True) == FileFormat("utf-8", ",")


def test_bytes_no_encoding_reads_are_refused_with_the_option_to_use() -> None:
    head = bytes(range(256)) * 4
    with pytest.raises(UserError, match=re.escape("give --encoding")):
        detect_format(head.replace(b"\x00", b"\x01"), True)


cells = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8)


@given(
    st.sampled_from([",", ";", "\t"]),
    st.lists(
        st.lists(
            st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=6,
    ),
)
@settings(max_examples=200)
def test_the_delimiter_of_a_regular_table_is_found(delimiter: str, rows: list[list[str]]) -> None:
    header = ["id", "first name", "email"]
    assert detect_delimiter(table([header, *rows], delimiter), complete=True) == delimiter


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("comma", ","), ("Semicolon", ";"), ("tab", "\t"), ("\\t", "\t"), ("|", "|"), ("\t", "\t")],
)
def test_delimiter_options(text: str, delimiter: str) -> None:
    assert delimiter_option(text) == delimiter


@pytest.mark.parametrize("text", ["pipe", '"', "", ";;"])
def test_bad_delimiter_options(text: str) -> None:
    with pytest.raises(UserError, match=r"--delimiter .*: give comma, semicolon, tab or one"):
        delimiter_option(text)


def test_encoding_options() -> None:
    assert encoding_option("Windows-1252") == "cp1252"
    assert encoding_option("ISO-8859-1") == "latin-1"
    assert encoding_option("utf_8_sig") == "utf-8-sig"
    with pytest.raises(UserError, match="--encoding 'klingon': not an encoding"):
        encoding_option("klingon")


def test_a_file_refused_for_its_encoding_is_named(tmp_path: Path) -> None:
    path = written(tmp_path, (bytes(range(256)) * 4).replace(b"\x00", b"\x01"))
    with pytest.raises(UserError, match=re.escape(f"{path}: cannot tell the file's encoding")):
        read_format(path)


@pytest.mark.parametrize(
    ("text", "code_page", "detected"),
    [
        # charset-normalizer alone: Baltic DOS (cp775), `Renķe;M³ller`
        ("id;first_name;last_name\r\n1;Renée;Müller\r\n2;Bob;Smith\r\n", "cp1252", "cp1252"),
        ("id;first_name;notes\r\nA1;Tom;gave £5\r\n", "cp1252", "cp1252"),  # not `Ł5`
        ("id;first_name;notes\r\nA1;Tom;it’s “fine” – really…\r\n", "cp1252", "cp1252"),
        ("id;first_name;last_name\r\nA1;José;Peña\r\nA2;Íñigo;Muñoz\r\n", "cp1252", "cp1252"),
        ("id;first_name;last_name\r\nA1;Bjørn;Søreide\r\n", "cp1252", "cp1252"),
        # charset-normalizer alone: Windows-1252, `£ukasz ¯ó³æ`
        ("id;first_name;last_name\r\nA1;Łukasz;Żółć\r\n", "cp1250", "cp1250"),
        ("id;first_name;last_name\r\nA1;Paweł;Wiśniewski\r\n", "cp1250", "cp1250"),
        ("id;first_name;last_name\r\nA1;Ольга;Иванова\r\n", "cp1251", "cp1251"),
        ("id;first_name;last_name\r\nA1;Renée;Müller\r\n", "mac_roman", "mac-roman"),
    ],
)
def test_a_short_file_is_read_in_the_code_page_it_was_exported_in(
    text: str, code_page: str, detected: str
) -> None:
    found = detect_format(text.encode(code_page), True)
    assert found.encoding == detected
    assert text.encode(code_page).decode(found.encoding) == text


def test_short_central_european_text_every_accent_of_which_is_western_is_windows_1252() -> None:
    """The documented limit (docs/crm-files.md): Czech `ř` is the same byte as Danish `ø`,
    and too little text tells the two apart, so the tie goes to what Excel mostly writes."""
    data = "id;first_name;last_name\r\nA1;Jiří;Dvořák\r\n".encode("cp1250")
    assert detect_format(data, True).encoding == "cp1252"
    assert detect_format(data, True, encoding="cp1250").encoding == "cp1250"
