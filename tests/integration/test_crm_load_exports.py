"""Issue 21: `crm load` takes files as CRMs and spreadsheets export them.

Each export below is loaded as written (headers, delimiter, encoding, yes/no and date
forms of its tool) and read back with `crm export --format json`; a dry run shows what
would be stored and writes nothing; a header that means nothing is still refused whole,
now with the closest column.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.integration.test_crm_bad_input import dump

from listbridge.store.db import Store


def exported(cli) -> dict[str, dict[str, object]]:
    done = cli("crm", "export", "--format", "json")
    assert done.exit_code == 0, done.output
    return {account["id"]: account for account in json.loads(done.stdout)}


def loads(cli, path: Path, *options: str) -> str:
    done = cli("crm", "load", str(path), *options)
    assert done.exit_code == 0, done.output
    assert "Traceback" not in done.stderr
    return " ".join(done.stderr.split())


def subset(account: dict[str, object], expected: dict[str, object]) -> dict[str, object]:
    return {key: account.get(key) for key in expected}


NEON = (
    "Account ID,Account Type,First Name,Last Name,Company Name,Email 1,Phone 1,"
    "Address Line 1,City,State/Province,Zip Code,Country,Do Not Email\r\n"
    "101,Individual,Ann,Ames,,ann@example.org,555-0101,1 Elm St,Springfield,IL,62701,"
    "US,No\r\n"
    "102,Company,,,Acme Widgets,info@acme.example.org,555-0102,2 Oak Ave,Peoria,IL,"
    "61602,US,Yes\r\n"
)


def test_a_neoncrm_style_account_export(cli, tmp_path: Path) -> None:
    path = tmp_path / "neon.csv"
    path.write_bytes(codecs.BOM_UTF8 + NEON.encode())
    said = loads(cli, path)
    assert "UTF-8 with a byte-order mark (detected), comma-separated (detected)" in said
    accounts = exported(cli)
    assert subset(accounts["101"], {"type": "", "first_name": "", "email": "", "zip": ""}) == {
        "type": "individual",
        "first_name": "Ann",
        "email": "ann@example.org",
        "zip": "62701",
    }
    assert subset(accounts["102"], {"type": "", "company_name": "", "email_opt_out": ""}) == {
        "type": "organization",
        "company_name": "Acme Widgets",
        "email_opt_out": True,
    }
    assert accounts["101"]["address_line1"] == "1 Elm St"
    assert accounts["101"]["phone1"] == "555-0101"


SALESFORCE = (
    '"Contact ID","First Name","Last Name","Title","Account Name","Mailing Street",'
    '"Mailing City","Mailing State/Province","Mailing Zip/Postal Code","Mailing Country",'
    '"Phone","Mobile","Home Phone","Email","Email Opt Out"\n'
    '"0035e00000A1","Bea","Blum","Director","Acme","3 Pine Rd","Austin","TX","73301","US",'
    '"(512) 555-0101","(512) 555-0102","(512) 555-0103","bea@example.org","1"\n'
    '"0035e00000A2","","","","Globex","","","","","","","","","hello@globex.example.org","0"\n'
)


def test_a_salesforce_style_contact_report_without_a_type_column(cli, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(SALESFORCE, encoding="utf-8")
    loads(cli, path)
    accounts = exported(cli)
    bea, globex = accounts["0035e00000A1"], accounts["0035e00000A2"]
    assert subset(bea, dict.fromkeys(["type", "company_name", "title", "email_opt_out"])) == {
        "type": "individual",  # a name: a person at Acme
        "company_name": "Acme",
        "title": "Director",
        "email_opt_out": True,
    }
    assert (bea["phone1"], bea["phone2"], bea["phone3"]) == (
        "(512) 555-0101",
        "(512) 555-0102",
        "(512) 555-0103",
    )
    assert (bea["zip"], bea["state"], bea["address_line1"]) == ("73301", "TX", "3 Pine Rd")
    assert (globex["type"], globex["email_opt_out"]) == ("organization", False)


CIVICRM = (
    "Contact ID\tContact Type\tFirst Name\tLast Name\tOrganization Name\tEmail\t"
    "Do Not Email\tNo Bulk Emails (User Opt Out)\tIs Deceased\tMember Since\tNotes\n"
    "7\tIndividual\tCleo\tCruz\t\tcleo@example.org\t0\t1\t0\t31/03/2024\tmet at fair\n"
    "8\tOrganization\t\t\tFriends of the Park\tfriends@example.org\t0\t0\t0\t2023-11-05\t\n"
)


def test_a_civicrm_style_export_with_a_map_and_an_ignored_column(cli, tmp_path: Path) -> None:
    cli("crm", "fields", "add", "Member Since", "--type", "date")
    path = tmp_path / "civicrm.csv"
    path.write_text(CIVICRM, encoding="utf-8")
    said = loads(
        cli, path, "--map", "Member Since=custom.Member Since", "--map",
        "Do Not Email=do_not_contact", "--ignore-column", "notes",
    )  # fmt: skip
    assert "tab-separated (detected)" in said
    accounts = exported(cli)
    cleo, park = accounts["7"], accounts["8"]
    assert subset(cleo, dict.fromkeys(["email_opt_out", "do_not_contact", "deceased"])) == {
        "email_opt_out": True,
        "do_not_contact": False,
        "deceased": False,
    }
    assert cleo["custom.Member Since"] == "2024-03-31"
    assert park["custom.Member Since"] == "2023-11-05"
    assert park["type"] == "organization"
    assert not [key for key in cleo if "Notes" in key]


def test_an_excel_on_windows_semicolon_file_in_windows_1252(cli, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = (
        "ID;First Name;Last Name;E-mail;Zip Code;Unsubscribed\r\n"
        "E1;Renée;Müller;renee@example.org;75001;x\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    said = loads(cli, path)
    assert "Windows-1252 (detected), semicolon-separated (detected)" in said
    renee = exported(cli)["E1"]
    assert (renee["first_name"], renee["last_name"], renee["email_opt_out"]) == (
        "Renée",
        "Müller",
        True,
    )


@pytest.mark.parametrize(
    ("text", "code_page", "described", "names"),
    [
        # Three lines in Windows-1252 that charset-normalizer alone read as Baltic DOS
        # (cp775): `Renķe M³ller` was stored. Polish it read as Windows-1252 (`£ukasz`).
        (
            "id;first_name;last_name\r\n1;Renée;Müller\r\n2;Bob;Smith\r\n",
            "cp1252",
            "Windows-1252",
            {"1": ("Renée", "Müller"), "2": ("Bob", "Smith")},
        ),
        (
            "id;first_name;last_name\r\nP1;Łukasz;Żółć\r\nP2;Małgorzata;Wiśniewska\r\n",
            "cp1250",
            "Windows-1250 (central European)",
            {"P1": ("Łukasz", "Żółć"), "P2": ("Małgorzata", "Wiśniewska")},
        ),
        (
            "id;first_name;last_name\r\nK1;Иван;Петров\r\nK2;Мария;Смирнова\r\n",
            "cp1251",
            "Windows-1251 (Cyrillic)",
            {"K1": ("Иван", "Петров"), "K2": ("Мария", "Смирнова")},
        ),
    ],
    ids=["windows-1252", "windows-1250", "windows-1251"],
)
def test_a_short_file_in_a_windows_code_page_is_read_as_written(
    cli, tmp_path: Path, text: str, code_page: str, described: str, names: dict
) -> None:
    path = tmp_path / "short.csv"
    path.write_bytes(text.encode(code_page))
    said = loads(cli, path)
    assert f"{described} (detected), semicolon-separated (detected)" in said
    accounts = exported(cli)
    assert {key: (a["first_name"], a["last_name"]) for key, a in accounts.items()} == names


def test_an_empty_type_cell_is_inferred_from_the_row_s_names(cli, tmp_path: Path) -> None:
    """The issue's rule holds per row, not only for a file without `type`: an empty cell
    is an individual when the row names a person, an organization when only a company."""
    path = tmp_path / "types.csv"
    path.write_text(
        "ID,Type,First Name,Company\nT1,,Ann,Acme\nT2,,,Globex\nT3,Person,,Initech\nT4,,,\n",
        encoding="utf-8",
    )
    loads(cli, path)
    kinds = {key: account["type"] for key, account in exported(cli).items()}
    assert kinds == {
        "T1": "individual",
        "T2": "organization",
        "T3": "individual",
        "T4": "individual",
    }


def test_a_bad_value_names_the_file_s_own_header(cli, tmp_path: Path, store: Store) -> None:
    """A message names the column as the file writes it, ours in brackets, with file and
    row: the user looks for `Email Address`, not `email`; a CSV file and a workbook alike."""
    path = tmp_path / "human.csv"
    path.write_text("Contact ID,Email Address,DNC\nH1,not-an-address,maybe\n", encoding="utf-8")
    book = Workbook()
    book.active.append(["Contact ID", "Email Address", "DNC"])
    book.active.append(["H1", "not-an-address", "maybe"])
    book.save(tmp_path / "human.xlsx")
    before = dump(store)
    for source in (path, tmp_path / "human.xlsx"):
        done = cli("crm", "load", str(source))
        assert done.exit_code == 2, done.output
        said = " ".join(done.stderr.split())
        assert "row 2 (id H1), column 'Email Address' (email): 'not-an-address'" in said
        assert "row 2 (id H1), column 'DNC' (do_not_contact): 'maybe' is not a yes/no" in said
    assert dump(store) == before


def test_a_utf16_tab_separated_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt.csv"
    text = "Record ID\tGiven Name\tSurname\tEmail Address\r\nU1\tŁukasz\tŻółć\tlz@example.org\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    said = loads(cli, path)
    assert "UTF-16 with a byte-order mark (detected), tab-separated (detected)" in said
    lukasz = exported(cli)["U1"]
    assert (lukasz["first_name"], lukasz["last_name"], lukasz["email"]) == (
        "Łukasz",
        "Żółć",
        "lz@example.org",
    )


def test_an_xlsx_with_human_headers(cli, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    header = ["ID", "Type", "First Name", "Surname", "Organisation", "Email Address", "DNC"]
    sheet.append(header)
    sheet.append(["X1", "Person", "Dee", "Dahl", None, "dee@example.org", "Y"])
    sheet.append(["X2", "Business", None, None, "Team Co", "team@example.org", False])
    book.save(tmp_path / "book.xlsx")
    loads(cli, tmp_path / "book.xlsx")
    accounts = exported(cli)
    assert subset(accounts["X1"], dict.fromkeys(["type", "last_name", "do_not_contact"])) == {
        "type": "individual",
        "last_name": "Dahl",
        "do_not_contact": True,
    }
    assert subset(accounts["X2"], dict.fromkeys(["type", "company_name", "do_not_contact"])) == {
        "type": "organization",
        "company_name": "Team Co",
        "do_not_contact": False,
    }


def test_a_dry_run_shows_what_would_be_stored_and_writes_nothing(
    cli, tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "excel.csv"
    rows = "ID;First Name;E-mail;Notes\r\nD1;Renée;d1@example.org;a\r\nD2;Bo;not-an-address;b\r\n"
    path.write_bytes(rows.encode("cp1252"))
    before = dump(store)
    done = cli("crm", "load", str(path), "--dry-run", "--ignore-column", "Notes")
    assert done.exit_code == 2, done.output  # the load itself would refuse the file
    out = done.stdout
    assert "dry run of excel.csv: nothing was written" in out
    assert "format: Windows-1252 (detected), semicolon-separated (detected)" in out
    assert "'First Name' → first_name  (its name, spelt otherwise)" in out
    assert "'Notes' → ignored  (--ignore-column)" in out
    assert "first_name=Renée" in out
    assert "1 valid row(s), 1 invalid row(s)" in out
    assert f"{path}: row 3 (id D2), column 'E-mail' (email):" in out
    assert dump(store) == before
    assert cli("runs", "ls", "--json").stdout.strip() in ("[]", "")


def test_an_unknown_header_is_refused_whole_with_the_closest_column(
    cli, tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "typo.csv"
    path.write_text("ID,Frist Name,Email\nT1,Tom,t@example.org\n", encoding="utf-8")
    before = dump(store)
    done = cli("crm", "load", str(path), "--skip-invalid")
    assert done.exit_code == 2, done.output
    assert f"{path}: row 1, column 'Frist Name': unknown column (did you mean first_name?)" in (
        " ".join(done.stderr.split())
    )
    assert dump(store) == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--map", "Given"], "--map 'Given': write it as \"Source Header=column\""),
        (["--encoding", "klingon"], "--encoding 'klingon': not an encoding"),
        (["--map", "Nope=email"], "--map names no column of the file"),
    ],
)
def test_bad_options_exit_2_naming_them(
    cli, tmp_path: Path, options: list[str], message: str
) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,email\nA1,a@example.org\n", encoding="utf-8")
    done = cli("crm", "load", str(path), *options)
    assert done.exit_code == 2, done.output
    assert message in " ".join(done.stderr.split())


def test_an_ambiguous_date_is_refused_with_its_row(cli, tmp_path: Path) -> None:
    cli("crm", "fields", "add", "Since", "--type", "date")
    path = tmp_path / "dates.csv"
    path.write_text("id,custom.Since\nA1,31/03/2024\nA2,03/04/2024\n", encoding="utf-8")
    done = cli("crm", "load", str(path))
    assert done.exit_code == 2, done.output
    said = " ".join(done.stderr.split())
    assert f"{path}: row 3 (id A2), column 'custom.Since': '03/04/2024' could be 3 April" in said


def test_a_utf16_file_cut_mid_character_is_refused_naming_the_file(
    cli, tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes(
        codecs.BOM_UTF16_LE + "id\tfirst_name\r\nC1\tCy\r\n".encode("utf-16-le") + b"\n"
    )
    before = dump(store)
    done = cli("crm", "load", str(path))
    assert done.exit_code == 2, done.output
    said = " ".join(done.stderr.split())
    assert f"{path}: not readable as UTF-16 with a byte-order mark (detected)" in said
    assert "give its encoding with --encoding" in said
    assert "Traceback" not in done.stderr
    assert dump(store) == before


def test_an_unclosed_quote_names_the_file_s_own_header(cli, tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('Contact ID,Given Name\nQ1,Quinn\nQ2,"Open\n', encoding="utf-8")
    done = cli("crm", "load", str(path))
    assert done.exit_code == 2, done.output
    said = " ".join(done.stderr.split())
    assert "row 3, column 'Given Name' (first_name): the quote" in said


def test_a_byte_the_encoding_cannot_read_is_named_with_that_encoding(
    cli, tmp_path: Path, store: Store
) -> None:
    """Not "not UTF-8" for a file read as Windows-1252: 0x81 is one of its five unused
    bytes, and the message names the encoding the file was read with."""
    path = tmp_path / "bytes.csv"
    path.write_bytes("id;first_name\r\nB1;Renée\r\nB2;Bo".encode("cp1252") + b"\x81\r\n")
    before = dump(store)
    done = cli("crm", "load", str(path), "--encoding", "cp1252")
    assert done.exit_code == 2, done.output
    said = " ".join(done.stderr.split())
    assert "row 3, column 'first_name': unreadable encoding: bytes that" in said
    assert "Windows-1252 (as given) cannot read; give the file's encoding with --encoding" in said
    assert "not UTF-8" not in said
    assert dump(store) == before


def test_a_civicrm_export_with_both_email_opt_outs_loads_either_yes(cli, tmp_path: Path) -> None:
    """`Do Not Email` and `No Bulk Emails (User Opt Out)` both mean email_opt_out: the file
    loads without a --map, and a yes in either opts the account out (never lose one)."""
    cli("crm", "fields", "add", "Member Since", "--type", "date")
    path = tmp_path / "civicrm.csv"
    path.write_text(CIVICRM, encoding="utf-8")
    options = ("--map", "Member Since=custom.Member Since", "--ignore-column", "notes")
    preview = cli("crm", "load", str(path), "--dry-run", *options)
    assert preview.exit_code == 0, preview.output
    assert (
        "'No Bulk Emails (User Opt Out)' → email_opt_out  (the same opt-out as another "
        "header: a yes in either opts out)"
    ) in preview.stdout
    loads(cli, path, *options)
    book = Workbook()
    book.active.append(["Contact ID", "Email", "No Bulk Emails", "Do Not Email"])
    book.active.append(["9", "nine@example.org", "Yes", "No"])
    book.active.append(["10", "ten@example.org", None, False])
    book.save(tmp_path / "civi.xlsx")
    loads(cli, tmp_path / "civi.xlsx")
    accounts = exported(cli)
    assert {key: accounts[key]["email_opt_out"] for key in ("7", "8", "9", "10")} == {
        "7": True,  # Do Not Email 0, No Bulk Emails 1
        "8": False,
        "9": True,
        "10": False,
    }


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_bad_value_of_a_merged_opt_out_is_named_by_the_header_that_holds_it(
    cli, store: Store, tmp_path: Path, suffix: str
) -> None:
    """Of two headers read as one opt-out, the refusal names the one whose cell holds the
    value that is no yes/no word, whichever of the two that is."""
    header = ["Contact ID", "Email", "Do Not Email", "No Bulk Emails (User Opt Out)"]
    rows = [["1", "one@example.org", "0", "maybe"], ["2", "two@example.org", "perhaps", "1"]]
    path = tmp_path / f"civicrm{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    else:
        book = Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(path)
    before = dump(store)
    done = cli("crm", "load", str(path))
    assert done.exit_code == 2, done.output
    said = " ".join(done.stderr.split())
    assert "row 2 (id 1), column 'No Bulk Emails (User Opt Out)' (email_opt_out)" in said, said
    assert "row 3 (id 2), column 'Do Not Email' (email_opt_out)" in said, said
    assert "'maybe'" in said
    assert "'perhaps'" in said
    assert dump(store) == before
