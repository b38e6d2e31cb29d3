"""The demo company's persistence: keep its objects, grants, requestid answers and behaviour across restarts of
the app (QB_ENV=local only, `QboEmulator(state_file=...)`), written after every POST.

The file is plain JSON (never pickle: loading a pickle runs whatever code it names). Loading checks the whole
shape before anything changes; a file that is not JSON of this shape (a pickle from an older version, a truncated
or hand-edited file) is refused with a warning naming the problem, and the emulator keeps its fresh demo company.
A file written before a field existed loads with that field's fresh value. Behaviour settings saved in the file
win over the constructor's (the demo only sets them at run time, through the control API).
The file holds the demo grant's tokens, so only its owner may read it: it is written with mode 0600 (or the
tighter mode it already has), and one that group or others may read is set to 0600 at load, with a warning.

    {"format": "qbo-emulator-state", "version": 1,
     "company": {"objects": {entity: {id: object}}, "created_log": [[entity, id]], "sequences": {name: int},
                 "next_doc_number": int, "next_bill_number": int,
                 "deleted": {entity: {id: {"Id", "status": "Deleted", "domain", "MetaData"}}},
                 "voided": ["Entity:Id"], "change_order": {"Entity:Id": int}},
     "oauth": {"families": [{"client_id", "realm_id", "scope", "revoked"}],
               "access_tokens": {token: {"family": index, "expires_at"}},
               "refresh_tokens": {token: {"family": index, "expires_at", "superseded"}},
               "codes": {code: {"client_id", "redirect_uri", "scope", "realm_id", "expires_at", "used"}}},
     "replies": {requestid: {"status": int, "body": base64, "content_type": str}},
     "behaviour": {setting: value}}

Tokens of one consent share one family (revoking one revokes all), so families are stored once and referred to
by their index. Objects include Payments and BillPayments; deleted transactions live on as tombstones (for CDC),
`voided` names the voided transactions and `change_order` the order of changes CDC answers in. Terms are objects
(seeded at load into a file from before they existed); the company's country, multicurrency and default terms
are behaviour settings, and the tax codes follow from the country, so they round-trip with it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import os
import stat
import tempfile
from pathlib import Path

from emulators import qbo_terms
from emulators.qbo_behaviour import Behaviour
from emulators.qbo_oauth import AccessToken, Code, Family, RefreshToken

log = logging.getLogger("emulators.qbo")

FORMAT, VERSION = "qbo-emulator-state", 1
COMPANY_FIELDS = {"created_log": "created_log", "sequences": "_sequences", "next_doc_number": "_next_doc_number",
                  "next_bill_number": "_next_bill_number", "deleted": "deleted", "voided": "voided",
                  "change_order": "change_order"}


class StateFileError(ValueError):
    """The state file is not JSON of the expected shape; the message says where and what was expected."""


# --------------------------------------------------------------------------------------------------- saving
def save_state(emu) -> None:
    """Write the state atomically (a temp file in the same folder, then renamed over the old one)."""
    folder = Path(emu.state_file).parent
    with emu._lock:   # one writer at a time, so an older snapshot never replaces a newer one
        data = json.dumps(state_json(emu), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=Path(emu.state_file).name + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as file:
                os.fchmod(file.fileno(), _owner_only_mode(emu.state_file))
                file.write(data)
            os.replace(temp, emu.state_file)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def _owner_only_mode(path) -> int:
    """The mode of the file at `path` when only its owner may use it, else 0600 (also for a new file)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o600
    return mode if not mode & 0o077 else 0o600


def _tighten(path) -> None:
    """Set the file to 0600 when group or others may read it (it holds tokens), saying so in the log."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        return   # loading says what is wrong with the file
    if mode & 0o077:
        log.warning("QuickBooks emulator: %s was readable by group or others (mode %03o): set to 600, as it holds "
                    "the demo grant's tokens", path, mode)


def state_json(emu) -> dict:
    company = emu.company
    return {"format": FORMAT, "version": VERSION,
            "company": {"objects": company.objects, "created_log": [list(pair) for pair in company.created_log],
                        "sequences": company._sequences, "next_doc_number": company._next_doc_number,
                        "next_bill_number": company._next_bill_number, "deleted": company.deleted,
                        "voided": sorted(company.voided), "change_order": company.change_order},
            "oauth": _oauth_json(emu.oauth),
            "replies": {request_id: {"status": status, "body": base64.b64encode(body).decode("ascii"),
                                     "content_type": content_type}
                        for request_id, (status, body, content_type) in emu._replies.items()},
            "behaviour": company.behaviour.as_dict()}


def _oauth_json(oauth) -> dict:
    families: list[dict] = []
    index: dict[int, int] = {}

    def family(record) -> int:
        if id(record.family) not in index:
            index[id(record.family)] = len(families)
            families.append(dataclasses.asdict(record.family))
        return index[id(record.family)]

    return {"access_tokens": {token: {"family": family(r), "expires_at": r.expires_at}
                              for token, r in oauth.access_tokens.items()},
            "refresh_tokens": {token: {"family": family(r), "expires_at": r.expires_at, "superseded": r.superseded}
                               for token, r in oauth.refresh_tokens.items()},
            "codes": {code: dataclasses.asdict(record) for code, record in oauth.codes.items()},
            "families": families}


# -------------------------------------------------------------------------------------------------- loading
def load_state(emu) -> bool:
    """Load the saved state into `emu`; False (and a warning, nothing changed) when the file is refused."""
    path = emu.state_file
    _tighten(path)
    try:
        state = parse_state(json.loads(Path(path).read_bytes()), set(emu.company.objects))
    except (OSError, ValueError, RecursionError) as exc:   # JSONDecodeError, UnicodeDecodeError: ValueErrors
        reason = exc if isinstance(exc, StateFileError) else f"not valid JSON: {exc}"
        log.warning("QuickBooks emulator: refused the saved state %s (%s); it was not loaded, and the emulator "
                    "starts with a fresh demo company (the file is replaced at the next change)", path, reason)
        return False
    with emu._lock:
        company = emu.company
        company.objects = {**{entity: {} for entity in company.objects}, **state["objects"]}
        if company.objects["Account"]:
            company.seed_accounts()   # a demo file from before Undeposited Funds/Mastercard were seeded
        for key, attribute in COMPANY_FIELDS.items():
            if key in state:
                setattr(company, attribute, state[key])
        if company.objects["Account"]:
            qbo_terms.seed(company)   # a demo file from before terms existed
        for name in ("access_tokens", "refresh_tokens", "codes"):
            setattr(emu.oauth, name, state[name])
        emu._replies = state["replies"]
        company.restore_behaviour(state["behaviour"])   # the saved objects already match it
    return True


def parse_state(raw, entities: set[str]) -> dict:
    """The state in the emulator's own types, or StateFileError naming the first thing out of shape."""
    top = _dict(raw, "the file")
    if top.get("format") != FORMAT or top.get("version") != VERSION:
        raise StateFileError(f"not a QuickBooks emulator state file (expected format {FORMAT!r}, version {VERSION})")
    company = _dict(top.get("company"), "company")
    state = {"objects": _objects(company.get("objects", {}), entities)}
    if "created_log" in company:
        state["created_log"] = [tuple(_strings(pair, 2, f"company.created_log[{n}]"))
                                for n, pair in enumerate(_list(company["created_log"], "company.created_log"))]
    if "sequences" in company:
        state["sequences"] = {name: _int(value, f"company.sequences.{name}")
                              for name, value in _dict(company["sequences"], "company.sequences").items()}
    for key in ("next_doc_number", "next_bill_number"):
        if key in company:
            state[key] = _int(company[key], f"company.{key}")
    state.update(_lifecycle(company, entities))
    state.update(_oauth(_dict(top.get("oauth"), "oauth")))
    state["replies"] = {request_id: _reply(reply, f"replies.{request_id}")
                        for request_id, reply in _dict(top.get("replies", {}), "replies").items()}
    behaviour = _dict(top.get("behaviour", {}), "behaviour")
    try:
        Behaviour(**behaviour)
    except (ValueError, TypeError) as exc:
        raise StateFileError(f"behaviour: {exc}") from None
    state["behaviour"] = behaviour
    return state


def _objects(raw, entities: set[str], where: str = "company.objects") -> dict:
    objects = {}
    for entity, by_id in _dict(raw, where).items():
        if entity not in entities:
            raise StateFileError(f"{where}: unknown entity {entity!r}")
        objects[entity] = {object_id: _dict(obj, f"{where}.{entity}.{object_id}")
                           for object_id, obj in _dict(by_id, f"{where}.{entity}").items()}
    return objects


def _lifecycle(company: dict, entities: set[str]) -> dict:
    """Tombstones, voided transactions and the change order (absent in files from before they existed)."""
    state = {}
    if "deleted" in company:
        state["deleted"] = _objects(company["deleted"], entities, "company.deleted")
    if "voided" in company:
        state["voided"] = {_strings([name], 1, f"company.voided[{n}]")[0]
                           for n, name in enumerate(_list(company["voided"], "company.voided"))}
    if "change_order" in company:
        state["change_order"] = {name: _int(order, f"company.change_order.{name}")
                                 for name, order in _dict(company["change_order"], "company.change_order").items()}
    return state


def _oauth(oauth: dict) -> dict:
    families = []
    for n, item in enumerate(_list(oauth.get("families", []), "oauth.families")):
        record = _dict(item, f"oauth.families[{n}]")
        families.append(Family(*_strings([record.get(k) for k in ("client_id", "realm_id", "scope")], 3,
                                         f"oauth.families[{n}]"),
                               revoked=_bool(record.get("revoked"), f"oauth.families[{n}].revoked")))

    def family(record: dict, where: str) -> Family:
        number = record.get("family")
        if type(number) is not int or not 0 <= number < len(families):
            raise StateFileError(f"{where}.family: expected the index of one of the {len(families)} families")
        return families[number]

    access = {token: AccessToken(family(r, f"oauth.access_tokens.{token[:8]}"),
                                 _number(r.get("expires_at"), "oauth.access_tokens expires_at"))
              for token, r in _records(oauth, "access_tokens")}
    refresh = {token: RefreshToken(family(r, f"oauth.refresh_tokens.{token[:8]}"),
                                   _number(r.get("expires_at"), "oauth.refresh_tokens expires_at"),
                                   _bool(r.get("superseded", False), "oauth.refresh_tokens superseded"))
               for token, r in _records(oauth, "refresh_tokens")}
    codes = {code: Code(*_strings([r.get(k) for k in ("client_id", "redirect_uri", "scope", "realm_id")], 4,
                                  "oauth.codes"),
                        expires_at=_number(r.get("expires_at"), "oauth.codes expires_at"),
                        used=_bool(r.get("used", False), "oauth.codes used"))
             for code, r in _records(oauth, "codes")}
    return {"access_tokens": access, "refresh_tokens": refresh, "codes": codes}


def _records(oauth: dict, name: str):
    return [(key, _dict(value, f"oauth.{name}")) for key, value in _dict(oauth.get(name, {}), f"oauth.{name}").items()]


def _reply(raw, where: str) -> tuple[int, bytes, str]:
    reply = _dict(raw, where)
    try:
        body = base64.b64decode(_strings([reply.get("body")], 1, f"{where}.body")[0], validate=True)
    except binascii.Error:
        raise StateFileError(f"{where}.body: expected base64 text") from None
    return _int(reply.get("status"), f"{where}.status"), body, _strings([reply.get("content_type")], 1, where)[0]


def _dict(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise StateFileError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise StateFileError(f"{where}: expected a JSON array, got {type(value).__name__}")
    return value


def _strings(values, count: int, where: str) -> list[str]:
    if not isinstance(values, list) or len(values) != count or not all(isinstance(v, str) for v in values):
        raise StateFileError(f"{where}: expected {count} string(s)")
    return values


def _int(value, where: str) -> int:
    if type(value) is not int:
        raise StateFileError(f"{where}: expected a whole number, got {value!r:.40}")
    return value


def _number(value, where: str) -> float:
    if type(value) not in (int, float):
        raise StateFileError(f"{where}: expected a number, got {value!r:.40}")
    return value


def _bool(value, where: str) -> bool:
    if type(value) is not bool:
        raise StateFileError(f"{where}: expected true or false, got {value!r:.40}")
    return value
