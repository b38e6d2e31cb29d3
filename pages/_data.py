"""What the dashboard pages show: `inv_tbl` records, or a plain message when the sheet cannot be used.

Pages call this from their layout function, so every page load reads fresh data, and a broken sheet
becomes a message on the page instead of a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import acd
from tracker.errors import TrackerError
from tracker.settings import current_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageData:
    records: list[dict] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    source: str = ""
    error: str | None = None


def load_page_data() -> PageData:
    settings = current_settings()
    try:
        table = acd.load_inv_table(settings)
    except TrackerError as exc:
        log.warning("Dashboard could not read %s: %s", settings.sheet_label, exc)
        return PageData(source=settings.sheet_label, error=str(exc))
    return PageData(table.records, table.headers.names, settings.sheet_label)
