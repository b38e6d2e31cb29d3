"""Service-account auth for the Sheets emulator: the throwaway key and key dict, JWT checks, the 401 answer.

google-auth signs a JWT with the key from `SheetsEmulator.service_account_info()` and trades it at
`/token` for a bearer token; this module holds the crypto so `emulators/sheets.py` keeps only the bookkeeping.
"""

from __future__ import annotations

import base64
import json
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.wrappers import Response

from emulators.sheets_http import _google_error

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_CLIENT_EMAIL = "sheets-emulator@emulator-project.iam.gserviceaccount.com"
_AUTH_HELP = ("Expected OAuth 2 access token, login cookie or other valid authentication credential. "
              "See https://developers.google.com/identity/sign-in/web/devconsole-project.")

_KEY_LOCK = threading.Lock()
_SHARED_KEY: rsa.RSAPrivateKey | None = None


def _throwaway_key() -> rsa.RSAPrivateKey:
    """One RSA key per process: generating 2048-bit keys per emulator would slow the test suite down."""
    global _SHARED_KEY
    with _KEY_LOCK:
        if _SHARED_KEY is None:
            _SHARED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _SHARED_KEY


def _service_account_key(key_id: str, token_uri: str, client_email: str) -> dict:
    """A service-account key dict holding the throwaway key, whose `token_uri` is the emulator's `/token`."""
    pem = _throwaway_key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
    return {
        "type": "service_account", "project_id": "emulator-project", "private_key_id": key_id,
        "private_key": pem, "client_email": client_email, "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/emulator",
        "universe_domain": "googleapis.com",
    }


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _verify_jwt(assertion: str) -> dict | None:
    """Check an RS256 JWT was signed by our throwaway key and names an issuer."""
    try:
        header_b64, payload_b64, sig_b64 = assertion.split(".")
        header, claims = json.loads(_b64url_decode(header_b64)), json.loads(_b64url_decode(payload_b64))
        if header.get("alg") != "RS256" or not claims.get("iss"):
            return None
        _throwaway_key().public_key().verify(_b64url_decode(sig_b64), f"{header_b64}.{payload_b64}".encode(),
                                             padding.PKCS1v15(), hashes.SHA256())
        return claims
    except (ValueError, InvalidSignature, AttributeError):
        return None


def _unauthenticated(token: str) -> Response:
    """The 401 Google sends for a missing or unknown bearer token."""
    missing = not token.strip()
    message = ("Request is missing required authentication credential. " if missing else
               "Request had invalid authentication credentials. ") + _AUTH_HELP
    reason = "CREDENTIALS_MISSING" if missing else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
    response = _google_error(401, "UNAUTHENTICATED", message, details=[{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
        "domain": "googleapis.com", "metadata": {"service": "sheets.googleapis.com"}}])
    response.headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
    return response
