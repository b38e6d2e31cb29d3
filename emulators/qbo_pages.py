"""A page per transaction, standing for the QuickBooks web app in local/demo mode, so a person running the demo can
open the link the tracker shows, record a payment, void the invoice or delete the bill, and see the sync follow.

    GET  /app/invoice?txnId=<Id>[&companyId=<realm>]    GET /app/bill?txnId=<Id>
    POST the same address, form fields csrf, action (pay | void | delete), amount, date -> 303 back to the page

The path is the real web-app link the repository builds for qb_*_url (quickbooks/settings.py `app_base_url` +
`/app/{invoice|bill}?txnId=`; reference §4, §5: `https://app.qbo.intuit.com/app/invoice?txnId={Id}`), so pointing
`app_base_url` at the emulator is all the demo needs. The page shows number, customer/vendor, date, due date,
total, balance, status (open, partly paid, paid, voided) and the linked payments, with a "Record a payment" form
and a "Void" button (invoices) or "Delete" button (bills). Deleted or unknown ids, and another companyId, answer
a plain 404 page.

No bearer token is asked for: the pages stand for the web UI a logged-in person uses. They are served to loopback
clients only (the emulator binds 127.0.0.1 anyway). Every form carries a per-page CSRF token, issued when the
page is rendered, bound to that transaction and good for one POST; a POST without it, with another page's token, or
from another Origin is refused with 403 and changes nothing. Everything shown is HTML-escaped; responses carry a
CSP without scripts, frame-ancestors 'none' and no-store.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from html import escape
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from emulators.qbo_control import LOOPBACK_ADDRESSES
from emulators.qbo_faults import QboFault, company_date
from emulators.qbo_payments import payments_of

PAGES = {"/app/invoice": "Invoice", "/app/bill": "Bill"}
MAX_TOKENS = 500
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "Cache-Control": "no-store"}
STYLE = ("body{font:15px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:44rem;color:#222}"
         "header{color:#2ca01c;font-weight:600}dl{display:grid;grid-template-columns:9rem 1fr;gap:.3rem 1rem}"
         "dt{color:#666}table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd}"
         "form{margin:1rem 0}.problem{color:#b00020}.status{font-weight:600}")


class TransactionPages:
    """The pages' CSRF tokens (token -> "Entity:Id"), oldest dropped first beyond MAX_TOKENS."""

    def __init__(self):
        self.tokens: OrderedDict[str, str] = OrderedDict()

    def issue(self, page: str) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = page
        while len(self.tokens) > MAX_TOKENS:
            self.tokens.popitem(last=False)
        return token

    def redeem(self, token: str, page: str) -> bool:
        """True once for a token issued for `page`."""
        if not token or self.tokens.get(token) != page:
            return False
        del self.tokens[token]
        return True


def serve(emu, request: Request) -> Response:
    entity, txn_id = PAGES[request.path], request.args.get("txnId", "")
    if request.remote_addr not in LOOPBACK_ADDRESSES:
        return _page("Forbidden", "<p>These pages are served to this computer only.</p>", 403)
    company_id = request.args.get("companyId")
    if company_id not in (None, emu.realm_id) or not _exists(emu, entity, txn_id):
        return _page("Not found", f"<p>There is no {escape(entity.lower())} {escape(txn_id)} in this company "
                                  "(it may have been deleted).</p>", 404)
    if request.method == "POST":
        return _post(emu, request, entity, txn_id)
    if request.method != "GET":
        return _page("Method not allowed", "<p>GET or POST only.</p>", 405)
    return _view(emu, entity, txn_id)


def _exists(emu, entity: str, txn_id: str) -> bool:
    with emu._lock:
        return txn_id in emu.company.objects[entity]


def _post(emu, request: Request, entity: str, txn_id: str) -> Response:
    origin = request.headers.get("Origin")
    same_origin = origin is None or urlsplit(origin).netloc == request.host
    with emu._lock:
        valid = same_origin and emu.pages.redeem(request.form.get("csrf", ""), f"{entity}:{txn_id}")
    if not valid:
        return _page("Forbidden", "<p>This form has expired or did not come from this page. Reload the page and "
                                  "try again.</p>", 403)
    try:
        _act(emu, entity, txn_id, request.form)
    except (QboFault, ValueError) as problem:
        detail = "; ".join(e["Detail"] for e in problem.errors) if isinstance(problem, QboFault) else str(problem)
        return _view(emu, entity, txn_id, problem=detail, status=400)
    return Response("", status=303, headers={"Location": f"{request.path}?txnId={txn_id}", **HEADERS})


def _act(emu, entity: str, txn_id: str, form) -> None:
    action = form.get("action")
    if action == "pay":
        amount, txn_date = _amount(form.get("amount", "")), form.get("date") or None
        pay = emu.pay_invoice if entity == "Invoice" else emu.pay_bill
        pay(txn_id, amount=amount, txn_date=txn_date)
    elif action == "void" and entity == "Invoice":
        emu.void_invoice(txn_id)
    elif action == "delete" and entity == "Bill":
        emu.delete_bill(txn_id)
    else:
        raise ValueError(f"Unknown action {action!r}")


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"The amount {text!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("The amount must be more than 0")
    return amount


# ------------------------------------------------------------------------------------------------ rendering
def status_of(emu, entity: str, obj: dict) -> str:
    if f"{entity}:{obj['Id']}" in emu.company.voided:
        return "voided"
    total, balance = Decimal(str(obj.get("TotalAmt", 0))), Decimal(str(obj.get("Balance", 0)))
    if balance <= 0:
        return "paid"
    return "partly paid" if balance < total else "open"


def _view(emu, entity: str, txn_id: str, problem: str | None = None, status: int = 200) -> Response:
    with emu._lock:
        obj = emu.company.read(entity, txn_id)
        payments = payments_of(emu.company, entity, obj)
        state = status_of(emu, entity, obj)
        token = emu.pages.issue(f"{entity}:{txn_id}")
        today = company_date(emu.clock())
    party = (obj.get("CustomerRef") or obj.get("VendorRef") or {}).get("name", "")
    title = f"{entity} {obj.get('DocNumber') or obj['Id']}"
    rows = [("Number", obj.get("DocNumber", "")), ("Customer" if entity == "Invoice" else "Vendor", party),
            ("Date", obj.get("TxnDate", "")), ("Due date", obj.get("DueDate", "")),
            ("Total", _money(obj.get("TotalAmt", 0))), ("Balance", _money(obj.get("Balance", 0)))]
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    body = (f"<header>QuickBooks Online · {escape(emu.company.company_name)} (local emulator)</header>"
            f"<h1>{escape(title)}</h1>" + (f'<p class="problem" role="alert">{escape(problem)}</p>' if problem else "")
            + f'<dl>{body}<dt>Status</dt><dd class="status" id="status">{escape(state)}</dd></dl>'
            + _payments_table(payments, txn_id) + _forms(entity, txn_id, obj, state, token, today))
    return _page(title, body, status)


def _payments_table(payments: list[dict], txn_id: str) -> str:
    """The payments applied to this transaction, with the part of each applied here."""
    if not payments:
        return "<h2>Payments</h2><p>No payments yet.</p>"
    rows = "".join(f"<tr><td>{escape(p['Id'])}</td><td>{escape(p.get('TxnDate', ''))}</td>"
                   f"<td>{escape(_money(_applied(p, txn_id)))}</td></tr>" for p in payments)
    return f"<h2>Payments</h2><table><tr><th>Payment</th><th>Date</th><th>Applied</th></tr>{rows}</table>"


def _applied(payment: dict, txn_id: str) -> Decimal:
    return sum((Decimal(str(line["Amount"])) for line in payment.get("Line", [])
                if line["LinkedTxn"][0]["TxnId"] == txn_id), Decimal(0))


def _forms(entity: str, txn_id: str, obj: dict, state: str, token: str, today: str) -> str:
    action = f"/app/{entity.lower()}?txnId={escape(txn_id)}"
    hidden = f'<input type="hidden" name="csrf" value="{escape(token)}">'
    forms = ""
    if state in ("open", "partly paid"):
        forms += (f'<form method="post" action="{action}">{hidden}<h2>Record a payment</h2>'
                  f'<label>Amount <input name="amount" value="{escape(_money(obj.get("Balance", 0)))}"></label> '
                  f'<label>Date <input type="date" name="date" value="{escape(today)}"></label> '
                  '<button type="submit" id="pay" name="action" value="pay">Record a payment</button></form>')
    if entity == "Invoice" and state != "voided":
        forms += (f'<form method="post" action="{action}">{hidden}'
                  '<button type="submit" id="void" name="action" value="void">Void</button></form>')
    if entity == "Bill":
        forms += (f'<form method="post" action="{action}">{hidden}'
                  '<button type="submit" id="delete" name="action" value="delete">Delete</button></form>')
    return forms


def _money(value) -> str:
    return f"{Decimal(str(value)):,.2f}"


def _page(title: str, body: str, status: int) -> Response:
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>")
    return Response(html, status=status, content_type="text/html; charset=utf-8", headers=HEADERS)
