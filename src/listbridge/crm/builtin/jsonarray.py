"""A JSON array read element by element, so an export of any size loads in little memory.

`crm export --format json` writes one array; the standard library parses a
whole document at once, so this walks the array itself and hands each element
to `raw_decode`, keeping only the unread part of the text in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TextIO

from listbridge.core.errors import RowError
from listbridge.core.rows import RawRow

CHUNK = 1 << 16
_DECODER = json.JSONDecoder(parse_float=Decimal)
_NOT_UTF8 = "unreadable encoding: not UTF-8 (save the file as UTF-8)"


class _Text:
    """The unread text of a file, grown a chunk at a time."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.text = ""
        self.pos = 0
        self.eof = False

    def grow(self) -> bool:
        chunk = self.handle.read(CHUNK)
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        self.eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos].isspace():
                self.pos += 1
            if self.pos < len(self.text) or not self.grow():
                return self.text[self.pos : self.pos + 1]

    def value(self) -> Any:
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                if self.grow():
                    continue
                raise
            # A number cut at the end of a chunk decodes too early: read on first.
            if end == len(self.text) and self.grow():
                continue
            self.pos = end
            return value


def iter_json_array(handle: TextIO, source: str) -> Iterator[tuple[int, Any]]:
    """(element number, value) pairs; a RawRow carrying the error where the text goes wrong."""
    text = _Text(handle)
    number = 1
    try:
        if text.peek() != "[":
            yield number, _error(source, number, "not a JSON array of account objects")
            return
        text.pos += 1
        if text.peek() == "]":
            return
        while True:
            text.peek()
            yield number, text.value()
            separator = text.peek()
            text.pos += 1
            if separator == "]":
                return
            if separator != ",":
                yield number + 1, _error(source, number + 1, "expected ',' or ']' after an element")
                return
            number += 1
    except json.JSONDecodeError as error:
        yield number, _error(source, number, f"not valid JSON: {error.msg}")
    except UnicodeDecodeError:
        yield number, _error(source, number, _NOT_UTF8)


def _error(source: str, number: int, reason: str) -> RawRow:
    return RawRow(source, number, {}, (RowError(source, number, "(whole row)", reason),))
