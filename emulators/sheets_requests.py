"""spreadsheets:batchUpdate for the Sheets emulator: tab properties, add/delete tabs, rows/columns, sorting.

A mixin of `Spreadsheet` (`emulators/sheets_grid.py`) rather than part of it, to keep each file readable;
it relies on the spreadsheet's `sheets`, `sheet`, `sheet_by_id`, `add_sheet`, `_check_size` and `render`.
"""

from __future__ import annotations

import copy

from emulators.sheets_tab import DEFAULT_COLUMNS, DEFAULT_ROWS, Sheet
from emulators.sheets_values import DIMENSIONS, SheetsError, invalid


class BatchUpdateRequests:
    """The `requests` of spreadsheets:batchUpdate, one `_req_<kind>` method per supported kind."""

    def apply_requests(self, requests: list) -> dict:
        """spreadsheets:batchUpdate; call on a clone (all-or-nothing). Unknown request kinds are a 400."""
        if not requests:
            raise invalid("Must specify at least one request.")
        replies = []
        for i, req in enumerate(requests):
            if not isinstance(req, dict) or len(req) != 1:
                raise invalid(f"Invalid requests[{i}]: exactly one request kind must be set")
            (kind, args), = req.items()
            handler = getattr(self, f"_req_{kind}", None)
            if handler is None:
                raise invalid(f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                              f"Cannot find field.")
            try:
                replies.append(handler(args or {}))
            except SheetsError as exc:
                raise invalid(f"Invalid requests[{i}].{kind}: {exc.message}") from None
        return {"spreadsheetId": self.id, "replies": replies}

    def _grid_sheet(self, sheet_id) -> Sheet:
        sheet = self.sheet_by_id(sheet_id or 0)
        if sheet is None:
            raise invalid(f"No grid with id: {sheet_id}")
        return sheet

    def _req_updateSheetProperties(self, args: dict) -> dict:
        props, fields = args.get("properties") or {}, args.get("fields") or ""
        sheet = self._grid_sheet(props.get("sheetId"))
        paths = [p.strip().replace("/", ".") for p in fields.split(",") if p.strip()]
        if "*" in paths:
            paths = [k for k in props if k != "sheetId"]
        grid = props.get("gridProperties") or {}
        rows, cols = sheet.row_count, sheet.column_count
        for path in paths:
            head, _, tail = path.partition(".")
            if head == "title":
                title = props.get("title") or ""
                clash = self.sheet(title)
                if not title or (clash and clash is not sheet):
                    raise invalid(f'A sheet with the name "{title}" already exists. Please enter another name.')
                sheet.title = title
            elif head == "index":
                self._move(sheet, int(props.get("index") or 0))
            elif head == "gridProperties":
                keys = [tail] if tail else list(grid)
                for key in keys:
                    if key == "rowCount":
                        rows = int(grid.get("rowCount") or 0)
                    elif key == "columnCount":
                        cols = int(grid.get("columnCount") or 0)
                    elif key in grid:
                        sheet.extra.setdefault("gridProperties", {})[key] = grid[key]
                    else:
                        sheet.extra.get("gridProperties", {}).pop(key, None)
            elif head == "sheetType" or head == "sheetId":
                continue
            elif head == "hidden":
                if not props.get("hidden"):
                    sheet.extra.pop("hidden", None)
                elif all(s.extra.get("hidden") or s is sheet for s in self.sheets):
                    raise invalid("You can't hide all the sheets in a document.")
                else:
                    sheet.extra["hidden"] = True
            elif head in props:
                sheet.extra[head] = copy.deepcopy(props[head])
            else:
                sheet.extra.pop(head, None)
        if (rows, cols) != (sheet.row_count, sheet.column_count):
            self._check_size(rows, cols, replacing=sheet)
            sheet.resize(rows, cols)
        return {}

    def _move(self, sheet: Sheet, index: int) -> None:
        order = sorted((s for s in self.sheets if s is not sheet), key=lambda s: s.index)
        order.insert(max(0, min(index, len(order))), sheet)
        for i, s in enumerate(order):
            s.index = i

    def _req_addSheet(self, args: dict) -> dict:
        props = args.get("properties") or {}
        grid = props.get("gridProperties") or {}
        sheet = self.add_sheet(props.get("title"), int(grid.get("rowCount") or DEFAULT_ROWS),
                               int(grid.get("columnCount") or DEFAULT_COLUMNS), props.get("sheetId"),
                               props.get("index"))
        for key in ("hidden", "tabColorStyle", "rightToLeft"):
            if key in props:
                sheet.extra[key] = props[key]
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_deleteSheet(self, args: dict) -> dict:
        sheet = self._grid_sheet(args.get("sheetId"))
        if len(self.sheets) == 1:
            raise invalid("You can't remove all the sheets in a document.")
        self.sheets.remove(sheet)
        self._move(self.sheets[0], self.sheets[0].index)  # renumber indexes 0..n-1
        return {}

    def _dimension(self, args: dict) -> tuple[Sheet, str, int, int]:
        rng = args.get("range") or {}
        sheet = self._grid_sheet(rng.get("sheetId"))
        dim = rng.get("dimension")
        if dim not in DIMENSIONS:
            raise invalid("range.dimension must be ROWS or COLUMNS")
        start, end = int(rng.get("startIndex") or 0), rng.get("endIndex")
        end = int(end) if end is not None else (sheet.row_count if dim == "ROWS" else sheet.column_count)
        if end <= start or start < 0:
            raise invalid("range.endIndex must be greater than range.startIndex")
        return sheet, dim, start, end

    def _req_insertDimension(self, args: dict) -> dict:
        sheet, dim, start, end = self._dimension(args)
        limit = sheet.row_count if dim == "ROWS" else sheet.column_count
        if start > limit:
            raise invalid(f"range.startIndex must be less than or equal to the grid's size ({limit})")
        n = end - start
        if dim == "ROWS":
            self._check_size(sheet.row_count + n, sheet.column_count, replacing=sheet)
            sheet.insert_rows(start + 1, n)
        else:
            self._check_size(sheet.row_count, sheet.column_count + n, replacing=sheet)
            sheet.insert_columns(start + 1, n)
        return {}

    def _req_appendDimension(self, args: dict) -> dict:
        sheet = self._grid_sheet(args.get("sheetId"))
        n = int(args.get("length") or 0)
        rows = sheet.row_count + (n if args.get("dimension") == "ROWS" else 0)
        cols = sheet.column_count + (n if args.get("dimension") == "COLUMNS" else 0)
        self._check_size(rows, cols, replacing=sheet)
        sheet.row_count, sheet.column_count = rows, cols
        return {}

    def _req_deleteDimension(self, args: dict) -> dict:
        sheet, dim, start, end = self._dimension(args)
        limit = sheet.row_count if dim == "ROWS" else sheet.column_count
        end = min(end, limit)
        if start == 0 and end >= limit:
            what = "rows" if dim == "ROWS" else "columns"
            raise invalid(f"You can't delete all the {what} on the sheet.")
        if dim == "ROWS":
            sheet.delete_rows(start + 1, end - start)
        else:
            sheet.delete_columns(start + 1, end - start)
        return {}

    def _req_sortRange(self, args: dict) -> dict:
        rng = args.get("range") or {}
        sheet = self._grid_sheet(rng.get("sheetId"))
        specs = args.get("sortSpecs") or [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}]
        r1 = int(rng.get("startRowIndex") or 0) + 1
        r2 = int(rng.get("endRowIndex") or sheet.row_count)
        c1 = int(rng.get("startColumnIndex") or 0) + 1
        c2 = int(rng.get("endColumnIndex") or sheet.column_count)
        for spec in reversed(specs):
            self.sort(sheet, int(spec.get("dimensionIndex") or 0) + 1, r1, r2,
                      spec.get("sortOrder") == "DESCENDING", (c1, c2))
        return {}

    def sort(self, sheet: Sheet, column: int, start_row: int, end_row: int | None = None,
             reverse: bool = False, columns: tuple[int, int] | None = None) -> None:
        """Sort rows like the UI does: numbers before text (case-insensitive) before booleans, blanks last."""
        end_row = min(end_row or sheet.row_count, len(sheet.cells))
        if end_row < start_row:
            return
        c1, c2 = columns or (1, sheet.column_count)
        block = [[sheet.get(r, c) for c in range(c1, c2 + 1)] for r in range(start_row, end_row + 1)]
        values = {id(row): self.render(sheet, r, column, "UNFORMATTED_VALUE", "SERIAL_NUMBER")
                  for r, row in zip(range(start_row, end_row + 1), block)}

        def key(row):
            v = values[id(row)]
            if isinstance(v, bool):
                return (2, int(v))
            if isinstance(v, (int, float)):
                return (0, v)
            return (1, str(v).lower())

        filled = [row for row in block if values[id(row)] not in (None, "")]
        blanks = [row for row in block if values[id(row)] in (None, "")]
        ordered = sorted(filled, key=key, reverse=reverse) + blanks
        for r, row in zip(range(start_row, end_row + 1), ordered):
            for c, cell in zip(range(c1, c2 + 1), row):
                sheet.put(r, c, cell)
