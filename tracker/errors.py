"""The one exception tree of the finance tracker.

    TrackerError                      root: anything this project raises on purpose
    ├── ConfigError                   a setting is missing or wrong; names the variable(s); stop at start-up
    ├── SheetError                    the spreadsheet cannot be used as it is
    │   ├── SheetNotFound             wrong spreadsheet id / workbook path
    │   ├── WorksheetNotFound         the tab (e.g. inv_tbl) is missing
    │   ├── SheetAccessDenied         403 from Google: the sheet is not shared with the service account
    │   ├── SheetUnreadable           a local workbook that is not a valid .xlsx
    │   ├── HeaderError               missing, duplicate or blank headers in row 1
    │   └── SheetUnavailable          429/5xx/timeouts still failing after the retries
    ├── LeaseLost                     another process took this one's lease over (tracker/leases.py): stop writing
    └── SyncError                     the QuickBooks sync (quickbooks/errors.py extends this branch)

Messages say what is wrong, where, and what to do, in words a finance person can act on, and never contain
secrets. Foreign exceptions (gspread, requests, openpyxl) are translated at the boundary with `raise ... from`.
"""


class TrackerError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(TrackerError):
    """One or more settings are missing or invalid; the message names each variable."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Configuration problem(s):\n{lines}")


class SheetError(TrackerError):
    """The spreadsheet cannot be read or written as it is."""


class SheetNotFound(SheetError):
    pass


class WorksheetNotFound(SheetError):
    pass


class SheetAccessDenied(SheetError):
    pass


class SheetUnreadable(SheetError):
    pass


class HeaderError(SheetError):
    """Row 1 of a worksheet lacks expected headers or has duplicate/blank ones."""

    def __init__(self, worksheet: str, missing=(), duplicate=(), blank_columns=()):
        self.worksheet = worksheet
        self.missing = list(missing)
        self.duplicate = list(duplicate)
        self.blank_columns = list(blank_columns)
        parts = []
        if self.missing:
            parts.append("missing column(s): " + ", ".join(self.missing))
        if self.duplicate:
            parts.append("duplicated header(s): " + ", ".join(self.duplicate))
        if self.blank_columns:
            parts.append("blank header cell(s) in column(s): " + ", ".join(self.blank_columns))
        super().__init__(
            f"Worksheet '{worksheet}' row 1 needs fixing: " + "; ".join(parts)
            + ". Edit the header row so every column has one unique name."
        )


class SheetUnavailable(SheetError):
    """The sheet service kept failing (quota, server errors, timeouts) after all retries."""


class LeaseLost(TrackerError):
    """The lease this process held (the sync run's) now carries another fencing token: it expired while the process
    was paused or too slow, and another took it over. Nothing more may be written under it."""


class SyncError(TrackerError):
    """Base of the QuickBooks sync errors (see quickbooks/errors.py)."""
