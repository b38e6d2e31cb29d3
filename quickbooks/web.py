"""The web side of connecting QuickBooks: /qbo/connect starts OAuth, /qbo/callback finishes it.

Connecting needs the admin role, the PDF route staff (tracker/auth.py `requires`, besides the guard). `state`
lives in the admin's server-side session and is used once; who connected is logged. The outcome, good or bad,
is put in the session and shown on /admin; stored tokens change only on success. In demo mode the app registers
its own callback address with the bundled emulator, as an admin registers it at Intuit.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, redirect, request, session, url_for

from quickbooks.connection import QuickBooks
from tracker.auth import ADMIN, STAFF, current_user, requires
from tracker.errors import TrackerError

log = logging.getLogger(__name__)
FLASH_KEY = "admin_flash"


def flash(kind: str, message: str) -> None:
    session[FLASH_KEY] = {"kind": kind, "message": message}


def pop_flash() -> dict | None:
    return session.pop(FLASH_KEY, None)


def init_oauth_routes(server: Flask, quickbooks: QuickBooks) -> None:
    def redirect_uri() -> str:
        return quickbooks.settings.web_redirect_uri or url_for("qbo_callback", _external=True)

    @server.route("/qbo/invoice/<qb_id>/pdf")
    @requires(STAFF)
    def qbo_invoice_pdf(qb_id: str):
        """An invoice's PDF, fetched from QuickBooks on demand (the sheet keeps only the link)."""
        if not qb_id.isdigit():
            abort(404)
        try:
            pdf = quickbooks.client.invoice_pdf(qb_id)
        except TrackerError as exc:
            flash("danger", f"The PDF of invoice {qb_id} could not be fetched: {exc}")
            return redirect("/admin")
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="invoice-{qb_id}.pdf"'})

    @server.route("/qbo/connect")
    @requires(ADMIN)
    def qbo_connect():
        log.info("QuickBooks connect started by %s", current_user().username)
        return redirect(quickbooks.connect_url(session, redirect_uri()))

    @server.route("/qbo/callback", endpoint="qbo_callback")
    @requires(ADMIN)
    def qbo_callback():
        user = current_user().username
        try:
            flash("success", quickbooks.finish_connect(session, request.args.to_dict(), redirect_uri()))
            log.info("QuickBooks connected by %s", user)
        except TrackerError as exc:
            log.warning("QuickBooks connect by %s refused: %s", user, exc)
            flash("danger", str(exc))
        return redirect("/admin")
