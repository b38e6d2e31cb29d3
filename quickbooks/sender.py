"""Sending payloads to QuickBooks exactly once: intent first, batches of 30, then the answers recorded.

For each batch: the `sending` intents are committed, the batch goes out (one request, `requestid` derived
from its items), and each item's answer is stored as `created` or `failed`. A duplicate DocNumber (6140)
is looked up and adopted when customer/vendor and amount match. When QuickBooks cannot be reached, the
intents stay `sending` and the next run looks their DocNumbers up before sending anything again.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable

from quickbooks.audit import AuditStore
from quickbooks.errors import ApiFault, FeatureNotAvailable, OutcomeUnknown, RetriableAPIError, SyncError
from quickbooks.rules.directions import Direction
from quickbooks.rules.lifecycle import read_state
from quickbooks.rules.mapping import Payload
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import AuditState
from quickbooks.wire.client import MAX_BATCH_ITEMS, QboClient, queryable, quote_literal
from tracker import failpoints

log = logging.getLogger(__name__)

_BATCH_NAMESPACE = uuid.UUID("0b7e4f7a-7d59-4a4c-8a53-3f1f3c2b9d10")
MAX_SEND_ATTEMPTS = 3   # per chunk and run: sends of rows whose answer never came and that proved absent


def same_transaction(direction: Direction, obj: dict, party_id: str, amount: Decimal) -> bool:
    """Is this existing QuickBooks transaction the one we meant to create (same customer/vendor and total)?"""
    total = Decimal(str(obj.get("TotalAmt", "0"))).quantize(Decimal("0.01"))
    return _party_of(direction, obj) == party_id and total == amount


def _party_of(direction: Direction, obj: dict) -> str:
    return (obj.get(direction.party_ref) or {}).get("value", "")


def describe_refusal(direction: Direction, error: SyncError) -> str:
    """A refusal in words a finance person can act on (QuickBooks' own text, and its code for support)."""
    return f"QuickBooks refused this {direction.value}: {error}"


@dataclass(frozen=True)
class Expected:
    """What we meant to create for a row: enough to recognise it among QuickBooks' transactions."""

    key: str
    doc_number: str
    party_id: str
    amount: Decimal

    @classmethod
    def of(cls, payload: Payload) -> "Expected":
        return cls(payload.key, payload.doc_number, payload.party_id, payload.amount)

    @classmethod
    def of_intent(cls, direction: Direction, intent: AuditRow) -> "Expected":
        party = ((intent.payload or {}).get(direction.party_ref) or {}).get("value", "")
        return cls(intent.row_key, intent.doc_number or "", party, Decimal(intent.amount or "0"))


@dataclass
class Settled:
    """The lookup's verdict on rows whose outcome was unknown: QuickBooks holds them, holds something else under
    their number, or proved not to have them."""

    found: list[tuple[Expected, dict]] = field(default_factory=list)
    conflicts: list[tuple[Expected, str]] = field(default_factory=list)
    absent: list[Expected] = field(default_factory=list)


@dataclass
class Outcome:
    created: list[tuple[Payload, dict, bool]] = field(default_factory=list)   # payload, QuickBooks object, looked up
    failed: list[tuple[Payload, str]] = field(default_factory=list)
    unsent: list[Payload] = field(default_factory=list)
    stopped: str | None = None


class Sender:
    def __init__(self, client: QboClient, audit: AuditStore, realm_id: str,
                 progress: Callable[[int], None] = lambda n: None, should_stop: Callable[[], bool] = lambda: False):
        self.client, self.audit, self.realm_id, self.progress = client, audit, realm_id, progress
        self.should_stop = should_stop

    def created_entry(self, direction: Direction, key: str, obj: dict, doc_number: str | None = None) -> dict:
        """The audit row of a transaction QuickBooks holds for `key`: its Id, number, link and answer."""
        qb_id = str(obj.get("Id"))
        return {"row_key": key, "qb_id": qb_id, "doc_number": obj.get("DocNumber", doc_number),
                "qb_url": f"{self.client.settings.app_base_url}/app/{direction.value}?txnId={qb_id}"
                          f"&companyId={self.realm_id}",
                "response_json": json.dumps(obj, sort_keys=True), **read_state(obj, {}).audit_values()}

    def find_by_doc_number(self, direction: Direction, doc_numbers: Iterable[str]) -> dict[str, list[dict]]:
        """Existing transactions by DocNumber, 50 per query; numbers Intuit cannot query are left out."""
        wanted = sorted({d for d in doc_numbers if queryable(d)})
        found: dict[str, list[dict]] = {}
        for start in range(0, len(wanted), 50):
            literals = ", ".join(quote_literal(d) for d in wanted[start:start + 50])
            answer = self.client.query(f"SELECT * FROM {direction.entity} WHERE DocNumber IN ({literals})")
            for obj in answer.get(direction.entity, []):
                found.setdefault(obj.get("DocNumber", ""), []).append(obj)
        return found

    def settle(self, direction: Direction, expected: list[Expected]) -> Settled:
        """Look rows up by number (one query per chunk): ours when party and total match; someone else's number
        otherwise (for Bills only the same vendor's: vendors number their own bills); absent when neither."""
        existing = self.find_by_doc_number(direction, [e.doc_number for e in expected])
        settled = Settled()
        for e in expected:
            holders = existing.get(e.doc_number, [])
            if direction.facts.numbers_per_party:
                holders = [o for o in holders if _party_of(direction, o) == e.party_id]
            ours = [o for o in holders if same_transaction(direction, o, e.party_id, e.amount)]
            if ours:
                settled.found.append((e, ours[0]))
            elif not queryable(e.doc_number):   # never proven absent, so never sent again
                settled.conflicts.append((e, (
                    f"Invoice number {e.doc_number!r} cannot be looked up in QuickBooks (a query cannot hold its "
                    "characters), so whether QuickBooks holds it is unknown: check QuickBooks by hand, then give the "
                    "row a plain number")))
            elif holders:
                other = holders[0]
                settled.conflicts.append((e, (
                    f"Invoice number {e.doc_number} is already used in QuickBooks by {direction.value} Id "
                    f"{other.get('Id')} for '{(other.get(direction.party_ref) or {}).get('name', '?')}' "
                    f"(${other.get('TotalAmt', '?')}), not this row's (${e.amount}): give this row another number, "
                    "or fix the QuickBooks transaction")))
            else:
                settled.absent.append(e)
        return settled

    def send(self, direction: Direction, payloads: list[Payload], fingerprints: dict[str, str]) -> Outcome:
        outcome = Outcome()
        for start in range(0, len(payloads), MAX_BATCH_ITEMS):
            chunk = payloads[start:start + MAX_BATCH_ITEMS]
            if not outcome.stopped and self.should_stop():
                outcome.stopped = "stopped on request; the remaining rows are sent on the next run"
            if outcome.stopped:
                outcome.unsent.extend(chunk)
                continue
            self._send_chunk(direction, chunk, fingerprints, outcome)
            self.progress(len(chunk))
        return outcome

    def _send_chunk(self, direction: Direction, chunk: list[Payload], fingerprints: dict[str, str],
                    outcome: Outcome) -> None:
        """Send a chunk; rows whose outcome stays unknown are looked up, and sent again only when proven absent."""
        pending = chunk
        for _ in range(MAX_SEND_ATTEMPTS):
            pending = self._attempt(direction, pending, fingerprints, outcome)
            if not pending:
                break
        else:
            outcome.unsent.extend(pending)
            outcome.stopped = (f"{len(pending)} rows got no answer from QuickBooks {MAX_SEND_ATTEMPTS} times; they "
                               "stay 'sending' and are looked up by number on the next run")
        self._record(direction, outcome, chunk, fingerprints)

    def _attempt(self, direction: Direction, chunk: list[Payload], fingerprints: dict[str, str],
                 outcome: Outcome) -> list[Payload]:
        """One batch request; returns the rows to send again (their outcome was unknown and they proved absent)."""
        request_ids = self._record_intents(direction, chunk, fingerprints)
        items = [{"bId": str(i + 1), "operation": "create", direction.entity: p.body} for i, p in enumerate(chunk)]
        batch_id = str(uuid.uuid5(_BATCH_NAMESPACE, "|".join(request_ids[p.key] for p in chunk)))
        try:
            answers = self.client.batch(items, direction.entity, request_id=batch_id)
            failpoints.hit("after_send")
        except OutcomeUnknown as exc:
            failpoints.hit("after_lost_response")
            log.warning("No answer for a batch of %d %ss (%s): looking them up before anything is sent again",
                        len(chunk), direction.value, exc)
            return self._resolve(direction, chunk, {p.key for p in chunk}, outcome)
        except RetriableAPIError as exc:   # refused untouched (throttled, unreachable) even after the retries
            outcome.stopped = f"QuickBooks could not be reached ({exc}); {len(chunk)} rows wait for the next run"
            outcome.unsent.extend(chunk)
            return []
        except FeatureNotAvailable as exc:
            self._not_sent(direction, chunk, outcome, str(exc))
            return []
        unclear, unknown = [], set()
        for i, payload in enumerate(chunk):
            answer = answers[str(i + 1)]
            if answer.obj is not None:
                outcome.created.append((payload, answer.obj, False))
            elif isinstance(answer.error, ApiFault) and (answer.error.duplicate_number or answer.error.outcome_unknown):
                unclear.append(payload)
                if answer.error.outcome_unknown:
                    unknown.add(payload.key)
            elif isinstance(answer.error, FeatureNotAvailable):
                self._not_sent(direction, [payload], outcome, str(answer.error))
            else:
                outcome.failed.append((payload, describe_refusal(direction, answer.error)))
        return self._resolve(direction, unclear, unknown, outcome)

    def _resolve(self, direction: Direction, payloads: list[Payload], unknown: set[str],
                 outcome: Outcome) -> list[Payload]:
        """Settle rows QuickBooks answered unclearly: a taken number (6140) or an unknown outcome. Returns the
        unknown ones proven absent, to send again."""
        if not payloads:
            return []
        try:
            settled = self.settle(direction, [Expected.of(p) for p in payloads])
        except RetriableAPIError as exc:
            outcome.stopped = (f"QuickBooks did not answer ({exc}); {len(payloads)} rows stay 'sending' and are "
                               "looked up by number on the next run before anything is sent again")
            outcome.unsent.extend(payloads)
            return []
        by_key = {p.key: p for p in payloads}
        outcome.created.extend((by_key[e.key], obj, True) for e, obj in settled.found)
        outcome.failed.extend((by_key[e.key], message) for e, message in settled.conflicts)
        again = [by_key[e.key] for e in settled.absent if e.key in unknown]
        outcome.failed.extend((by_key[e.key], f"QuickBooks says invoice number {e.doc_number} is already used, but "
                                              "it cannot be looked up: check QuickBooks and use another number")
                              for e in settled.absent if e.key not in unknown)
        return again

    def _record_intents(self, direction: Direction, chunk: list[Payload], fingerprints: dict[str, str]
                        ) -> dict[str, str]:
        """Commit the `sending` intents of a batch before it goes out; return their request ids by key."""
        failpoints.hit("before_intent")
        ids = self.audit.record_intents(direction, [{
            "row_key": p.key, "payload_hash": p.payload_hash, "payload_json": json.dumps(p.body, sort_keys=True),
            "row_fingerprint": fingerprints.get(p.key), "doc_number": p.doc_number, "party_name": p.party_name,
            "amount": str(p.amount)} for p in chunk])
        failpoints.hit("after_intent")
        return ids

    def _not_sent(self, direction: Direction, payloads: list[Payload], outcome: Outcome, reason: str) -> None:
        """QuickBooks refused the direction as a whole (the edition lacks it): nothing was created, so the
        intents are forgotten and the rows wait, unchanged, for a setting or an upgrade."""
        self.audit.forget(direction, [p.key for p in payloads], only_state=AuditState.SENDING)
        outcome.unsent.extend(payloads)
        outcome.stopped = reason

    def _record(self, direction: Direction, outcome: Outcome, chunk: list[Payload],
                fingerprints: dict[str, str]) -> None:
        in_chunk = {p.key for p in chunk}
        self.audit.record_created(direction, [self.created_entry(direction, p.key, obj, p.doc_number)
                                              for p, obj, _ in outcome.created if p.key in in_chunk])
        self.audit.record_failed(direction, [{
            "row_key": p.key, "error": message, "row_fingerprint": fingerprints.get(p.key)}
            for p, message in outcome.failed if p.key in in_chunk])
