"""The firm's spreadsheet: open it (Google or local workbook), read `inv_tbl` as validated text records.

`open_sheet(settings)` chooses the backend from the settings; `load_google_sheet()` keeps the name the
dashboards have always called and returns `inv_tbl` as a DataFrame of text. Nothing here writes to the
sheet except the demo workbook creation, and that only when no workbook exists yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from spreadsheet.demo_rows import demo_inv_tbl
from tracker.settings import Settings, load_settings
from sankey_helpers import QB_HEADERS, SOURCE_HEADERS, HeaderMap, rows_to_records, validate_headers
from spreadsheet.base import Sheet, Worksheet
from spreadsheet.google import GoogleSheet
from spreadsheet.local import LocalWorkbook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Table:
    """One worksheet read in one call: its header map and its non-blank rows as text records."""

    worksheet: str
    headers: HeaderMap
    records: list[dict[str, str]]


def open_sheet(settings: Settings) -> Sheet:
    """The configured spreadsheet. The local workbook is created with demo rows on first use."""
    if settings.sheet_backend == "google":
        return GoogleSheet(
            settings.google_sheet_id,
            settings.google_credentials,
            base_url=settings.google_sheets_api_url,
            timeout=settings.sheet_timeout_seconds,
            max_attempts=settings.sheet_max_attempts,
            backoff_max=settings.sheet_backoff_max_seconds,
        )
    path = settings.local_sheet_path
    if not path.exists():
        log.warning("No workbook at %s: creating one with %d demo rows", path, settings.demo_rows)
        return LocalWorkbook.create(path, {settings.inv_worksheet: _sync_ready(demo_inv_tbl(settings.demo_rows))})
    return LocalWorkbook(path)


def _sync_ready(rows: list[list[str]]) -> list[list[str]]:
    """The demo table with the qb_* columns already added (as `quickbooks_sync.py migrate` would)."""
    return [rows[0] + list(QB_HEADERS), *(row + [""] * len(QB_HEADERS) for row in rows[1:])]


def read_table(worksheet: Worksheet, required: list[str] | tuple[str, ...] = tuple(SOURCE_HEADERS)) -> Table:
    """Read a worksheet once and validate its header row (missing, duplicate, blank headers)."""
    rows = worksheet.read_all()
    header_row, data_rows = (rows[0], rows[1:]) if rows else ([], [])
    headers = validate_headers(worksheet.title, header_row, list(required), data_rows)
    return Table(worksheet.title, headers, rows_to_records(headers, data_rows))


def load_inv_table(settings: Settings) -> Table:
    sheet = open_sheet(settings)
    return read_table(sheet.worksheet(settings.inv_worksheet))


def load_google_sheet(settings: Settings | None = None) -> pd.DataFrame:
    """`inv_tbl` as a DataFrame of text, every column kept (the name the existing dashboards use)."""
    table = load_inv_table(settings or load_settings())
    frame = pd.DataFrame.from_records(table.records, columns=["_row", *table.headers.names])
    return frame.astype({name: "string" for name in table.headers.names})
