"""Cells for CSV files that people open in a spreadsheet (Excel, LibreOffice, Google Sheets)."""

from __future__ import annotations

#: A cell starting with one of these may be run as a formula (CSV injection), so it is quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell's text, never run as a formula by a spreadsheet (a leading ``'`` makes it text)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
