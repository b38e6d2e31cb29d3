"""`GET /v3/company/{realm}/cdc?entities=Invoice,Payment&changedSince=2025-10-01T09:00:00-07:00`: Change Data
Capture, as Intuit's "Change data capture operation" page describes it.

    {"CDCResponse": [{"QueryResponse": [
        {"Invoice": [{...the whole current object...},
                     {"Id": "65", "status": "Deleted", "domain": "QBO", "MetaData": {"LastUpdatedTime": "..."}}],
         "startPosition": 1, "maxResults": 2},
        {}                                            <- an entity asked for that has no changes
     ]}],
     "time": "2025-10-09T10:00:00.000-07:00"}

One QueryResponse per entity asked for, in the order asked (the shape of ej2/python-quickbooks tests/unit/
test_cdc.py, whose empty answer is `{"QueryResponse": [{}]}`; ruckus/quickbooks-ruby spec/fixtures/
change_data_capture_response.xml, a real answer, has the empty `<QueryResponse/>`s and the deleted-Invoice shape).
Every object created, updated, voided or deleted whose MetaData.LastUpdatedTime is at or after changedSince appears
once, as it is now ("CDC operations return full payloads ... not just the attributes that were changed"; a deleted
one as its tombstone). The boundary is inclusive (**unconfirmed**): a client that passes the previous answer's
`time` may see a change twice and must upsert.

Limits (Intuit's page and its 2023 blog "Stay in sync with CDC"):
  * "CDC operations can track changes within the last 30 days": a changedSince more than 30 days before the
    emulator clock is refused with 400, Fault 500 "Unsupported Operation", Detail "Operation cdc with
    changedSince date <as sent> which is older than fixed days is not supported." (the message
    Wish-Org/QuickBooksSharp#19 quotes from QBO; its code and status are **unconfirmed**).
  * "Server responses can handle a maximum of 1,000 objects": across all entities together, the 1,000 oldest
    changes (by change order, then LastUpdatedTime) are answered and the newer ones left out, without any marker.
    A client that receives exactly 1,000 objects must assume it saw only part and ask again from a later
    changedSince (the LastUpdatedTime of the newest object it got). No paging parameters exist.

changedSince: "The date format is ISO (YYYY-MM-DD)" and the page's example is `2015-12-23T09:00-07:00`; a date or
a date-time with or without seconds, fraction and offset is accepted; without an offset it is company time
(Pacific, **unconfirmed**). Missing is 2020; unparseable is 2010 (**our choice**). `entities` is a comma-separated
list, case-insensitive (Intuit's blog example is `entities=customer,invoice`), of the entities the emulator keeps;
missing is 2020, an unknown one 2010 (**our choice**; QBO's answer is undocumented).
"""

from __future__ import annotations

import copy
from datetime import datetime

from emulators.qbo_faults import COMPANY_TZ, QboFault, invalid_property, required_error, unsupported

LOOKBACK_SECONDS = 30 * 24 * 3600
MAX_OBJECTS = 1000


def change_data_capture(company, entities_text: str | None, since_text: str | None) -> list[dict]:
    """The `CDCResponse` array for one request (module docstring). Raises QboFault."""
    entities = _entities(company, entities_text)
    since = _since(since_text, company.clock())
    changes = sorted(_changes(company, entities, since), key=lambda change: change[0])[:MAX_OBJECTS]
    grouped: dict[str, list[dict]] = {entity: [] for entity in entities}
    for _, entity, obj in changes:
        grouped[entity].append(obj)
    return [{"QueryResponse": [{entity: objs, "startPosition": 1, "maxResults": len(objs)} if objs else {}
                               for entity, objs in grouped.items()]}]


def _entities(company, text: str | None) -> list[str]:
    if not text or not text.strip():
        raise QboFault([required_error("entities")])
    known = {name.lower(): name for name in company.objects}
    chosen: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.lower() not in known:
            raise QboFault([invalid_property(f"entities={part} (CDC serves {', '.join(sorted(known.values()))})",
                                             "entities")])
        if known[part.lower()] not in chosen:
            chosen.append(known[part.lower()])
    if not chosen:
        raise QboFault([required_error("entities")])
    return chosen


def _since(text: str | None, now: float) -> float:
    """changedSince as epoch seconds; refused when older than the 30-day look-back."""
    if not text or not text.strip():
        raise QboFault([required_error("changedSince")])
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise QboFault([invalid_property(f"changedSince={text} (expected an ISO 8601 date or date-time, e.g. "
                                         "2015-12-23T09:00:00-07:00; a '+' in the query string must be sent as %2B)",
                                         "changedSince")]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=COMPANY_TZ)
    epoch = moment.timestamp()
    if epoch < now - LOOKBACK_SECONDS:
        raise unsupported(f"Operation cdc with changedSince date {text} which is older than fixed days is not "
                          "supported.")
    return epoch


def _changes(company, entities: list[str], since: float):
    """(order, entity, object) for every live object and tombstone of `entities` changed at or after `since`."""
    for entity in entities:
        for source in (company.objects.get(entity, {}), company.deleted.get(entity, {})):
            for object_id, obj in source.items():
                stamp = obj.get("MetaData", {}).get("LastUpdatedTime")
                if stamp and datetime.fromisoformat(stamp).timestamp() >= since:
                    order = (company.change_order.get(f"{entity}:{object_id}", 0), stamp)
                    yield order, entity, copy.deepcopy(obj)
