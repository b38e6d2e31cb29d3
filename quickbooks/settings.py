"""QuickBooks settings: the QB_* variables plus the token key and address overrides; frozen, validated.

`QB_ENV=local` (the default) talks to the bundled emulator: no Intuit account, no credentials. `sandbox`
(alias `development`, as Intuit's developer portal names it) and `production` talk to Intuit and need the app's keys.
Every problem is reported at once, by variable name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from quickbooks.rules.currency import parse_currency
from tracker.errors import ConfigError
from tracker.settings import (DEFAULT_ENV_FILE, is_loopback, parse_bool, parse_choice, parse_fields,
                              parse_positive_float, parse_positive_int, parse_url, read_environment, text)

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"   # the shipped mappings, wherever the app runs from
DEFAULT_EMULATOR_STATE = Path("data/qbo_emulator.json")   # plain JSON, never pickle (emulators/qbo_state.py)
ENVIRONMENTS = ("local", "sandbox", "production")
ENV_ALIASES = {"development": "sandbox", "dev": "sandbox"}
SYNC_MODES = ("invoice_only", "dual")
ON_EDIT = ("flag", "update")
SCOPE = "com.intuit.quickbooks.accounting"
LOCAL_CLIENT_ID = "emulator-client"
LOCAL_CLIENT_SECRET = "emulator-secret"

INTUIT_ENDPOINTS = {
    "authorize_url": "https://appcenter.intuit.com/connect/oauth2",
    "token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "revoke_url": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
}
API_BASE_URLS = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
    "production": "https://quickbooks.api.intuit.com",
}


@dataclass(frozen=True)
class QbSettings:
    env: str = "local"
    client_id: str = LOCAL_CLIENT_ID
    client_secret: str = field(default=LOCAL_CLIENT_SECRET, repr=False)
    redirect_uri: str = "http://localhost:8765/callback"
    realm_id: str = ""
    default_item_id: str = "1"
    default_item_name: str = "Services"
    sync_mode: str = "invoice_only"
    enable_bills: bool = False
    default_vendor_account: str = ""
    default_expense_account: str = ""
    token_key: str = field(default="", repr=False)
    api_base_url: str = ""
    authorize_url: str = ""
    token_url: str = ""
    revoke_url: str = ""
    minor_version: int = 75
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    backoff_max_seconds: float = 30.0
    requests_per_minute: int = 450
    batch_requests_per_minute: int = 36
    max_concurrent: int = 8
    ready_statuses: frozenset[str] = frozenset({"submitted", "pending"})
    group_by_invoice: bool = False
    docnumber_prefix: str = ""
    customer_field: str = "to_client"
    directions_file: Path = CONFIG_DIR / "qb_directions.json"
    customers_file: Path = CONFIG_DIR / "qb_customers.json"
    customers_worksheet: str = "qb_customers"
    web_redirect_uri: str = ""
    sync_interval_seconds: float = 600.0
    bill_sync_interval_seconds: float = 3600.0
    emulator_state_file: Path | None = None   # QB_ENV=local: where the demo emulator keeps its company
    pull_paid_status: bool = True        # a fully paid invoice sets the row's status to paid
    on_edit: str = "flag"                # a synced row edited since: flag it, or update QuickBooks
    auto_mark_bill_paid: bool = False    # a synced Bill the sheet marks paid becomes a BillPayment
    bill_payment_account: str = ""       # the bank account (Id or name) BillPayments are paid from
    default_terms: str = ""              # a Term name (Net 30) when neither the sheet nor the party has terms
    taxable: bool = False                # US: invoice lines are TAX (true) or NON (false, services)
    default_tax_code: str = ""           # non-US: the TaxCode name every line carries (20.0% S, HST ON, GST)
    amounts_include_tax: bool = False    # non-US: GlobalTaxCalculation TaxInclusive instead of TaxExcluded
    sheet_currency: str = ""             # the currency of the sheet's amounts (ISO code); empty: home currency

    @property
    def is_local(self) -> bool:
        return self.env == "local"

    @property
    def bills_enabled(self) -> bool:
        return self.sync_mode == "dual" and self.enable_bills

    @property
    def app_base_url(self) -> str:
        """Where people open transactions: the QuickBooks web app (the same host serves sandbox companies)."""
        return "https://app.qbo.intuit.com"

    def with_endpoints(self, base_url: str) -> "QbSettings":
        """Point every address that is not set explicitly at `base_url` (the local emulator)."""
        base = base_url.rstrip("/")
        return replace(self, api_base_url=self.api_base_url or base,
                       authorize_url=self.authorize_url or f"{base}/oauth2/authorize",
                       token_url=self.token_url or f"{base}/oauth2/v1/tokens/bearer",
                       revoke_url=self.revoke_url or f"{base}/oauth2/v1/tokens/revoke")

    @property
    def endpoints_ready(self) -> bool:
        return all((self.api_base_url, self.authorize_url, self.token_url, self.revoke_url))


def parse_env(raw: str) -> str:
    value = raw.strip().lower()
    value = ENV_ALIASES.get(value, value)
    if value not in ENVIRONMENTS:
        raise ValueError("expected local, sandbox (or development) or production")
    return value


def parse_token_key(raw: str) -> str:
    try:
        Fernet(raw.strip().encode())
    except (ValueError, TypeError):
        raise ValueError("expected a Fernet key: 32 url-safe base64-encoded bytes; make one with "
                         "python -c \"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\"") from None
    return raw.strip()


def parse_statuses(raw: str) -> frozenset[str]:
    values = frozenset(part.strip().casefold() for part in raw.split(",") if part.strip())
    if not values:
        raise ValueError("expected a comma-separated list of statuses, e.g. submitted,pending")
    return values


def parse_prefix(raw: str) -> str:
    value = raw.strip()
    if len(value) > 10:
        raise ValueError("expected at most 10 characters (the DocNumber, prefix included, is limited to 21)")
    return value


def parse_sheet_currency(raw: str) -> str:
    return parse_currency(raw, "the value") or ""


def parse_id(raw: str) -> str:
    value = raw.strip()
    if not value.isdigit():
        raise ValueError("expected the numeric id QuickBooks shows (e.g. itemId=1 in the page address)")
    return value


_FIELDS = {
    "QB_ENV": ("env", parse_env),
    "QB_CLIENT_ID": ("client_id", text),
    "QB_CLIENT_SECRET": ("client_secret", text),
    "QB_REDIRECT_URI": ("redirect_uri", parse_url),
    "QB_REALM_ID": ("realm_id", parse_id),
    "QB_DEFAULT_ITEM_ID": ("default_item_id", parse_id),
    "QB_DEFAULT_ITEM_NAME": ("default_item_name", text),
    "QB_SYNC_MODE": ("sync_mode", parse_choice(SYNC_MODES)),
    "QB_ENABLE_BILLS": ("enable_bills", parse_bool),
    "QB_DEFAULT_VENDOR_ACCOUNT": ("default_vendor_account", parse_id),
    "QB_DEFAULT_EXPENSE_ACCOUNT": ("default_expense_account", parse_id),
    "QB_TOKEN_KEY": ("token_key", parse_token_key),
    "QB_API_BASE_URL": ("api_base_url", parse_url),
    "QB_AUTHORIZE_URL": ("authorize_url", parse_url),
    "QB_TOKEN_URL": ("token_url", parse_url),
    "QB_REVOKE_URL": ("revoke_url", parse_url),
    "QB_MINOR_VERSION": ("minor_version", parse_positive_int),
    "QB_TIMEOUT_SECONDS": ("timeout_seconds", parse_positive_float),
    "QB_MAX_ATTEMPTS": ("max_attempts", parse_positive_int),
    "QB_BACKOFF_MAX_SECONDS": ("backoff_max_seconds", parse_positive_float),
    "QB_REQUESTS_PER_MINUTE": ("requests_per_minute", parse_positive_int),
    "QB_BATCH_REQUESTS_PER_MINUTE": ("batch_requests_per_minute", parse_positive_int),
    "QB_MAX_CONCURRENT": ("max_concurrent", parse_positive_int),
    "QB_READY_STATUSES": ("ready_statuses", parse_statuses),
    "QB_GROUP_BY_INVOICE": ("group_by_invoice", parse_bool),
    "QB_DOCNUMBER_PREFIX": ("docnumber_prefix", parse_prefix),
    "QB_CUSTOMER_FIELD": ("customer_field", parse_choice(("to_client", "end_client"))),
    "QB_DIRECTIONS_FILE": ("directions_file", lambda raw: Path(raw.strip())),
    "QB_CUSTOMERS_FILE": ("customers_file", lambda raw: Path(raw.strip())),
    "QB_CUSTOMERS_WORKSHEET": ("customers_worksheet", text),
    "QB_WEB_REDIRECT_URI": ("web_redirect_uri", parse_url),
    "QB_SYNC_INTERVAL": ("sync_interval_seconds", parse_positive_float),
    "QB_BILL_SYNC_INTERVAL": ("bill_sync_interval_seconds", parse_positive_float),
    "QB_PULL_PAID_STATUS": ("pull_paid_status", parse_bool),
    "QB_ON_EDIT": ("on_edit", parse_choice(ON_EDIT)),
    "QB_AUTO_MARK_BILL_PAID": ("auto_mark_bill_paid", parse_bool),
    "QB_BILL_PAYMENT_ACCOUNT": ("bill_payment_account", text),
    "QB_EMULATOR_STATE": ("emulator_state_file", lambda raw: Path(raw.strip())),
    "QB_DEFAULT_TERMS": ("default_terms", text),
    "QB_TAXABLE": ("taxable", parse_bool),
    "QB_DEFAULT_TAX_CODE": ("default_tax_code", text),
    "QB_AMOUNTS_INCLUDE_TAX": ("amounts_include_tax", parse_bool),
    "QB_SHEET_CURRENCY": ("sheet_currency", parse_sheet_currency),
}

QB_SETTING_NAMES = tuple(_FIELDS)


def load_qb_settings(environ: Mapping[str, str] | None = None,
                     env_file: str | Path | None = DEFAULT_ENV_FILE) -> QbSettings:
    """Validated QuickBooks settings; one `ConfigError` naming every bad or missing variable."""
    env = read_environment(environ, env_file)
    values, problems = parse_fields(env, _FIELDS)
    qb_env = values.get("env", "local")
    if qb_env == "local":
        values.setdefault("emulator_state_file", DEFAULT_EMULATOR_STATE)
    if qb_env != "local":
        for name, attr in (("QB_CLIENT_ID", "client_id"), ("QB_CLIENT_SECRET", "client_secret")):
            if not values.get(attr):
                problems.append(f"{name} is required when QB_ENV={qb_env}: copy it from the app's Keys & credentials "
                                "page on developer.intuit.com")
        if "token_key" not in values and not any(p.startswith("QB_TOKEN_KEY") for p in problems):
            problems.append(f"QB_TOKEN_KEY is required when QB_ENV={qb_env}: it encrypts the stored tokens")
        if not env.get("SECRET_KEY", "").strip():   # a tracker setting, but only demo mode may do without it
            problems.append(f"SECRET_KEY is required when QB_ENV={qb_env}: it signs the session cookies and the "
                            "OAuth state, and every worker process must use the same one; make one with "
                            "python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
        values.setdefault("api_base_url", API_BASE_URLS[qb_env])
        for attr, url in INTUIT_ENDPOINTS.items():
            values.setdefault(attr, url)
    for name, attr in (("QB_API_BASE_URL", "api_base_url"), ("QB_AUTHORIZE_URL", "authorize_url"),
                       ("QB_TOKEN_URL", "token_url"), ("QB_REVOKE_URL", "revoke_url")):
        url = values.get(attr)
        if url and not _secure_or_loopback(str(url)):
            problems.append(f"{name}={url!r}: use https:// (plain http is accepted only on this machine's loopback)")
    mode, bills = values.get("sync_mode", "invoice_only"), values.get("enable_bills", False)
    if mode == "dual" and not bills:
        problems.append("QB_SYNC_MODE=dual needs QB_ENABLE_BILLS=true (or use QB_SYNC_MODE=invoice_only)")
    if mode == "dual" and bills and not values.get("default_expense_account"):
        problems.append("QB_DEFAULT_EXPENSE_ACCOUNT is required when Bills are enabled: the Id of the expense account "
                        "Bills are booked to")
    if values.get("auto_mark_bill_paid") and not values.get("bill_payment_account"):
        problems.append("QB_BILL_PAYMENT_ACCOUNT is required with QB_AUTO_MARK_BILL_PAID=true: the name or Id of the "
                        "bank account Bills are paid from (Accounting > Chart of accounts, type Bank)")
    if problems:
        raise ConfigError(problems)
    return QbSettings(**values)


def _secure_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or is_loopback(parts.hostname or "")
