"""The overview's figures show HTML typed into sheet cells as text: Plotly would render `<a href>` as a link."""

from __future__ import annotations

from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table

OUTPUTS = [("overview-sankey", "figure"), ("overview-by-status", "figure"), ("overview-by-month", "figure"),
           ("overview-cards", "children")]


def _callback() -> dict:
    """The JSON Dash's renderer posts for the overview callback (no filter chosen): the filter values only."""
    return {"output": ".." + "...".join(f"{i}.{p}" for i, p in OUTPUTS) + "..",
            "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
            "inputs": [{"id": "overview-status", "property": "value", "value": None},
                       {"id": "overview-party", "property": "value", "value": None},
                   {"id": "overview-from", "property": "value", "value": None},
                   {"id": "overview-to", "property": "value", "value": None}],
            "changedPropIds": ["overview-status.value"]}


def test_overview_figures_escape_html_from_cells(admin_client, point_app, tmp_path):
    link = '<a href="https://evil.example/">click</a>'
    settings = point_app(local_sheet_path=tmp_path / "book.xlsx")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(sheet_row(
        "X-1", status=link, inv_from="ACD", to_client=link, end_client="<b>E</b>", inv_dollars="100", owed2ACD="40",
        owed2workers="60", submitted_date="2026-03-02"))})
    response = admin_client.post("/_dash-update-component", json=_callback())
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    figures = response.get_json()["response"]
    sankey, by_status = figures["overview-sankey"]["figure"], figures["overview-by-status"]["figure"]
    labels, statuses = sankey["data"][0]["node"]["label"], by_status["data"][0]["x"]
    shown = [*labels, *statuses, *figures["overview-by-month"]["figure"]["data"][0]["x"]]
    assert [text for text in shown if "<" in text or ">" in text] == []
    assert '&lt;a href="https://evil.example/"&gt;click&lt;/a&gt;' in labels
    assert '&lt;a href="https://evil.example/"&gt;click&lt;/a&gt;' in statuses
    assert "&lt;b&gt;E&lt;/b&gt;" in labels
