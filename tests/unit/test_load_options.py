"""`crm load`'s options about a file, checked before the file is opened."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from listbridge.core.errors import UserError
from listbridge.core.header_map import ColumnMap
from listbridge.crm.builtin.load_options import ReadOptions, map_file_contents, read_options

MAP_FILE = """\
# neon.toml
ignore = ["Notes", "Last Gift Date"]

[columns]
"Constituent Number" = "id"
"Level" = "custom.Member Level"
"Mail" = "email"
"""


def test_nothing_given_is_nothing_to_do() -> None:
    assert read_options() == ReadOptions(ColumnMap(), None, None)


def test_a_map_file_with_command_line_maps_ignores_and_format(tmp_path: Path) -> None:
    path = tmp_path / "neon.toml"
    path.write_text(MAP_FILE, encoding="utf-8")
    options = read_options(
        maps=["Mail=email2", "Given=First Name"],
        map_file=path,
        ignored=[" Gift "],
        encoding="Windows-1252",
        delimiter="semicolon",
    )
    assert options == ReadOptions(
        ColumnMap(
            {
                "Constituent Number": "id",
                "Level": "custom.Member Level",
                "Mail": "email2",
                "Given": "first_name",
            },
            frozenset({"Notes", "Last Gift Date", "Gift"}),
        ),
        "cp1252",
        ";",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "--map-file {path}: no such file"),
        ('[columns]\n"A" = ', "--map-file {path}: not valid TOML: "),
        ('[columns]\n"A" = "nickname"\n', "--map-file {path}: [columns] 'A': 'nickname' is not"),
        ("colour = 1\n", "--map-file {path}: unknown key(s) colour; use [columns] and ignore"),
    ],
)
def test_a_bad_map_file_is_named_with_its_problem(
    tmp_path: Path, text: str | None, message: str
) -> None:
    path = tmp_path / "map.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(message.format(path=path))):
        map_file_contents(path)


def test_a_map_file_not_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_bytes('[columns]\n"Prénom" = "first_name"\n'.encode("cp1252"))
    with pytest.raises(UserError, match=re.escape(f"--map-file {path}: not UTF-8 text")):
        map_file_contents(path)


def test_bad_options_are_named_before_any_file_is_read() -> None:
    with pytest.raises(UserError, match=re.escape("--map 'Given': write it as")):
        read_options(maps=["Given"])
    with pytest.raises(UserError, match=re.escape("--encoding 'klingon': not an encoding")):
        read_options(encoding="klingon")
    with pytest.raises(UserError, match=re.escape("--delimiter 'pipe': give comma")):
        read_options(delimiter="pipe")
