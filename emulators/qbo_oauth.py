"""Intuit's OAuth 2.0 authorization-code flow, in miniature (reference §1).

    GET/POST /oauth2/authorize          consent page; Authorize -> 302 redirect_uri?code&state&realmId
    POST     /oauth2/v1/tokens/bearer   grant_type=authorization_code | refresh_token
    POST     /oauth2/v1/tokens/revoke   {"token": ...} revokes the token and every token of its grant

Tokens of one consent form a *family*: revoking any member revokes all. With rotation on, each refresh returns a new
refresh token and the superseded one answers 400 `{"error":"invalid_grant"}` (the failure mode behind
ej2/python-quickbooks#392 and Airbyte #44471). With rotation off the same refresh token comes back and its
`x_refresh_token_expires_in` counts down, like a real token within its 24 h window.

Choices where the reference is silent: a redirect_uri that differs from the one the code was issued for is
`invalid_grant` (RFC 6749 §5.2); revoking an unknown token answers 200 (RFC 7009 §2.2); the consent page and the
code exchange never issue id_tokens (no OpenID Connect). Not thread-safe on its own: the emulator holds its lock.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from html import escape
from urllib.parse import unquote, urlencode

from werkzeug.wrappers import Request, Response

from emulators.qbo_faults import dumps

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
KNOWN_SCOPES = {ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment", "openid", "email", "profile", "address", "phone"}
CODE_TTL = 600  # authorization codes live 10 minutes


@dataclass
class Family:
    """Everything issued from one consent: revoked together."""

    client_id: str
    realm_id: str
    scope: str
    revoked: bool = False


@dataclass
class AccessToken:
    family: Family
    expires_at: float


@dataclass
class RefreshToken:
    family: Family
    expires_at: float
    superseded: bool = False


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scope: str
    realm_id: str
    expires_at: float
    used: bool = False


@dataclass
class OAuthServer:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    realm_id: str
    company_name: str
    clock: object
    access_token_ttl: float = 3600
    refresh_token_ttl: float = 8726400
    rotate_refresh_tokens: bool = True
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------ bearer checks
    def check(self, token: str) -> tuple[str, AccessToken | None]:
        """("ok"|"missing"|"invalid"|"expired"|"revoked", token record) for an API bearer token."""
        if not token:
            return "missing", None
        record = self.access_tokens.get(token)
        if record is None:
            return "invalid", None
        if record.family.revoked:
            return "revoked", record
        if record.expires_at <= self.clock():
            return "expired", record
        return "ok", record

    def expire(self, token: str | None = None) -> None:
        """Expire one access token now, or all of them."""
        now = self.clock()
        for key, record in self.access_tokens.items():
            if token is None or key == token:
                record.expires_at = min(record.expires_at, now)

    def revoke_all(self) -> None:
        for record in [*self.access_tokens.values(), *self.refresh_tokens.values()]:
            record.family.revoked = True

    def issue(self, family: Family) -> dict:
        """A fresh access + refresh token pair for `family` (also used by tests to skip the consent page)."""
        now = self.clock()
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(48)
        refresh = "AB11" + secrets.token_hex(23)
        self.access_tokens[access] = AccessToken(family, now + self.access_token_ttl)
        self.refresh_tokens[refresh] = RefreshToken(family, now + self.refresh_token_ttl)
        return self._token_body(access, refresh)

    def _token_body(self, access: str, refresh: str) -> dict:
        remaining = max(0, int(self.refresh_tokens[refresh].expires_at - self.clock()))
        return {"token_type": "bearer", "access_token": access, "expires_in": int(self.access_token_ttl),
                "refresh_token": refresh, "x_refresh_token_expires_in": remaining}

    def issue_for_tests(self) -> dict:
        body = self.issue(Family(self.client_id, self.realm_id, ACCOUNTING_SCOPE))
        return {**body, "realm_id": self.realm_id}

    # -------------------------------------------------------------------------------------- authorize
    def authorize(self, request: Request) -> Response:
        """GET renders the consent page; POST (the form) approves or cancels and redirects."""
        params = request.form if request.method == "POST" else request.args
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        state, scope = params.get("state"), params.get("scope", "")
        if client_id != self.client_id:
            return _error_page("invalid_client", f"Unknown client_id {client_id!r}.")
        if redirect_uri not in self.redirect_uris:
            return _error_page("invalid_request", f"The redirect_uri {redirect_uri!r} is not registered for this app. "
                                                  "Add it under Keys & credentials > Redirect URIs.")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        scopes = set(scope.split())
        if not scopes or not scopes <= KNOWN_SCOPES:
            return _redirect(redirect_uri, error="invalid_scope", state=state)
        if request.method == "GET":
            return self._consent_page(client_id, redirect_uri, scope, state)
        if params.get("decision") != "allow":
            return _redirect(redirect_uri, error="access_denied", state=state)
        code = "AB11" + secrets.token_urlsafe(32)
        self.codes[code] = Code(client_id, redirect_uri, scope, self.realm_id, self.clock() + CODE_TTL)
        realm = self.realm_id if scopes & {ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment"} else None
        return _redirect(redirect_uri, code=code, state=state, realmId=realm)

    def _consent_page(self, client_id: str, redirect_uri: str, scope: str, state: str | None) -> Response:
        hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                         for k, v in (("client_id", client_id), ("redirect_uri", redirect_uri), ("scope", scope),
                                      ("response_type", "code"), ("state", state)) if v is not None)
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Connect to QuickBooks (emulator)</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto}} button{{font-size:1rem;margin-right:1rem}}
#authorize{{background:#2ca01c;color:#fff;border:0;padding:.5rem 1.5rem}}</style></head>
<body><h1>Connect to QuickBooks</h1>
<p>The app <strong>{escape(client_id)}</strong> wants to connect to your company
<strong id="company">{escape(self.company_name)}</strong> (realm {escape(self.realm_id)}).</p>
<p>Scope: <code>{escape(scope)}</code></p>
<p><small>Loopback QuickBooks Online emulator: no Intuit account is involved.</small></p>
<form method="post" action="/oauth2/authorize">{hidden}
<button type="submit" id="authorize" name="decision" value="allow">Authorize</button>
<button type="submit" id="cancel" name="decision" value="deny">Cancel</button>
</form></body></html>"""
        return Response(page, content_type="text/html; charset=utf-8")

    # ------------------------------------------------------------------------------------------ tokens
    def token(self, request: Request) -> tuple[Response, str | None]:
        """The token endpoint; also returns the grant type for statistics."""
        grant_type = request.form.get("grant_type")
        if not self._client_ok(request):
            return _json({"error": "invalid_client"}, 401, {"WWW-Authenticate": 'Basic realm="Intuit"'}), grant_type
        if grant_type == "authorization_code":
            return self._exchange_code(request.form), grant_type
        if grant_type == "refresh_token":
            return self._refresh(request.form), grant_type
        return _json({"error": "unsupported_grant_type"}, 400), grant_type

    def _client_ok(self, request: Request) -> bool:
        """client_secret_basic or client_secret_post (discovery doc, reference §1)."""
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            client_id, secret = unquote(client_id), unquote(secret)
        else:
            client_id, secret = request.form.get("client_id", ""), request.form.get("client_secret", "")
        return secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(secret, self.client_secret)

    def _exchange_code(self, form) -> Response:
        if not form.get("code") or not form.get("redirect_uri"):
            return _json({"error": "invalid_request"}, 400)
        code = self.codes.get(form["code"])
        if (code is None or code.used or code.expires_at <= self.clock() or code.client_id != self.client_id
                or code.redirect_uri != form["redirect_uri"]):
            return _json({"error": "invalid_grant"}, 400)
        code.used = True
        return _json(self.issue(Family(code.client_id, code.realm_id, code.scope)))

    def _refresh(self, form) -> Response:
        value = form.get("refresh_token", "")
        if not value:
            return _json({"error": "invalid_request"}, 400)
        record = self.refresh_tokens.get(value)
        if (record is None or record.superseded or record.family.revoked or record.expires_at <= self.clock()
                or record.family.client_id != self.client_id):
            return _json({"error": "invalid_grant"}, 400)
        if self.rotate_refresh_tokens:
            record.superseded = True
            return _json(self.issue(record.family))
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(48)
        self.access_tokens[access] = AccessToken(record.family, self.clock() + self.access_token_ttl)
        return _json(self._token_body(access, value))

    def revoke(self, request: Request) -> Response:
        if not self._client_ok(request):
            return _json({"error": "invalid_client"}, 401)
        body = request.get_json(silent=True, force=True) if request.mimetype != "application/x-www-form-urlencoded" \
            else None
        token = (body or {}).get("token") if isinstance(body, dict) else request.form.get("token")
        if not token:
            return _json({"error": "invalid_request"}, 400)
        record = self.access_tokens.get(token) or self.refresh_tokens.get(token)
        if record is not None:
            record.family.revoked = True
        return Response(b"", status=200)


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(dumps(body), status=status, content_type="application/json;charset=UTF-8", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _redirect(redirect_uri: str, **params) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in redirect_uri else "?"
    return Response(status=302, headers={"Location": f"{redirect_uri}{separator}{query}"})


def _error_page(error: str, description: str) -> Response:
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body>'
            f'<h1>We couldn\'t connect to QuickBooks</h1><p id="error">{escape(error)}</p>'
            f'<p id="error_description">{escape(description)}</p></body></html>')
    return Response(page, status=400, content_type="text/html; charset=utf-8")
