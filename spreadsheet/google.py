"""Google Sheets backend: gspread 6 with a service account, behind the `Sheet` interface.

Why the custom HTTP client: gspread hard-codes https://sheets.googleapis.com and has no timeout and no
jittered retry. `SheetsHTTPClient` rewrites the base address (`GOOGLE_SHEETS_API_URL`, for proxies and the
emulator), puts a timeout on every call and retries 408/429/5xx and connection errors with full-jitter
exponential backoff (tenacity). Errors are translated here into the project's `SheetError` tree.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from pathlib import Path
from typing import Iterator, Sequence

import google.auth.exceptions
import gspread
import requests
from gspread.utils import absolute_range_name
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from tracker.errors import ConfigError, SheetAccessDenied, SheetError, SheetNotFound, SheetUnavailable, WorksheetNotFound
from spreadsheet.base import CellUpdate, Sheet, Worksheet, column_letter, group_updates, pad_rows

log = logging.getLogger(__name__)

GOOGLE_BASE_URL = "https://sheets.googleapis.com"
RETRIABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def _is_retriable(exc: BaseException) -> bool:
    if isinstance(exc, gspread.exceptions.APIError):
        return exc.response.status_code in RETRIABLE_STATUS
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, google.auth.exceptions.TransportError))


class SheetsHTTPClient(gspread.HTTPClient):
    """gspread's HTTP client with a base-address override, a timeout and jittered retries."""

    def __init__(self, auth, session=None, *, base_url: str = GOOGLE_BASE_URL, timeout: float = 30.0,
                 max_attempts: int = 5, backoff_base: float = 1.0, backoff_max: float = 32.0):
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/")
        self.set_timeout(timeout)
        self.calls = 0
        self._retrying = Retrying(
            retry=retry_if_exception(_is_retriable),
            wait=wait_random_exponential(multiplier=backoff_base, max=backoff_max),
            stop=stop_after_attempt(max_attempts),
            before_sleep=lambda state: log.warning(
                "Google Sheets call failed (%s), retry %d of %d",
                _describe(state.outcome.exception()), state.attempt_number, max_attempts - 1),
            reraise=True,
        )

    def request(self, method, endpoint, *args, **kwargs):
        if endpoint.startswith(GOOGLE_BASE_URL):
            endpoint = self.base_url + endpoint[len(GOOGLE_BASE_URL):]

        def once():
            self.calls += 1
            return super(SheetsHTTPClient, self).request(method, endpoint, *args, **kwargs)

        return self._retrying(once)


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, gspread.exceptions.APIError):
        return f"HTTP {exc.response.status_code} {exc.error.get('status', '')}".strip()
    return type(exc).__name__


class GoogleSheet(Sheet):
    """One Google spreadsheet. Metadata is fetched once and cached; values are read on every call."""

    def __init__(self, spreadsheet_id: str, credentials_file: Path | str, *, base_url: str = GOOGLE_BASE_URL,
                 timeout: float = 30.0, max_attempts: int = 5, backoff_base: float = 1.0, backoff_max: float = 32.0):
        self.spreadsheet_id = spreadsheet_id
        self.label = f"Google Sheet {spreadsheet_id}"
        self._account = _service_account_email(credentials_file)
        http_client = functools.partial(SheetsHTTPClient, base_url=base_url, timeout=timeout,
                                        max_attempts=max_attempts, backoff_base=backoff_base, backoff_max=backoff_max)
        try:
            self.client = gspread.service_account(filename=str(credentials_file), http_client=http_client)
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={str(credentials_file)!r}: not a service-account "
                              "JSON key file (download a new key for the service account)") from exc
        self.http = self.client.http_client
        self._metadata: dict | None = None

    @contextlib.contextmanager
    def translated(self, doing: str) -> Iterator[None]:
        """Turn gspread/requests/google-auth failures into `SheetError`s that say what to do."""
        try:
            yield
        except SheetError:
            raise
        except gspread.exceptions.APIError as exc:
            raise self._api_error(exc, doing) from exc
        except google.auth.exceptions.RefreshError as exc:
            raise SheetAccessDenied(f"Google refused the service account {self._account} while {doing}: the key "
                                    "may be revoked or expired; create a new key") from exc
        except (requests.RequestException, google.auth.exceptions.TransportError) as exc:
            raise SheetUnavailable(f"Could not reach Google Sheets while {doing} ({type(exc).__name__}); "
                                   "check the network and try again") from exc

    def _api_error(self, exc: gspread.exceptions.APIError, doing: str) -> SheetError:
        status = exc.response.status_code
        message = str(exc.error.get("message", ""))[:200]
        if status == 404:
            return SheetNotFound(f"The {self.label} was not found while {doing}: check GOOGLE_SHEET_ID (the part of "
                                 "the sheet's address between /d/ and /edit)")
        if status == 403:
            return SheetAccessDenied(f"The service account {self._account} may not open the {self.label}: share the "
                                     "sheet with that address as Editor")
        if status == 400 and "Unable to parse range" in message:
            title = message.split("Unable to parse range:", 1)[-1].strip().split("!")[0].strip("'")
            return self.missing_worksheet(title.replace("''", "'"))
        if status in RETRIABLE_STATUS:
            return SheetUnavailable(f"Google Sheets kept answering HTTP {status} while {doing}, after every retry: "
                                    "wait a minute and try again")
        return SheetError(f"Google Sheets answered HTTP {status} while {doing}: {message}")

    def metadata(self, refresh: bool = False) -> dict:
        if self._metadata is None or refresh:
            with self.translated("opening the spreadsheet"):
                self._metadata = self.http.fetch_sheet_metadata(self.spreadsheet_id)
        return self._metadata

    def worksheet_titles(self) -> list[str]:
        return [s["properties"]["title"] for s in self.metadata()["sheets"]]

    def worksheet(self, title: str) -> "GoogleWorksheet":
        """The tab `title`. Without cached metadata it is opened blind, so a read costs one call; a missing tab
        then shows up as "Unable to parse range" on that read and is reported with the tabs that exist."""
        if self._metadata is None:
            return GoogleWorksheet(self, gspread.Worksheet(None, {"title": title}, self.spreadsheet_id, self.http))
        for props in (s["properties"] for s in self._metadata["sheets"]):
            if props["title"] == title:
                return GoogleWorksheet(self, gspread.Worksheet(None, dict(props), self.spreadsheet_id, self.http))
        raise self.missing_worksheet(title)

    def missing_worksheet(self, title: str) -> WorksheetNotFound:
        return WorksheetNotFound(f"The {self.label} has no worksheet '{title}' (it has: "
                                 f"{', '.join(self.worksheet_titles())}). Add a tab named '{title}' or set INV_WORKSHEET.")


class GoogleWorksheet(Worksheet):
    def __init__(self, sheet: GoogleSheet, worksheet: gspread.Worksheet):
        self.sheet = sheet
        self.ws = worksheet
        self.title = worksheet.title

    def read_all(self) -> list[list[str]]:
        # get_all_values keeps text as text; get_all_records would turn 00123 into 123 and 1,234 into 1234.
        with self.sheet.translated(f"reading worksheet '{self.title}'"):
            rows = self.ws.get_all_values()
        return pad_rows([[str(cell) for cell in row] for row in rows])

    def write_cells(self, updates: Sequence[CellUpdate]) -> int:
        """One values:batchUpdate with RAW input for every cell, however many rows they span."""
        runs = group_updates(updates)
        if not runs:
            return 0
        data = [{"range": absolute_range_name(self.title, f"{column_letter(col)}{row}:{column_letter(col + len(values) - 1)}{row}"),
                 "values": [values]} for row, col, values in runs]
        with self.sheet.translated(f"writing to worksheet '{self.title}'"):
            self.sheet.http.values_batch_update(self.sheet.spreadsheet_id,
                                                body={"valueInputOption": "RAW", "data": data})
        return sum(len(values) for _, _, values in runs)

    def _ensure_width(self, columns: int) -> None:
        with self.sheet.translated(f"adding columns to worksheet '{self.title}'"):
            self.sheet.metadata()  # the grid size lives in the metadata; a blind worksheet has none
            self.ws = self.sheet.worksheet(self.title).ws
            if self.ws.col_count < columns:
                self.ws.resize(cols=columns)
                self.sheet.metadata(refresh=True)


def _service_account_email(credentials_file: Path | str) -> str:
    """The address the sheet must be shared with, for error messages; validates the file on the way."""
    path = Path(credentials_file)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={str(path)!r}: no such file; download the service "
                          "account's JSON key and give its path") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={str(path)!r}: cannot be read as JSON "
                          f"({type(exc).__name__})") from exc
    if not isinstance(info, dict) or info.get("type") != "service_account" or "client_email" not in info:
        raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={str(path)!r}: not a service-account key file "
                          '(it needs "type": "service_account" and a client_email)')
    return str(info["client_email"])
