"""`AuditStore` on a temp SQLite file: the sync's memory of each row per direction.

Proves the lifecycle (intent, answer, new intent) with its attempt count, the read side the admin page and the
CLI use (`state_counts`, `latest`), that `forget` deletes only what it is told, that other sheets and
worksheets are invisible, and that request ids follow the content.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

from quickbooks.audit import AuditStore, request_id_for
from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import AuditState

INV = Direction.INVOICE
SENDING, CREATED, FAILED = AuditState.SENDING, AuditState.CREATED, AuditState.FAILED


@pytest.fixture
def store(engine):   # `engine`: a temp SQLite file upgraded to head (tests/quickbooks/conftest.py)
    ticks = itertools.count(1_000)
    return AuditStore(engine, "sheet-1", "inv_tbl", clock=lambda: float(next(ticks)))


def intent(key: str, payload_hash: str = "h1") -> dict:
    return {"row_key": key, "request_id": request_id_for("sheet-1", "inv_tbl", INV, key, payload_hash),
            "payload_hash": payload_hash, "payload_json": '{"DocNumber": "%s"}' % key, "row_fingerprint": "fp",
            "doc_number": key, "party_name": "Globex LLC", "amount": "1500.00"}


STEPS = {
    "intent": lambda s, key: s.record_intents(INV, [intent(key)]),
    "created": lambda s, key: s.record_created(INV, [{"row_key": key, "qb_id": "130", "doc_number": key,
                                                      "qb_url": "https://qbo/130", "response_json": "{}"}]),
    "failed": lambda s, key: s.record_failed(INV, [{"row_key": key, "error": "refused", "row_fingerprint": "fp"}]),
}

# steps in order -> state, attempts, qb_id, error
LIFECYCLE = [
    pytest.param(["intent"], (SENDING, 1, None, None), id="intent"),
    pytest.param(["intent", "created"], (CREATED, 1, "130", None), id="intent-created"),
    pytest.param(["intent", "created", "intent"], (SENDING, 2, "130", None), id="new-intent-bumps-attempts"),
    pytest.param(["intent", "failed"], (FAILED, 1, None, "refused"), id="intent-failed"),
    pytest.param(["intent", "failed", "intent"], (SENDING, 2, None, None), id="resend-clears-error"),
    pytest.param(["failed"], (FAILED, 0, None, "refused"), id="mapping-failure-never-sent"),
]


@pytest.mark.parametrize("steps, expected", LIFECYCLE)
def test_lifecycle(store, steps, expected):
    for step in steps:
        STEPS[step](store, "ACD-1")
    row = store.load(INV)["ACD-1"]
    assert (row.state, row.attempts, row.qb_id, row.error) == expected


def test_created_at_is_kept_and_updated_at_moves(store):
    store.record_intents(INV, [intent("ACD-1")])
    store.record_created(INV, [{"row_key": "ACD-1", "qb_id": "130"}])
    row = store.load(INV)["ACD-1"]
    assert row.created_at < row.updated_at
    assert row.payload == {"DocNumber": "ACD-1"}


def test_state_counts_has_every_state_even_zero(store):
    assert store.state_counts(INV) == {SENDING: 0, CREATED: 0, FAILED: 0}
    store.record_intents(INV, [intent("A"), intent("B"), intent("C")])
    store.record_created(INV, [{"row_key": "A", "qb_id": "1"}, {"row_key": "B", "qb_id": "2"}])
    assert store.state_counts(INV) == {SENDING: 1, CREATED: 2, FAILED: 0}
    assert store.state_counts(Direction.BILL) == {SENDING: 0, CREATED: 0, FAILED: 0}


def test_latest_is_newest_first_and_filtered_by_state(store):
    for key in ("A", "B", "C", "D"):
        store.record_intents(INV, [intent(key)])
    store.record_created(INV, [{"row_key": "B", "qb_id": "2"}])
    store.record_created(INV, [{"row_key": "A", "qb_id": "1"}])
    assert [r.row_key for r in store.latest(INV, CREATED)] == ["A", "B"]
    assert [r.row_key for r in store.latest(INV, SENDING)] == ["D", "C"]
    assert [r.row_key for r in store.latest(INV, SENDING, limit=1)] == ["D"]
    assert store.latest(INV, FAILED) == []


# only_state -> rows deleted, keys left
FORGET = [
    pytest.param(SENDING, 1, ["B", "C"], id="only-sending"),
    pytest.param(CREATED, 1, ["A", "C"], id="only-created"),
    pytest.param(None, 2, ["C"], id="any-state"),
]


@pytest.mark.parametrize("only_state, deleted, left", FORGET)
def test_forget(store, only_state, deleted, left):
    store.record_intents(INV, [intent("A"), intent("B"), intent("C")])
    store.record_created(INV, [{"row_key": "B", "qb_id": "2"}])
    assert store.forget(INV, ["A", "B"], only_state=only_state) == deleted
    assert sorted(store.load(INV)) == left


@pytest.mark.parametrize("sheet, worksheet", [("sheet-2", "inv_tbl"), ("sheet-1", "inv_tbl_2026")],
                         ids=["other-sheet", "other-worksheet"])
def test_rows_of_another_sheet_or_worksheet_are_invisible(engine, store, sheet, worksheet):
    store.record_intents(INV, [intent("ACD-1")])
    other = AuditStore(engine, sheet, worksheet)
    assert other.load(INV) == {}
    assert other.state_counts(INV) == {SENDING: 0, CREATED: 0, FAILED: 0}
    assert other.forget(INV, ["ACD-1"]) == 0
    other.record_failed(INV, [{"row_key": "ACD-1", "error": "theirs"}])   # the same key there is its own row
    assert store.load(INV)["ACD-1"].state is SENDING
    assert other.load(INV)["ACD-1"].error == "theirs"


BASE_ID = ("sheet-1", "inv_tbl", INV, "ACD-1", "h1")

# one argument of request_id_for changed -> is the id the same?
REQUEST_IDS = [
    pytest.param(BASE_ID, True, id="same-content-same-id"),
    pytest.param(("sheet-1", "inv_tbl", INV, "ACD-1", "h2"), False, id="edited-payload-new-id"),
    pytest.param(("sheet-1", "inv_tbl", INV, "ACD-2", "h1"), False, id="other-row"),
    pytest.param(("sheet-1", "inv_tbl", Direction.BILL, "ACD-1", "h1"), False, id="other-direction"),
    pytest.param(("sheet-2", "inv_tbl", INV, "ACD-1", "h1"), False, id="other-sheet"),
    pytest.param(("sheet-1", "other", INV, "ACD-1", "h1"), False, id="other-worksheet"),
]


@pytest.mark.parametrize("args, same", REQUEST_IDS)
def test_request_id_for(args, same):
    first = request_id_for(*BASE_ID)
    assert (request_id_for(*args) == first) is same
    assert len(first) == 36 and uuid.UUID(first)   # fits QuickBooks' 50-character requestid and the column


def test_a_run_reads_the_rows_of_its_keys_in_chunks_and_leaves_bodies_out_but_for_intents(store):
    keys = [f"K-{n:04d}" for n in range(1_203)]                       # more than two chunks of KEYS_PER_QUERY
    store.record_intents(INV, [intent(k) for k in keys])
    store.record_created(INV, [{"row_key": k, "qb_id": str(n), "doc_number": k} for n, k in enumerate(keys[1:])])
    wanted = keys[::2] + ["not-in-the-audit"]
    light = store.load_keys(INV, wanted, payloads=False)
    assert sorted(light) == sorted(keys[::2])
    assert light["K-0000"].payload == {"DocNumber": "K-0000"}          # still sending: looked up by its body
    assert light["K-0002"].payload_json is None and light["K-0002"].qb_id == "1"
    assert store.load_keys(INV, ["K-0002"])["K-0002"].payload == {"DocNumber": "K-0002"}


def test_what_the_sync_changed_in_a_row_is_kept_whatever_its_length_on_both_databases(database_url):
    """A status a person typed (any length) is remembered to be put back when a payment is undone: PostgreSQL,
    unlike SQLite, would refuse one longer than a VARCHAR column."""
    from quickbooks.rules.lifecycle import PaidStatus
    from tracker import db

    engine = db.make_engine(database_url)
    db.upgrade(engine)
    store = AuditStore(engine, "sheet-1", "inv_tbl")
    STEPS["created"](store, "ACD-1")
    status = "sent to the client on 3 March; waiting for the PO number from their finance team, see the email " * 3
    store.record_paid_marks(INV, {"ACD-1": PaidStatus({"status": "paid"}, status, "2026-03-04")})
    kept = store.load_keys(INV, ["ACD-1"])["ACD-1"]
    assert (kept.status_before_paid, kept.paid_date_filled) == (status, "2026-03-04")
    engine.dispose()
