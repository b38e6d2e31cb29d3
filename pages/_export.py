"""Rows to a file a person opens in a spreadsheet: CSV and Excel (.xlsx). Pure: rows and columns in, bytes out.

Any page can use it (the invoices grid, the receivables): it takes the rows already chosen (filtered, sorted,
searched) and the columns with their titles. Cells are made safe for spreadsheets: a text cell starting with
`=`, `+`, `-`, `@` (or a tab or carriage return, which some spreadsheets skip before reading a formula) would be
run as a formula by Excel, LibreOffice or Google Sheets (CSV/formula injection), so it gets a leading `'` and
stays text. Amount columns are written as numbers when they read as one (a number is never a formula), so
they still add up in the spreadsheet.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A cell that a spreadsheet will show as text, never evaluate: text starting like a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_value(value: Any, as_number: bool, parse_number) -> Any:
    """One exported cell: a number for an amount column when it reads as one, otherwise neutralised text."""
    if value is None:
        return ""
    if as_number:
        if isinstance(value, int) and not isinstance(value, bool):
            return value   # a row number
        amount = parse_number(value)
        if amount is not None:
            return amount
    return neutralise(value if isinstance(value, str) else str(value))


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], numbers: Iterable[str] = (),
          parse_number=None) -> list[list[Any]]:
    """The exported cells, row by row, in `columns` order (no header). `numbers`: the columns to write as numbers,
    read with `parse_number` (value -> Decimal or None)."""
    number_columns = set(numbers) if parse_number else set()
    return [[cell_value(row.get(column), column in number_columns, parse_number) for column in columns]
            for row in rows]


def csv_bytes(header: Sequence[str], cells: list[list[Any]]) -> bytes:
    """UTF-8 CSV with a byte order mark (Excel then reads "Zoë" right), header first, every cell quoted as needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(title) for title in header])
    writer.writerows([[_csv_text(cell) for cell in row] for row in cells])
    return out.getvalue().encode("utf-8-sig")


def _csv_text(cell: Any) -> str:
    return format(cell, "f") if isinstance(cell, Decimal) else str(cell)


def xlsx_bytes(header: Sequence[str], cells: list[list[Any]], sheet_title: str = "Export") -> bytes:
    """An .xlsx workbook of one sheet: the header in bold, frozen, then the rows (amounts as numbers)."""
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    sheet.append([neutralise(title) for title in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in cells:
        sheet.append([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"   # a string stays a string: openpyxl would read "=..." as a formula
    sheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(max(10, len(str(title)) + 2), 40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], header: Sequence[str], kind: str,
           numbers: Iterable[str] = (), parse_number=None, sheet_title: str = "Export") -> tuple[bytes, str]:
    """The file of `kind` ("csv" or "xlsx") and its media type."""
    cells = table(rows, columns, numbers, parse_number)
    if kind == "csv":
        return csv_bytes(header, cells), CSV_TYPE
    if kind == "xlsx":
        return xlsx_bytes(header, cells, sheet_title), XLSX_TYPE
    raise ValueError(f"unknown export kind {kind!r}: expected csv or xlsx")
