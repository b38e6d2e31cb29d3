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
        │   ├── NumbersNotOurs        custom transaction numbers are off: QuickBooks numbers that direction itself
        │   └── OAuthCallbackError    a connect attempt that must be refused (state, access_denied, realm)
        ├── SyncCouldNotStart         the disk or database failed as a run was starting: a message, never a 500
        ├── RetriableAPIError         429, 5xx, timeouts, connection errors, HTML gateway pages: back off, retry
        │   └── OutcomeUnknown        a create whose answer never came: look it up before sending it again
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


class NumbersNotOurs(FatalAPIError):
    """The company numbers this kind of transaction itself (custom transaction numbers off): the sheet's invoice
    number cannot be the transaction's, so nothing could be looked up or kept exactly once."""


class OAuthCallbackError(FatalAPIError):
    pass


class SyncCouldNotStart(SyncError):
    """Starting a run failed in the disk or the database (full disk, read-only or unreachable database)."""

    @classmethod
    def because(cls, exc: BaseException) -> SyncCouldNotStart:
        cause = getattr(exc, "orig", None) or exc   # SQLAlchemy wraps the driver's error; its first line says it
        first = (str(cause).splitlines() or [""])[0][:200]
        return cls(f"The sync could not start: the disk or database is not available "
                   f"({type(cause).__name__}: {first})")


class RetriableAPIError(SyncError):
    """A passing failure: throttled, a server error, or no answer in time.

    `maybe_processed` says whether QuickBooks may have acted on the request before failing (a timeout, a dropped
    connection, a 5xx after the body was sent), as opposed to refusing it untouched (429, connection refused)."""

    def __init__(self, message: str, status: int | None = None, maybe_processed: bool = False):
        super().__init__(message)
        self.status = status
        self.maybe_processed = maybe_processed


class OutcomeUnknown(RetriableAPIError):
    """A create whose answer never came: QuickBooks may or may not hold it. It is never sent again blindly: the
    sender looks its number up first (requestid replay is documented but unreliable)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message, status, maybe_processed=True)


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
STALE_OBJECT = "5010"
BUSINESS_VALIDATION = "6000"  # catch-all; also what some companies answer to a repeated requestid


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

    @property
    def stale_object(self) -> bool:
        """5010: the update carried an old SyncToken (someone changed the object since it was read)."""
        return STALE_OBJECT in self.codes

    @property
    def outcome_unknown(self) -> bool:
        """A 6000 on a create may be a refused requestid replay (quickbooks-ruby#344): the create may have happened
        earlier, so the row is looked up rather than failed."""
        return BUSINESS_VALIDATION in self.codes
