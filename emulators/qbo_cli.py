"""`python -m emulators.qbo`: serve the QuickBooks Online emulator and its demo company on 127.0.0.1 until Ctrl-C.

Apart from `emulators/qbo.py` so the server class stays readable; that module's `__main__` calls `main`.
"""

from __future__ import annotations

import argparse

from emulators._server import serve_until_stopped
from emulators.qbo import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH, QboEmulator
from emulators.qbo_behaviour import CHOICES
from emulators.qbo_schema import EDITIONS

BEHAVIOUR_HELP = {
    "requestid_mode": "a repeated ?requestid=: replay = the first answer again (default); ignore = performed again "
                      "(creates again); reject = performs nothing, 400 Fault 6000 (a batch: 200, Fault 6000 per item)",
    "invoice_duplicates": "an Invoice DocNumber already used: refuse = Fault 6140 (default); allow = created",
    "bill_duplicates": "a Bill DocNumber already used: company = 6140 if any Bill has it (default); per_vendor = 6140 "
                       "only for the same VendorRef; allow = created",
    "docnumber_match": "the duplicate check compares DocNumbers exact (default) or case_insensitive (queries stay "
                       "exact)",
    "country": "the company's country: US (default; lines carry TAX/NON) or GB, CA, AU (every line needs one of "
               "the country's TaxCodes; home currency GBP, CAD, AUD)",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.qbo",
        description="Serve a loopback QuickBooks Online emulator (Accounting API v3 + OAuth 2.0) on 127.0.0.1 "
                    "with a demo company, until Ctrl-C.",
        epilog="Point the app at it with QB_ENV=local or QB_API_BASE_URL/QB_AUTHORIZE_URL/QB_TOKEN_URL/"
               "QB_REVOKE_URL. Control API (no auth): GET /__emulator__/stats | created?entity=Invoice | config | "
               'behaviour, POST /__emulator__/faults {"kind": "429", "count": 2, "match": "batch"}, /latency, '
               '/edition, /expire_tokens, /revoke_all, /reset_stats, /customers, /vendors, /tokens, /behaviour '
               '{"requestid_mode": "reject", "bill_duplicates": "per_vendor", "custom_txn_numbers_bill": false} '
               "(any of the behaviour keys; 400 names the allowed values). The behaviour flags below are Intuit's "
               "real per-company variations; their defaults are the kindest company. "
               "GET /v3/company/{realm}/preferences shows the custom-number settings.")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: 0, any free port)")
    parser.add_argument("--edition", default="Plus", choices=EDITIONS, help="QuickBooks Online edition (default Plus)")
    parser.add_argument("--client-id", default="emulator-client", help="OAuth client id to accept")
    parser.add_argument("--client-secret", default="emulator-secret", help="OAuth client secret to accept")
    parser.add_argument("--redirect-uri", action="append", dest="redirect_uris",
                        help="registered redirect URI (repeatable; default http://localhost:8765/callback)")
    parser.add_argument("--realm-id", default="9130350000000001", help="the company's realm id")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to delay every API request")
    parser.add_argument("--requests-per-minute", type=int, default=500, help="per-realm limit (0 = unlimited)")
    parser.add_argument("--no-rotate", action="store_true", help="return the same refresh token on refresh")
    for key, text in BEHAVIOUR_HELP.items():
        parser.add_argument("--" + key.replace("_", "-"), choices=CHOICES[key], default=CHOICES[key][0], help=text)
    for entity in ("invoice", "bill"):
        parser.add_argument(f"--custom-txn-numbers-{entity}", action=argparse.BooleanOptionalAction, default=True,
                            help=f"company preference: use the {entity.title()} DocNumber sent (default); with "
                                 "--no-... QuickBooks numbers it itself and ignores the one sent")
    parser.add_argument("--multicurrency", action=argparse.BooleanOptionalAction, default=False,
                        help="company preference: customers and vendors may have a foreign currency (default off)")
    parser.add_argument("--automated-sales-tax", action=argparse.BooleanOptionalAction, default=False,
                        help="US company preference: automated sales tax (TaxPrefs.PartnerTaxEnabled; default off)")
    parser.add_argument("--default-terms", default=None, metavar="TERM_ID",
                        help="company preference: the Term Id of an Invoice that names no terms (e.g. 3 = Net 30; "
                             "default none)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    behaviour = {key: getattr(args, key) for key in CHOICES}
    emu = QboEmulator(client_id=args.client_id, client_secret=args.client_secret, realm_id=args.realm_id,
                      redirect_uris=tuple(args.redirect_uris or ("http://localhost:8765/callback",)),
                      edition=args.edition, requests_per_minute=args.requests_per_minute or None,
                      rotate_refresh_tokens=not args.no_rotate, **behaviour)
    emu.set_latency(args.latency)
    server = emu.start(args.port)
    print(f"QuickBooks Online emulator listening on {server.url}", flush=True)
    for label, value in (("company", f"{emu.company.company_name} ({emu.edition})"), ("realm id", emu.realm_id),
                         ("client id", emu.client_id), ("client secret", emu.client_secret),
                         ("redirect URI", ", ".join(emu.redirect_uris)),
                         ("authorize URL", f"{server.url}{AUTHORIZE_PATH}"), ("token URL", f"{server.url}{TOKEN_PATH}"),
                         ("revoke URL", f"{server.url}{REVOKE_PATH}"), ("API base URL", server.url),
                         ("stats", f"{server.url}/__emulator__/stats"),
                         ("behaviour", ", ".join(f"{k}={v}" for k, v in emu.behaviour().items()))):
        print(f"  {label + ':':15s}{value}", flush=True)
    serve_until_stopped(server)
    return 0
