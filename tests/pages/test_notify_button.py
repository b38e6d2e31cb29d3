"""The admin page's "Send test message" button: admins only, and a plain sentence of what happened."""

from __future__ import annotations

BODY = {"output": "admin-notify-result.children", "outputs": {"id": "admin-notify-result", "property": "children"},
        "inputs": [{"id": "admin-notify-test", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["admin-notify-test.n_clicks"], "state": []}


def test_an_admin_gets_a_sentence_saying_what_happened(admin_client):
    answer = admin_client.post("/_dash-update-component", json=BODY)
    assert answer.status_code == 200
    assert "Notifications are off" in answer.get_data(as_text=True)   # the shared app configures no mail server


def test_staff_cannot_send_one(staff_client):
    assert staff_client.post("/_dash-update-component", json=BODY).status_code == 403


def test_only_admins_see_the_button(admin_client, staff_client):
    assert "admin-notify-test" in admin_client.post("/_dash-update-component", json=_page("/admin")).get_data(
        as_text=True)
    assert "admin-notify-test" not in staff_client.post("/_dash-update-component", json=_page("/admin")).get_data(
        as_text=True)


def _page(path: str) -> dict:
    """The page router's callback, as the browser asks for a page."""
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
