"""CSV cells that a spreadsheet will not run: the one home for CSV formula-injection defence.

Names, team names and emails come from people and roster files, so a cell may start with
`=`, `+`, `-`, `@`, a tab or a carriage return, which Excel, LibreOffice and Google Sheets
read as a formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(…)`). Following OWASP's CSV injection
advice, such a text cell is written with a single quote in front, which the spreadsheet
shows as text; every cell is also quoted when it holds a separator or quote (the csv
module does that). Numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell value a spreadsheet shows as written: text that would start a formula gets a
    leading single quote, carriage returns become newlines; None becomes an empty cell."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        value = "'" + value
    # A lone carriage return is not quoted by the csv module with our "\n" line ends, and
    # readers take it as the end of the row: written as a newline, it is quoted.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def safe_row(values: Iterable[object]) -> list[object]:
    """A row of `safe_cell`s."""
    return [safe_cell(value) for value in values]


def csv_line(values: Iterable[object]) -> str:
    """One CSV line (ending in a newline) of safe cells."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(safe_row(values))
    return buffer.getvalue()
