"""Small Dash pieces both dashboards use (the leading underscore keeps Dash from importing this as a page)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def date_range(start_id: str, end_id: str, size: str | None = None):
    """The submitted-date range: two native date fields (a phone shows its own picker), both ends included,
    either may stay empty. The label sits above the fields so that they keep their width on a phone."""
    return html.Div([
        html.Div("Submitted between", className="text-muted small"),
        dbc.InputGroup([dbc.Input(id=start_id, type="date", name="from"), dbc.InputGroupText("and"),
                        dbc.Input(id=end_id, type="date", name="to")], size=size),
    ])
