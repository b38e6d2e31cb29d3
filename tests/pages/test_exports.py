"""The invoices export carries exactly the rows the grid's filters, sort, search and dates select, read back with
openpyxl and csv and compared with the sheet itself; formula-like cells come out as text. Through the Flask test
client, logged in, as Dash's renderer posts the export callback."""

from __future__ import annotations

import base64
import csv
import io

import openpyxl
import pytest

from spreadsheet.local import LocalWorkbook
from tests.builders import HEADER, sheet_row, table

EXPORT = "invoices-download.data"


CLIENTS = ("Globex LLC", "Initech", "Umbrella Corp", "Hooli", "Acme", "Zoë Café Ltd", "Stark")


def _invoice(i: int) -> list[str]:
    """Row i: March or April, every third paid, amount i * 10, one hostile note, one QuickBooks link."""
    return sheet_row(f"INV-{i:03d}", status="paid" if i % 3 == 0 else "pending", inv_dollars=f"${i * 10:,}.00",
                     submitted_date=f"2026-{3 + i % 2:02d}-{1 + i % 28:02d}", to_client=CLIENTS[i % 7],
                     notes='=HYPERLINK("http://evil.example","x")' if i == 12 else "",
                     qb_invoice_url=f"https://qbo.example/app/invoice?txnId={i}" if i == 12 else "")


@pytest.fixture
def sheet(point_app, tmp_path):
    settings = point_app(local_sheet_path=tmp_path / "book.xlsx")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(*(_invoice(i) for i in range(1, 61)))})
    return settings.local_sheet_path


def _sheet_rows(path) -> list[dict]:
    """The workbook's rows as dicts, read with openpyxl, with their sheet row numbers."""
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    return [{"_row": n, **dict(zip(rows[0], ("" if v is None else str(v) for v in row)))}
            for n, row in enumerate(rows[1:], start=2)]


def _export(client, kind: str, request: dict, search=None, start=None, end=None) -> bytes:
    button = {"csv": "invoices-export-csv", "xlsx": "invoices-export-xlsx"}[kind]
    body = {"output": EXPORT, "outputs": {"id": "invoices-download", "property": "data"},
            "inputs": [{"id": "invoices-export-csv", "property": "n_clicks", "value": 1 if kind == "csv" else None},
                       {"id": "invoices-export-xlsx", "property": "n_clicks", "value": 1 if kind == "xlsx" else None}],
            "state": [{"id": "invoices-table", "property": "getRowsRequest", "value": request},
                      {"id": "invoices-search", "property": "value", "value": search},
                      {"id": "invoices-from", "property": "value", "value": start},
                      {"id": "invoices-to", "property": "value", "value": end}],
            "changedPropIds": [f"{button}.n_clicks"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.get_json()["response"]["invoices-download"]["data"]
    assert data["filename"].startswith("invoices-") and data["filename"].endswith(f".{kind}")
    return base64.b64decode(data["content"])


# The grid's last request: paid rows, amount descending (the CSV adds March 2026 only; the Excel a search).
REQUEST = {"startRow": 100, "endRow": 200,   # the block on screen does not matter: the export takes every row
           "filterModel": {"status": {"filterType": "text", "type": "equals", "filter": "paid"}},
           "sortModel": [{"colId": "inv_dollars", "sort": "desc"}]}


def _expected(path) -> list[dict]:
    rows = [r for r in _sheet_rows(path) if r["status"] == "paid" and "2026-03-01" <= r["submitted_date"] <= "2026-03-31"]
    return sorted(rows, key=lambda r: -float(r["inv_dollars"].strip("$").replace(",", "")))


def test_the_csv_export_is_the_filtered_sorted_rows_of_the_sheet(staff_client, sheet):
    content = _export(staff_client, "csv", REQUEST, None, "2026-03-01", "2026-03-31")
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header[:4] == ["Row", "Invoice", "Invoice file", "Status"] and "Paid date" in header
    assert "QuickBooks invoice" in header and "Inv_paid_date" not in header
    expected = _expected(sheet)
    assert len(expected) == 10 and [r[1] for r in rows] == [r["invoice"] for r in expected]
    by_title = [dict(zip(header, row)) for row in rows]
    assert [r["Row"] for r in by_title] == [str(r["_row"]) for r in expected]
    assert [r["Amount"] for r in by_title] == [f"{float(r['inv_dollars'].strip('$').replace(',', '')):.2f}"
                                               for r in expected]
    assert [r["Client"] for r in by_title] == [r["to_client"] for r in expected]
    hostile = next(r for r in by_title if r["Invoice"] == "INV-012")
    assert hostile["Notes"] == "'" + '=HYPERLINK("http://evil.example","x")'   # text, never a formula
    assert hostile["QuickBooks invoice"] == "https://qbo.example/app/invoice?txnId=12"   # the address, not Markdown


def test_the_excel_export_opens_in_openpyxl_with_the_same_rows(staff_client, sheet):
    content = _export(staff_client, "xlsx", {**REQUEST, "filterModel": {}}, "UMBRELLA")
    book = openpyxl.load_workbook(io.BytesIO(content))
    values = list(book["Invoices"].iter_rows(values_only=True))
    header, rows = values[0], values[1:]
    expected = sorted((r for r in _sheet_rows(sheet) if r["to_client"] == "Umbrella Corp"),
                      key=lambda r: -float(r["inv_dollars"].strip("$").replace(",", "")))
    assert [row[1] for row in rows] == [r["invoice"] for r in expected] and len(rows) == 9
    assert len(header) == len(HEADER) + 1
    amounts = [row[header.index("Amount")] for row in rows]
    assert all(isinstance(a, (int, float)) for a in amounts) and amounts == sorted(amounts, reverse=True)


def test_an_anonymous_export_is_refused(tracker_app, sheet):
    client = tracker_app.server.test_client()
    body = {"output": EXPORT, "outputs": {"id": "invoices-download", "property": "data"}, "inputs": [],
            "state": [], "changedPropIds": []}
    assert client.post("/_dash-update-component", json=body).status_code == 401
