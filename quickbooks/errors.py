"""The QuickBooks branch of the project's one exception tree (the root is `tracker.errors.TrackerError`).

    TrackerError
    ├── ConfigError
    │   └── TokenKeyMismatch          stored tokens cannot be decrypted with QB_TOKEN_KEY: refuse to start
    └── SyncError
        ├── FatalAPIError             stop this direction/run and show it on the admin page
        │   ├── ReconnectNeeded       invalid_grant, revoked, refresh token expired or near its end, no tokens
        │   ├── ClientRejected        Intuit refused QB_CLIENT_ID/QB_CLIENT_SECRET (invalid_client)
        │   ├── NotAuthorized         403 ApplicationAuthorizationFailed: keys and company do not match
        │   ├── FeatureNotAvailable   the company's edition lacks a feature (Bills on Simple Start)
        │   └── OAuthCallbackError    a connect attempt that must be refused (state, access_denied, realm)
        ├── RetriableAPIError         429, 5xx, timeouts, connection errors, HTML gateway pages: back off, retry
        └── ApiFault                  QuickBooks refused one request (a Fault with codes): the row fails

Messages say what happened and what to do; they never contain tokens, secrets or whole payloads.
`quickbooks/wire/` translates requests/oauthlib exceptions and Fault bodies into these at the boundary
(`client.classify_fault` is the one reading of a Fault).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.errors import ConfigError, SyncError


class TokenKeyMismatch(ConfigError):
    """The stored QuickBooks tokens were encrypted with another QB_TOKEN_KEY."""


class FatalAPIError(SyncError):
    """Retrying will not help; a person must act (reconnect, fix a setting, upgrade the edition)."""


class ReconnectNeeded(FatalAPIError):
    """The stored connection is dead: an admin must press "Connect QuickBooks" again."""


class ClientRejected(FatalAPIError):
    pass


class NotAuthorized(FatalAPIError):
    pass


class FeatureNotAvailable(FatalAPIError):
    pass


class OAuthCallbackError(FatalAPIError):
    pass


class RetriableAPIError(SyncError):
    """A passing failure: throttled, a server error, or no answer in time."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FaultDetail:
    code: str
    message: str
    detail: str = ""
    element: str = ""

    def __str__(self) -> str:
        text = self.detail or self.message
        return f"{text} (QuickBooks error {self.code})" if self.code else text


DUPLICATE_NUMBER = "6140"   # "Duplicate Document Number Error": the DocNumber is taken


class ApiFault(SyncError):
    """QuickBooks answered with a Fault: one or more errors, each with a code."""

    def __init__(self, errors: list[FaultDetail], status: int | None = None, fault_type: str = ""):
        self.errors = list(errors)
        self.status = status
        self.fault_type = fault_type
        super().__init__("; ".join(str(error) for error in self.errors) or "QuickBooks refused the request")

    @property
    def codes(self) -> set[str]:
        return {error.code for error in self.errors}

    @property
    def duplicate_number(self) -> bool:
        return DUPLICATE_NUMBER in self.codes
