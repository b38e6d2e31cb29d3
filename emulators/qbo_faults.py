"""QuickBooks Online error bodies, byte-for-byte in the shapes of reference §6 and §3.

Three families exist in the wild and clients must cope with all of them:
  * the capitalised API Fault `{"Fault":{"Error":[{Message, Detail, code, element}],"type":...},"time":...}`;
  * the lowercase gateway envelope for 401/403 (`{"fault":{"error":[...]},"time":<epoch ms>,...}`);
  * XML `IntuitResponse` bodies for 429 throttling and for a token used against another realm (401, code 100).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

try:
    from zoneinfo import ZoneInfo
    COMPANY_TZ = ZoneInfo("America/Los_Angeles")  # QBO stamps `time` in Pacific time (reference §4 examples)
except Exception:  # pragma: no cover - no tz database on this machine
    COMPANY_TZ = timezone(timedelta(hours=-8))

REQUIRED = "Required param missing, need to supply the required value for the API"
INVALID_REF = "Invalid Reference Id"
INVALID_REF_DETAIL = ("Invalid Reference Id : Something you're trying to use has been made inactive. Check the fields "
                      "with accounts, customers, items, vendors or employees.")
INVALID_PROPERTY = "Request has invalid or unsupported property"
STRING_LENGTH = "String length is either shorter or longer than supported by specification"
DUPLICATE_DOC = "Duplicate Document Number Error"
DUPLICATE_NAME = "Duplicate Name Exists Error"
DUPLICATE_NAME_DETAIL = ("The name supplied already exists. : Another customer, vendor or employee is already using "
                         "this name. Please use a different name.")
BUSINESS_VALIDATION = "A business validation error has occurred while processing your request"
OBJECT_NOT_FOUND = "Object Not Found"
# Intuit "Fix common API errors" page, 610 variant 2 (a deleted transaction; name lists are only made inactive)
DELETED_DETAIL = "Object Not Found : Another user has deleted this transaction."
STALE_OBJECT = "Stale Object Error"
# reference §6 (ej2/python-quickbooks#127); "root" is the user Intuit's own batch example names
STALE_DETAIL = ("Stale Object Error : You and root were working on this at the same time. root finished before "
                "you did, so your work was not saved.")
UNSUPPORTED = "Unsupported Operation"
SYSTEM_FAILURE = "An application error has occurred while processing your request"
THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
THROTTLE_DETAIL = "The request limit was reached.  Try again later"

HTML_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
            "</center>\r\n</body>\r\n</html>\r\n")


def iso_time(epoch: float) -> str:
    """`2015-07-24T10:44:52.998-07:00`, the `time` stamp of every JSON answer."""
    return datetime.fromtimestamp(epoch, COMPANY_TZ).isoformat(timespec="milliseconds")


def company_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, COMPANY_TZ).date().isoformat()


def error(code: str, message: str, detail: str | None = None, element: str = "") -> dict:
    return {"Message": message, "Detail": detail if detail is not None else message, "code": str(code),
            "element": element}


class QboFault(Exception):
    """One Fault (possibly several Errors) and its HTTP status; `body(time)` gives the JSON envelope."""

    def __init__(self, errors: list[dict], fault_type: str = "ValidationFault", status: int = 400):
        super().__init__("; ".join(f"{e['code']} {e['Detail']}" for e in errors))
        self.errors = errors
        self.fault_type = fault_type
        self.status = status

    @property
    def fault(self) -> dict:
        return {"Error": self.errors, "type": self.fault_type}

    def body(self, time_text: str) -> dict:
        return {"Fault": self.fault, "time": time_text}


def fault(code: str, message: str, detail: str | None = None, element: str = "",
          fault_type: str = "ValidationFault", status: int = 400) -> QboFault:
    return QboFault([error(code, message, detail, element)], fault_type, status)


def length_error(value, limit: int, element: str, errors: list) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors.append(error("2050", STRING_LENGTH, "String length specified does not match the supported length. "
                                                   f"Min:0 Max:{limit} supplied length:{len(value)}", element))


def required_error(name: str, element: str | None = None) -> dict:
    return error("2020", REQUIRED, f"Required parameter {name} is missing in the request", element or name)


def invalid_property(detail: str, element: str = "") -> dict:
    return error("2010", INVALID_PROPERTY, f"Property Name:{detail} specified is unsupported or invalid", element)


def decode_utf8(data: bytes) -> str:
    """Request bytes as UTF-8; invalid bytes are a 2010 fault (intuit/QuickBooks-V3-Java-SDK#181)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fault("2010", INVALID_PROPERTY,
                    f"Property Name:Invalid UTF-8 start byte 0x{exc.object[exc.start]:02x} specified is unsupported "
                    "or invalid") from None


def _reject_constant(name: str):
    raise ValueError(f"Non-standard token '{name}'")


def parse_json_body(data: bytes):
    text = decode_utf8(data)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise fault("2010", INVALID_PROPERTY,
                    f"Property Name:{exc} specified is unsupported or invalid") from None


def business_fault(detail: str) -> QboFault:
    return fault("6000", BUSINESS_VALIDATION, f"Business Validation Error: {detail}")


def deleted_fault() -> QboFault:
    return fault("610", OBJECT_NOT_FOUND, DELETED_DETAIL)


def stale_fault() -> QboFault:
    """5010 for an update, void or delete whose SyncToken is not the object's current one (reference §6)."""
    return fault("5010", STALE_OBJECT, STALE_DETAIL)


def unsupported(detail: str) -> QboFault:
    return fault("500", UNSUPPORTED, detail)


def gateway_envelope(code: str, name: str, status: int, detail: str | None, fault_type: str, epoch: float) -> dict:
    """The lowercase envelope the API gateway uses for 401/403 (ej2/python-quickbooks#250, #118)."""
    return {"warnings": None, "intuitObject": None,
            "fault": {"error": [{"message": f"message={name}; errorCode={int(code):06d}; statusCode={status}",
                                 "detail": detail, "code": code, "element": None}], "type": fault_type},
            "report": None, "queryResponse": None, "batchItemResponse": [], "attachableResponse": [],
            "syncErrorResponse": None, "requestId": None, "time": int(epoch * 1000), "status": None,
            "cdcresponse": []}


def auth_failed_body(detail: str | None, epoch: float) -> dict:
    return gateway_envelope("3200", "AuthenticationFailed", 401, detail, "AUTHENTICATION", epoch)


def forbidden_body(epoch: float) -> dict:
    return gateway_envelope("3100", "ApplicationAuthorizationFailed", 403, None, "SERVICE", epoch)


def _xml(fault_type: str, code: str, message: str, detail: str, time_text: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time_text}">'
            f'<Fault type="{fault_type}"><Error code="{code}"><Message>{escape(message)}</Message>'
            f'<Detail>{escape(detail)}</Detail></Error></Fault></IntuitResponse>')


def throttle_xml(time_text: str) -> str:
    """429 body: XML even when JSON was asked for (reference §3; ej2/python-quickbooks#43)."""
    return _xml("SERVICE", "3001", THROTTLE_MESSAGE, THROTTLE_DETAIL, time_text)


def wrong_realm_xml(time_text: str) -> str:
    """401 for a token used against a realm it was not issued for (reference §6: intuit/oauth-jsclient#91)."""
    return _xml("AuthenticationFault", "100", "General Authentication Error",
                "AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401", time_text)


def system_fault(status: int) -> QboFault:
    """Injected 500/503: a SystemFault (code 10000, the IPP 'severe' range)."""
    detail = ("System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a "
              "few minutes and try again. If the problem persists, contact customer support.")
    if status == 503:
        detail = "Service Unavailable: the service is temporarily unable to handle the request. Try again later."
    return fault("10000", SYSTEM_FAILURE, detail, fault_type="SystemFault", status=status)


def dumps(body) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
