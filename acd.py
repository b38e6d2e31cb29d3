"""The firm's spreadsheet: open it (Google or local workbook), read `inv_tbl` as validated text records.

`open_sheet(settings)` chooses the backend from the settings; `load_google_sheet()` keeps the name the
dashboards have always called and returns `inv_tbl` as a DataFrame of text. Nothing here creates or writes a
workbook: a missing one is a `SheetNotFound` (the demo workbook is made by `quickbooks/demo.py`, in demo mode).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spreadsheet.base import Sheet
from spreadsheet.schema import Table, read_table
from tracker.settings import Settings, load_settings

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["open_sheet", "read_table", "load_inv_table", "load_google_sheet", "Table"]


def open_sheet(settings: Settings) -> Sheet:
    """The configured spreadsheet. Each backend's library is imported only when it is the one used (gspread and
    google-auth cost about a second at start-up, which every CLI run and worker would otherwise pay)."""
    if settings.sheet_backend == "google":
        from spreadsheet.google import GoogleSheet

        return GoogleSheet(
            settings.google_sheet_id,
            settings.google_credentials,
            base_url=settings.google_sheets_api_url,
            timeout=settings.sheet_timeout_seconds,
            max_attempts=settings.sheet_max_attempts,
            backoff_max=settings.sheet_backoff_max_seconds,
        )
    from spreadsheet.local import LocalWorkbook

    return LocalWorkbook(settings.local_sheet_path)


def load_inv_table(settings: Settings) -> Table:
    """`inv_tbl` (or INV_WORKSHEET) read once, headers validated."""
    return read_table(open_sheet(settings).worksheet(settings.inv_worksheet))


def load_google_sheet(settings: Settings | None = None) -> "pd.DataFrame":
    """`inv_tbl` as a DataFrame of text, every column kept (the name the existing dashboards use).

    pandas is imported here, not at module level: nothing else needs it, and it costs 0.7 s at every start.
    """
    import pandas as pd

    table = load_inv_table(settings or load_settings())
    frame = pd.DataFrame.from_records(table.records, columns=["_row", *table.headers.names])
    return frame.astype({name: "string" for name in table.headers.names})
