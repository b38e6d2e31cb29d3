"""The audit tables: the sync's memory of every row it has touched, per direction.

The rules of exactly-once live on top of these rows: an intent (`sending`) is committed before any create,
the answer (`created` with the QuickBooks Id, or `failed`) right after, and nothing here is ever deleted by
a sheet edit. Only an operator's `reset` forgets a row.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import fields
from typing import Callable, Iterable, Mapping

from sqlalchemy import Numeric, Table, and_, case, cast, delete, func, insert, null, or_, select, update
from sqlalchemy.engine import Engine

from quickbooks.rules.directions import Direction
from quickbooks.rules.lifecycle import PaidStatus, RemoteState
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import AuditState, RemoteLife
from tracker.db import metadata

_COLUMNS = tuple(f.name for f in fields(AuditRow))
KEYS_PER_QUERY = 500   # below every database's limit on bound parameters
_REQUEST_NAMESPACE = uuid.UUID("6f1d3c9e-2a7b-4e43-9a57-1c0de5a11b01")


def request_id_for(sheet: str, worksheet: str, direction: Direction, key: str, payload_hash: str,
                   attempt: int = 1) -> str:
    """Stable per row, content and attempt: the client's own resend of one request reuses it (QuickBooks may replay
    the answer), while a later attempt, made only after a lookup proved the row absent, gets a new one (some
    companies refuse a repeated requestid with 6000, and an edited row must not meet an old refusal)."""
    return str(uuid.uuid5(_REQUEST_NAMESPACE,
                          f"{sheet}|{worksheet}|{direction.value}|{key}|{payload_hash}|{attempt}"))


class AuditStore:
    """Audit rows of one worksheet of one spreadsheet."""

    def __init__(self, engine: Engine, sheet: str, worksheet: str, clock: Callable[[], float] = time.time):
        self.engine, self.sheet, self.worksheet, self.clock = engine, sheet, worksheet, clock

    @staticmethod
    def table(direction: Direction) -> Table:
        return metadata.tables[direction.facts.audit_table]

    def _where(self, table: Table, keys: Iterable[str] | None = None):
        clauses = [table.c.sheet == self.sheet, table.c.worksheet == self.worksheet]
        if keys is not None:
            clauses.append(table.c.row_key.in_(list(keys)))
        return clauses

    def load(self, direction: Direction) -> dict[str, AuditRow]:
        return self.load_keys(direction, None)

    def load_keys(self, direction: Direction, keys: Iterable[str] | None, *,
                  payloads: bool = True) -> dict[str, AuditRow]:
        """The audit rows of `keys` (None: every key) by key, `KEYS_PER_QUERY` keys per query, so a run reads the
        rows of its sheet and not the whole history. `payloads=False` leaves out the sent bodies except those of
        intents (`sending`: they are looked up by them), the largest column and rarely needed."""
        table = self.table(direction)
        columns = [table.c[f] for f in _COLUMNS if f != "payload_json"]
        columns.append(table.c.payload_json if payloads else case(
            (table.c.state == AuditState.SENDING.value, table.c.payload_json), else_=null()).label("payload_json"))
        wanted = None if keys is None else sorted(set(keys))
        chunks = [None] if wanted is None else [wanted[i:i + KEYS_PER_QUERY]
                                                for i in range(0, len(wanted), KEYS_PER_QUERY)]
        found: dict[str, AuditRow] = {}
        with self.engine.connect() as connection:
            for chunk in chunks:
                for row in connection.execute(select(*columns).where(*self._where(table, chunk))):
                    found[row.row_key] = AuditRow(**row._mapping)
        return found

    def state_counts(self, direction: Direction) -> dict[AuditState, int]:
        """How many rows are `created`, `failed` and `sending` in this direction (every state present, maybe 0)."""
        table = self.table(direction)
        with self.engine.connect() as connection:
            rows = connection.execute(select(table.c.state, func.count()).where(*self._where(table))
                                      .group_by(table.c.state)).all()
        counts = dict.fromkeys(AuditState, 0)
        counts.update({AuditState(state): count for state, count in rows})
        return counts

    def remote_counts(self, direction: Direction, today: str) -> dict[str, int]:
        """Of the `created` rows, what QuickBooks last said: paid (balance 0 of a total above 0), partly_paid,
        open (nothing paid), overdue (a balance still open and qb_due_date before `today`, YYYY-MM-DD), voided
        and deleted. One aggregate query (a SUM of CASE per count), no row loaded; a row never read back counts
        in none. Balances are decimal text, compared as NUMERIC (SQLite and PostgreSQL alike)."""
        table = self.table(direction)
        balance, total = cast(table.c.qb_balance, Numeric(18, 2)), cast(table.c.qb_total, Numeric(18, 2))
        is_open = table.c.qb_state == RemoteLife.OPEN.value
        kinds = {"paid": and_(is_open, balance == 0, total > 0),
                 "partly_paid": and_(is_open, balance > 0, balance < total),
                 "open": and_(is_open, balance == total),
                 "overdue": and_(is_open, balance > 0, balance <= total, table.c.qb_due_date < today),
                 "voided": table.c.qb_state == RemoteLife.VOIDED.value,
                 "deleted": table.c.qb_state == RemoteLife.DELETED.value}
        query = select(*[func.coalesce(func.sum(case((kind, 1), else_=0)), 0).label(name)
                         for name, kind in kinds.items()]).where(*self._where(table),
                                                                   table.c.state == AuditState.CREATED.value)
        with self.engine.connect() as connection:
            row = connection.execute(query).one()
        return {name: int(row._mapping[name]) for name in kinds}

    def _open_balance(self, table: Table):
        """Created transactions QuickBooks last showed open with a balance above 0: (balance, where-clauses)."""
        balance = cast(table.c.qb_balance, Numeric(18, 2))
        return balance, [*self._where(table), table.c.state == AuditState.CREATED.value,
                         table.c.qb_state == RemoteLife.OPEN.value, balance > 0]

    def aging(self, direction: Direction, edges: Mapping[str, str]) -> dict[str, tuple[int, str]]:
        """Open balances by how far past due, as (count, sum as decimal text) per bucket: `edges` maps each bucket
        name to the earliest due date (YYYY-MM-DD) it holds, newest first, e.g. {"not due": today, "0-30": today-30,
        ...}; a balance due before every edge goes in the last bucket, one without a due date in the first. One
        aggregate query."""
        table = self.table(direction)
        balance, where = self._open_balance(table)
        due, names, buckets = table.c.qb_due_date, list(edges), []
        for i, name in enumerate(names):
            newer = [due < edges[n] for n in names[:i]]
            test = and_(*newer, due >= edges[name]) if i < len(names) - 1 else and_(*newer)
            buckets.append((name, or_(due.is_(None), test) if i == 0 else test))
        columns = []
        for name, test in buckets:
            columns += [func.coalesce(func.sum(case((test, 1), else_=0)), 0),
                        func.coalesce(func.sum(case((test, balance), else_=0)), 0)]
        with self.engine.connect() as connection:
            row = connection.execute(select(*columns).where(*where)).one()
        return {name: (int(row[2 * i]), str(row[2 * i + 1])) for i, (name, _) in enumerate(buckets)}

    def open_by_party(self, direction: Direction, limit: int = 50) -> list[tuple[str, int, str]]:
        """(customer or vendor, open transactions, open balance) per party, largest balance first."""
        table = self.table(direction)
        balance, where = self._open_balance(table)
        total = func.sum(balance)
        with self.engine.connect() as connection:
            rows = connection.execute(select(table.c.party_name, func.count(), total).where(*where)
                                      .group_by(table.c.party_name).order_by(total.desc()).limit(limit)).all()
        return [(party or "", int(n), str(amount)) for party, n, amount in rows]

    def overdue(self, direction: Direction, today: str, limit: int = 100) -> list[AuditRow]:
        """Open balances due before `today` (YYYY-MM-DD), the oldest due first."""
        table = self.table(direction)
        _, where = self._open_balance(table)
        with self.engine.connect() as connection:
            rows = connection.execute(select(*[table.c[f] for f in _COLUMNS if f != "payload_json"]).where(
                *where, table.c.qb_due_date < today).order_by(table.c.qb_due_date, table.c.row_key).limit(limit)).all()
        return [AuditRow(**row._mapping, payload_json=None) for row in rows]

    def created_page(self, direction: Direction, offset: int, limit: int) -> tuple[list[AuditRow], int]:
        """One page of the transactions the sync created, newest first, and how many there are."""
        table = self.table(direction)
        where = [*self._where(table), table.c.state == AuditState.CREATED.value, table.c.qb_id.is_not(None)]
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
            rows = connection.execute(select(*[table.c[f] for f in _COLUMNS if f != "payload_json"]).where(*where)
                                      .order_by(table.c.updated_at.desc(), table.c.row_key.desc())
                                      .offset(max(0, offset)).limit(limit)).all()
        return [AuditRow(**row._mapping, payload_json=None) for row in rows], int(total)

    def latest(self, direction: Direction, state: AuditState, limit: int = 200) -> list[AuditRow]:
        """The rows of this direction most recently put in `state`, newest first."""
        table = self.table(direction)
        with self.engine.connect() as connection:
            rows = connection.execute(select(*[table.c[f] for f in _COLUMNS])
                                      .where(*self._where(table), table.c.state == AuditState(state).value)
                                      .order_by(table.c.updated_at.desc()).limit(limit)).all()
        return [AuditRow(**row._mapping) for row in rows]

    def _followed(self, table: Table) -> list:
        return [*self._where(table), table.c.state == AuditState.CREATED.value, table.c.qb_id.is_not(None),
                or_(table.c.qb_state.is_(None), table.c.qb_state == RemoteLife.OPEN.value)]

    def has_followed(self, direction: Direction) -> bool:
        """Whether any created transaction is still worth reading back (one indexed row, not the history)."""
        table = self.table(direction)
        with self.engine.connect() as connection:
            return connection.execute(select(table.c.id).where(*self._followed(table)).limit(1)).first() is not None

    def followed_ids(self, direction: Direction, ids: Iterable[str] | None = None) -> dict[str, str]:
        """QuickBooks Id -> key of the created transactions still worth reading back (not voided or deleted):
        those among `ids` (what a Change Data Capture answer named: the cost follows the changes), or all of
        them (None: the query fallback). With `ids` the rows are found by Id alone (the qb_id index) and sorted out
        here: given the state conditions too, SQLite's planner picks the state index and reads the whole history."""
        table = self.table(direction)
        if ids is None:
            with self.engine.connect() as connection:
                return {str(i): k for i, k in connection.execute(
                    select(table.c.qb_id, table.c.row_key).where(*self._followed(table)))}
        wanted, found = sorted(set(ids)), {}
        followed = (None, RemoteLife.OPEN.value)
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), KEYS_PER_QUERY):
                rows = connection.execute(select(table.c.qb_id, table.c.row_key, table.c.state, table.c.qb_state)
                                          .where(*self._where(table),
                                                 table.c.qb_id.in_(wanted[start:start + KEYS_PER_QUERY])))
                found.update({str(r.qb_id): r.row_key for r in rows
                              if r.state == AuditState.CREATED.value and r.qb_state in followed})
        return found

    def unread_ids(self, direction: Direction) -> dict[str, str]:
        """QuickBooks Id -> key of the created transactions never read back yet (made before this was tracked)."""
        table = self.table(direction)
        with self.engine.connect() as connection:
            return {str(i): k for i, k in connection.execute(select(table.c.qb_id, table.c.row_key).where(
                *self._where(table), table.c.state == AuditState.CREATED.value, table.c.qb_id.is_not(None),
                table.c.qb_state.is_(None)))}

    def record_remote(self, direction: Direction, states: Mapping[str, RemoteState]) -> int:
        """Store what QuickBooks says of each key's transaction; returns how many changed. `updated_at` stays:
        it is when the sync itself last acted on the row (qb_synced_at)."""
        names = list(RemoteState.AUDIT_COLUMNS)
        changed = 0
        table = self.table(direction)
        with self.engine.begin() as connection:
            stored = {r.row_key: r for r in connection.execute(
                select(table.c.row_key, *[table.c[n] for n in names]).where(*self._where(table, list(states))))}
            for key, state in states.items():
                values = state.audit_values()
                old = stored.get(key)
                if old is not None and all(getattr(old, n) == values[n] for n in names):
                    continue
                changed += 1
                connection.execute(update(table).where(*self._where(table, [key])).values(**values))
        return changed

    def record_contents(self, direction: Direction, contents: Mapping[str, Mapping[str, str]]) -> None:
        """The sheet content each key's transaction now stands for (edits are found against it)."""
        self._update_each(direction, {k: {"content_json": json.dumps(dict(c), sort_keys=True, ensure_ascii=False)}
                                      for k, c in contents.items()})

    def record_paid_marks(self, direction: Direction, marks: Mapping[str, PaidStatus]) -> None:
        """What the sync changed in each row's own status, so that it can undo exactly that later."""
        self._update_each(direction, {k: {"status_before_paid": m.status_before_paid,
                                          "paid_date_filled": m.paid_date_filled} for k, m in marks.items()})

    def _update_each(self, direction: Direction, values_by_key: Mapping[str, dict]) -> None:
        table = self.table(direction)
        with self.engine.begin() as connection:
            for key, values in values_by_key.items():
                connection.execute(update(table).where(*self._where(table, [key])).values(**values))

    def record_intents(self, direction: Direction, intents: list[dict]) -> dict[str, str]:
        """Commit `sending` rows (key, payload_hash, payload_json, fingerprint, ...) before any send; returns each
        key's request id for this attempt."""
        return self._upsert(direction, [{**i, "state": AuditState.SENDING.value, "error": None} for i in intents],
                            bump_attempts=True)

    def record_created(self, direction: Direction, results: list[dict]) -> None:
        """Store what QuickBooks answered (key, qb_id, doc_number, qb_url, response_json, ...)."""
        self._upsert(direction, [{**result, "state": AuditState.CREATED.value, "error": None} for result in results])

    def record_failed(self, direction: Direction, failures: list[dict]) -> None:
        """Keep each failure. A key longer than the row_key column cannot be kept (PostgreSQL refuses it, where SQLite
        would store it): such a row fails in the sheet at every run instead, before anything is sent (its number is far
        beyond the 21 characters QuickBooks allows)."""
        longest = self.table(direction).c.row_key.type.length
        self._upsert(direction, [{**failure, "state": AuditState.FAILED.value} for failure in failures
                                 if len(failure["row_key"]) <= longest])

    def mark_sending(self, direction: Direction, key: str) -> None:
        """Make a row an intent again (a forced reset of a number QuickBooks holds): the next run looks it up by
        its number before anything is sent."""
        self._update_each(direction, {key: {"state": AuditState.SENDING.value, "error": None}})

    def forget(self, direction: Direction, keys: Iterable[str], only_state: AuditState | None = None) -> int:
        """Delete audit rows: an operator reset, or intents QuickBooks refused as a whole (not created)."""
        table = self.table(direction)
        clauses = self._where(table, keys)
        if only_state:
            clauses.append(table.c.state == AuditState(only_state).value)
        with self.engine.begin() as connection:
            return connection.execute(delete(table).where(*clauses)).rowcount

    def _upsert(self, direction: Direction, rows: list[dict], bump_attempts: bool = False) -> dict[str, str]:
        """Insert or update rows by key. With `bump_attempts` (intents) the attempt count goes up and each row gets
        the request id of its new attempt, returned by key."""
        request_ids: dict[str, str] = {}
        if not rows:
            return request_ids
        table = self.table(direction)
        now = self.clock()
        with self.engine.begin() as connection:
            existing = {r.row_key: r for r in connection.execute(
                select(table.c.row_key, table.c.attempts).where(*self._where(table, [r["row_key"] for r in rows])))}
            for row in rows:
                key = row["row_key"]
                values = {k: v for k, v in row.items() if k != "row_key"}
                values["updated_at"] = now
                old = existing.get(key)
                if bump_attempts:
                    values["attempts"] = (old.attempts if old is not None else 0) + 1
                    values["request_id"] = request_ids[key] = request_id_for(
                        self.sheet, self.worksheet, direction, key, row.get("payload_hash") or "", values["attempts"])
                if old is None:
                    connection.execute(insert(table).values(
                        sheet=self.sheet, worksheet=self.worksheet, row_key=key, created_at=now,
                        **{"attempts": 0, **values}))
                else:
                    connection.execute(update(table).where(*self._where(table, [key])).values(**values))
        return request_ids
