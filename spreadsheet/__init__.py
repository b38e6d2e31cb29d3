"""Spreadsheet access behind one small interface, with a Google Sheets and a local `.xlsx` backend.

`acd.open_sheet(settings)` picks the backend; the rest of the code sees only `Sheet` and `Worksheet`.
"""

from spreadsheet.base import CellUpdate, Sheet, Worksheet, column_letter, group_updates

__all__ = ["CellUpdate", "Sheet", "Worksheet", "column_letter", "group_updates"]
