"""`crm load --dry-run`'s page: the file's format, each header's column, the first rows
as they would be stored, every invalid value, and that nothing was written."""

from __future__ import annotations

from pathlib import Path

from listbridge.core.account_fields import shown_fields
from listbridge.core.header_map import HeaderMapping, HowMatched
from listbridge.crm.builtin.preview import LoadPreview


def preview_lines(file: Path, preview: LoadPreview, *, skip_invalid: bool) -> list[str]:
    lines = [f"dry run of {file.name}: nothing was written"]
    if preview.report.file_format:
        lines.append(f"format: {preview.report.file_format}")
    if preview.report.header is not None:
        lines += header_lines(preview.report.header)
    lines.append(f"first {len(preview.first)} row(s) as they would be stored:")
    lines += [
        "  " + "; ".join(f"{column}={text}" for column, text in shown_fields(account))
        for account in preview.first
    ]
    lines.append(
        f"{preview.valid} valid row(s), {preview.invalid_rows} invalid row(s)"
        + (" (--skip-invalid would load the valid ones)" if preview.errors and skip_invalid else "")
    )
    lines += [f"  {error}" for error in preview.errors]
    return lines


def header_lines(header: HeaderMapping) -> list[str]:
    lines = ["columns:"]
    for mapped in header.headers:
        if mapped.how is HowMatched.UNNAMED:
            continue
        column = mapped.merged_into or ("ignored" if mapped.column is None else mapped.column)
        how = "" if mapped.how is HowMatched.NAME else f"  ({mapped.how})"
        lines.append(f"  {mapped.header!r} → {column}{how}")
    return lines
