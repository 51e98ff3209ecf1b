"""The encoding and delimiter of a CSV file, told from its first bytes, unless the user says.

People load what their tools export: Excel writes "CSV" in the machine's code page
(Windows-1252 in western Europe and the Americas) and, where the decimal mark is a comma,
separates values with semicolons; "Unicode text" is UTF-16 with tabs; most CRMs write
UTF-8, often with a byte-order mark. So, over the first `HEAD_BYTES` of the file:

* encoding: a byte-order mark decides; else zero bytes in every other place are UTF-16
  without one; else text that is valid UTF-8, or holds UTF-8 characters beside a stray
  byte, is UTF-8 (the stray byte's cell is refused); else charset-normalizer guesses.
  Short western text is as good Windows-1250 as Windows-1252 to it (é and ü are the same
  bytes in both), so among the code pages it finds equally likely, Windows-1252 is taken;
* delimiter: comma, semicolon or tab, whichever splits the header into two columns or
  more and the rows into as many as the header; ties go to the wider header, then to
  that order.

What was decided, and whether it was detected or given, is said by `FileFormat.describe`.
A value past the first bytes that the encoding cannot read is still named by its row
and column (csvfile.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from listbridge.core.errors import UserError

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

HEAD_BYTES = 64 * 1024
NOT_UTF8 = "unreadable encoding: not UTF-8 (save the file as UTF-8)"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_DELIMITER_WORDS = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: it starts with the UTF-16 LE mark
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark",
    "utf-16": "UTF-16 with a byte-order mark",
    "utf-16-le": "UTF-16 little-endian, no byte-order mark",
    "utf-16-be": "UTF-16 big-endian, no byte-order mark",
    "utf-32": "UTF-32 with a byte-order mark",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
    "iso8859-15": "Latin-9 (ISO-8859-15)",
    "cp1250": "Windows-1250 (central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "mac-roman": "Mac Roman",
}
#: the code pages spreadsheets and CRMs write "CSV" in, as charset-normalizer names them:
#: western Windows and ISO pages, central European and Cyrillic Windows, old Mac Excel's
EXPORT_CODE_PAGES = ("cp1252", "latin_1", "iso8859_15", "cp1250", "cp1251", "mac_roman")
# Signs past ASCII that real text holds (currency, quotes, dashes, spaces, fractions).
_COMMON_SIGNS = frozenset("\u00a0€£¥¢©®°±§¶·•–—‘’‚“”„…«»¡¿×÷½¼¾\u2009\u202f")
_SAMPLE_RECORDS = 50
# A character of two to four bytes in UTF-8; text in a code page all but never has one.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


@dataclass(frozen=True)
class FileFormat:
    encoding: str  # a Python codec name the file is opened with
    delimiter: str
    encoding_given: bool = False
    delimiter_given: bool = False

    def describe(self) -> str:
        """`Windows-1252 (detected), semicolon-separated (detected)`."""
        delimiter = DELIMITERS.get(self.delimiter, repr(self.delimiter))
        return f"{self.described_encoding()}, {delimiter}-separated ({_how(self.delimiter_given)})"

    def described_encoding(self) -> str:
        """`Windows-1252 (detected)`."""
        return f"{_NAMES.get(self.encoding, self.encoding)} ({_how(self.encoding_given)})"

    def unreadable(self) -> str:
        """Why a value holding bytes this encoding cannot read is refused: the encoding
        read with, not "UTF-8" whatever it was (a Windows-1252 file has five such bytes)."""
        if self.encoding in ("utf-8", "utf-8-sig") and not self.encoding_given:
            return NOT_UTF8
        return (
            f"unreadable encoding: bytes that {self.described_encoding()} cannot read; "
            "give the file's encoding with --encoding, or save it as UTF-8"
        )


def _how(given: bool) -> str:
    return "as given" if given else "detected"


def read_format(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> FileFormat:
    """The format of the CSV file at `path` (its first bytes read), options first."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES + 1)
    complete = len(head) <= HEAD_BYTES
    try:
        return detect_format(head[:HEAD_BYTES], complete, encoding=encoding, delimiter=delimiter)
    except UserError as error:
        raise UserError(f"{path}: {error}") from None


def detect_format(
    head: bytes, complete: bool, *, encoding: str | None = None, delimiter: str | None = None
) -> FileFormat:
    """The format of a file starting with `head` (`complete`: the whole file)."""
    chosen = encoding_option(encoding) if encoding else detect_encoding(head, complete)
    if chosen == "utf-8" and head.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"  # --encoding utf-8 for a file with the mark: not read as text
    if delimiter:
        return FileFormat(chosen, delimiter_option(delimiter), bool(encoding), True)
    text = codecs.getincrementaldecoder(chosen)(errors="replace").decode(head, final=complete)
    return FileFormat(chosen, detect_delimiter(text, complete), bool(encoding), False)


def detect_encoding(head: bytes, complete: bool) -> str:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if (utf16 := _utf16_without_bom(head)) is not None:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        # UTF-8 with a stray byte (two files pasted together): read as UTF-8, so the cell
        # with the stray byte is named, rather than every other accent read wrong.
        return "utf-8" if _UTF8_SEQUENCE.search(head) else _guessed(head)
    return "utf-8"


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 of mostly ASCII text has a zero byte in every other place."""
    sample = head[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _guessed(head: bytes) -> str:
    """The code page of text that is not UTF-8, among those exports are written in.

    charset-normalizer alone, over all the code pages it knows, reads a short western file
    as an OEM (DOS) page as readily as the Windows one Excel wrote (`Renée;Müller` in
    Windows-1252 came out as Baltic DOS `Renķe;M³ller`), so it is asked about
    `EXPORT_CODE_PAGES` first, and only when none of them reads the bytes about every
    page. Of the readings it finds plausible, the one with the fewest characters a name
    or an address all but never holds (`³`, `¯`, control characters: Polish `Łukasz` in
    Windows-1250 read as Windows-1252 is `£ukasz ¯ó³æ`) is taken (`_reading`).
    """
    from charset_normalizer import from_bytes  # only a file that is not UTF-8 pays for it

    matches = list(from_bytes(head, cp_isolation=list(EXPORT_CODE_PAGES))) or list(from_bytes(head))
    if not matches:
        raise UserError(
            "cannot tell the file's encoding (it may not be text); save it as UTF-8 "
            "or give --encoding (e.g. --encoding cp1252)"
        )
    return min(map(_reading, matches))[-1]


def _reading(match: CharsetMatch) -> tuple[int, float, int, str]:
    """How a reading ranks (lowest first), and its code page: fewest unlikely characters,
    least chaos, then the code page earliest in `EXPORT_CODE_PAGES` of those that read
    the bytes as this same text (a tie between pages reading different text, such as
    Spanish `Peña` against central European `Peńa`, goes to the western page)."""
    pages = [page for page in EXPORT_CODE_PAGES if page in match.could_be_from_charset]
    rank = EXPORT_CODE_PAGES.index(pages[0]) if pages else len(EXPORT_CODE_PAGES)
    page = pages[0] if pages else match.encoding
    return (_unlikely(str(match)), match.chaos, rank, _codec_name(page))


def _unlikely(text: str) -> int:
    """How many characters of `text` a person's name, address or note all but never holds:
    those past ASCII that are neither letters nor common signs and punctuation."""
    return sum(
        1
        for char in text
        if char > "\x7f" and char not in _COMMON_SIGNS and unicodedata.category(char)[0] != "L"
    )


def _codec_name(name: str) -> str:
    """Python's own name of a codec (`iso8859_15` → `iso8859-15`), Latin-1 as `latin-1`."""
    python_name = codecs.lookup(name).name
    return "latin-1" if python_name == "iso8859-1" else python_name


def detect_delimiter(text: str, complete: bool) -> str:
    """Comma, semicolon or tab: the one whose header is two columns or more and whose
    rows are as wide as the header most often; a one-column file is comma-separated."""
    scores: dict[str, tuple[float, int]] = {}
    for delimiter in DELIMITERS:
        records = _records(text.lstrip("\ufeff"), delimiter, complete)
        if not records or len(records[0]) < 2:
            continue
        width, rows = len(records[0]), records[1:]
        regular = sum(len(row) == width for row in rows) / len(rows) if rows else 1.0
        scores[delimiter] = (regular, width)
    if not scores:
        return ","
    return max(scores, key=scores.__getitem__)  # max keeps the first of a tie


def _records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append(record)
            if len(records) > _SAMPLE_RECORDS:
                break
    except csv.Error:  # a value past the csv module's limit: the records read so far
        pass
    if not complete and len(records) > 1:
        records.pop()  # the last record may be cut off by the end of the head
    return records


def delimiter_option(text: str) -> str:
    """`--delimiter`: comma, semicolon, tab (or `\\t`), or any one character."""
    word = text.strip().lower() if len(text) > 1 else text
    delimiter = _DELIMITER_WORDS.get(word, text)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise UserError(
            f"--delimiter {text!r}: give comma, semicolon, tab or one character (not a quote)"
        )
    return delimiter


def encoding_option(text: str) -> str:
    """`--encoding`: a codec Python knows (utf-8, utf-8-sig, utf-16, cp1252, latin-1, …)."""
    try:
        info = codecs.lookup(text.strip())
    except LookupError:
        raise UserError(
            f"--encoding {text!r}: not an encoding; use e.g. utf-8, utf-16, cp1252, latin-1"
        ) from None
    return "latin-1" if info.name == "iso8859-1" else info.name
