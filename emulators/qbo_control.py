"""`/__emulator__/...`: the control API (JSON, no auth, loopback only).

Everything a test needs when the client under test runs in another process (and may be SIGKILLed):

    GET  stats | config | created?entity=Invoice | docnumbers?entity=Invoice | faults | behaviour
    POST faults {"kind": "429", "count": 2, "match": "batch"} (or {"clear": true})
    POST latency {"seconds": 0.5} | edition {"edition": "Simple Start"} | expire_tokens | revoke_all
    POST reset_stats | clear_faults | customers {"name": ...} | vendors {"name": ...} | tokens (issue a token pair)
    POST customers {"name", "CurrencyRef": {"value": "EUR"}, "SalesTermRef": {"value": "3"}} | vendors {"name",
         "TermRef": {"value": "2"}} | terms {"name": "Net 10", "DueDays": 10, "active": false}
    POST behaviour {"country": "GB", "multicurrency": true, "automated_sales_tax": false, "default_terms": "3"}
    POST behaviour {"requestid_mode": "reject", "bill_duplicates": "per_vendor", "custom_txn_numbers_bill": false}
    POST pay_invoice {"invoice_id": "130", "amount": 50, "txn_date": "2025-10-09"} (amount, txn_date optional)
    POST pay_bill {"bill_id", "amount"?, "txn_date"?, "pay_type"?: "Check"|"CreditCard", "account_id"?}
    POST void_invoice {"invoice_id"} | delete_invoice {"invoice_id"} | delete_bill {"bill_id"}
    POST void_payment | delete_payment {"payment_id"} | void_bill_payment | delete_bill_payment {"bill_payment_id"}
    POST update_invoice {"invoice_id", ...fields} | update_bill {"bill_id", ...fields}   (a sparse update)

The last group acts as a QuickBooks user would (emulators/qbo_user.py) and answers what the API would (the payment,
the voided invoice, {"status": "Deleted", ...}); QuickBooks refusing it is a 400 {"error", "Fault"}.

`behaviour` takes any of the keys of emulators/qbo_behaviour.py (requestid_mode, invoice_duplicates,
bill_duplicates, docnumber_match, custom_txn_numbers_invoice, custom_txn_numbers_bill, country, multicurrency,
automated_sales_tax, default_terms) and answers all current
settings; an unknown key or a value outside the allowed ones is a 400 naming them, and nothing changes.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from emulators.qbo_faults import QboFault, dumps
from emulators.qbo_user import USER_ACTIONS

LOOPBACK_ADDRESSES = (None, "127.0.0.1", "::1")


def _json(body, status: int = 200) -> Response:
    return Response(dumps(body), status=status, content_type="application/json;charset=UTF-8")


def control(emu, request: Request) -> Response:
    if request.remote_addr not in LOOPBACK_ADDRESSES:
        return _json({"error": "control endpoints are loopback-only"}, 403)
    action = request.path[len("/__emulator__/"):].strip("/")
    body = (request.get_json(force=True, silent=True) or {}) if request.method == "POST" else {}
    entity = request.args.get("entity", "Invoice")
    try:
        if request.method == "GET":
            getters = {"stats": emu.stats, "config": emu.config,
                       "created": lambda: {"entity": entity, "created": emu.created(entity)},
                       "docnumbers": lambda: {"entity": entity, "counts": emu.docnumber_counts(entity)},
                       "faults": lambda: {"faults": emu.faults(), "latency": emu.latency},
                       "behaviour": emu.behaviour}
            if action in getters:
                return _json(getters[action]())
        elif request.method == "POST" and action == "faults":
            if body.get("clear"):
                emu.clear_faults()
            if "kind" in body:
                emu.inject(str(body["kind"]), int(body.get("count", 1)), body.get("match"),
                           float(body.get("probability", 1.0)))
            return _json({"faults": emu.faults(), "latency": emu.latency})
        elif request.method == "POST" and action in ("customers", "vendors", "terms"):
            add = {"customers": emu.add_customer, "vendors": emu.add_vendor, "terms": emu.add_term}[action]
            fields = {key: value for key, value in body.items() if key not in ("name", "active")}
            return _json(add(str(body["name"]), bool(body.get("active", True)), **fields))
        elif request.method == "POST" and action == "behaviour":
            settings = request.get_json(force=True, silent=True) if request.get_data() else {}
            if not isinstance(settings, dict):
                raise ValueError("the body must be a JSON object of behaviour settings")
            return _json(emu.set_behaviour(**settings))
        elif request.method == "POST" and action == "tokens":
            return _json(emu.issue_tokens())
        elif request.method == "POST" and action in USER_ACTIONS:
            if not isinstance(body, dict):
                raise TypeError("the body must be a JSON object of the action's arguments")
            return _json(getattr(emu, action)(**body))
        elif request.method == "POST":
            actions = {"latency": lambda: emu.set_latency(float(body["seconds"])),
                       "edition": lambda: emu.set_edition(str(body["edition"])),
                       "expire_tokens": emu.expire_access_tokens, "revoke_all": emu.revoke_all,
                       "reset_stats": emu.reset_stats, "clear_faults": emu.clear_faults}
            if action in actions:
                actions[action]()
                return _json({"ok": True, "edition": emu.edition, "latency": emu.latency})
        return _json({"error": f"unknown control endpoint {request.method} {request.path}"}, 404)
    except QboFault as problem:
        return _json({"error": str(problem), "Fault": problem.fault}, 400)
    except (KeyError, ValueError, TypeError) as exc:
        return _json({"error": f"{type(exc).__name__}: {exc}"}, 400)
