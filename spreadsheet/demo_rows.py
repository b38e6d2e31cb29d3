"""Deterministic, realistic `inv_tbl` rows for the demo mode, the emulators, the tests and the benchmarks.

The rows look like what finance staff really type: mixed amount and date forms, stray spaces
and capitals in `status`, names with apostrophes and accents, notes that start like a formula. Same seed and
same `today`, same table, so a test or a benchmark can rely on it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from spreadsheet.schema import SOURCE_HEADERS

__all__ = ["demo_inv_tbl", "scaled_inv_tbl", "DEFAULT_SEED", "MONEY_IN_FROM", "VENDORS"]

DEFAULT_SEED = 20261125
MONEY_IN_FROM = "ACD"
VENDORS = ("Accelebrate", "BHanalytics")

# to_client: who pays ACD (brokers and direct clients).
CLIENTS = ("Globex LLC", "O'Brien & Sons", "Initech", "Zoë Café Ltd", "Northwind Traders", "Umbrella Corp")
# end_client: who the work was for; some are also direct clients.
END_CLIENTS = (
    "Initech", "Zoë Café Ltd", "Wayne Enterprises", "Müller & Söhne GmbH", "Acme Corp",
    "Tyrell Corp", "Soylent Co", "O'Brien & Sons",
)
# (job code prefix, task wording, unit, typical rate per unit)
JOBS = (
    ("PY", "Python training", "days", 1800),
    ("DS", "Data science workshop", "days", 2100),
    ("SQL", "SQL fundamentals training", "days", 1500),
    ("ML", "Machine learning bootcamp", "days", 2400),
    ("DE", "Data engineering consulting", "hours", 175),
    ("PBI", "Power BI dashboard build", "hours", 150),
)
NOTES = (
    "Net 30", "PO 4471 must appear on the invoice", "Client asked for a W-9", "Travel billed separately",
    "=SUM(I2:I9) pasted by mistake", "+1 day added at client request", "=HYPERLINK(\"x\")? no, plain text",
    "+ travel: $212.40", "Great feedback from attendees 🎉", "Resent after address change",
    "Trainer: Siobhán O'Neill", "-- check rate with Accelebrate",
)
STATUS_TYPOS = {"pending": (" pending ", "Pending"), "submitted": ("Submitted", "submitted ")}


def demo_inv_tbl(n_rows: int = 150, seed: int = DEFAULT_SEED, today: date | None = None) -> list[list[str]]:
    """Header row (the 17 source columns; the sync's migrate step adds the qb_* ones) plus ``n_rows`` rows.

    All values are strings, as a Sheets read returns them. Invoice numbers are unique; about a quarter of
    the rows are vendor bills to ACD (money out), the rest are ACD invoices (money in).
    """
    rng = random.Random(seed)
    today = today or date.today()
    counters = {"ACD": {}, "Accelebrate": 88000, "BHanalytics": 5500}
    rows = [list(SOURCE_HEADERS)]
    for _ in range(n_rows):
        rows.append(_demo_row(rng, today, counters))
    return rows


def scaled_inv_tbl(n_rows: int = 10_000, seed: int = DEFAULT_SEED, today: date | None = None) -> list[list[str]]:
    """A large table for benchmarks; invoice numbers stay unique because they come from running counters."""
    return demo_inv_tbl(n_rows=n_rows, seed=seed, today=today)


def _demo_row(rng: random.Random, today: date, counters: dict) -> list[str]:
    money_out = rng.random() < 0.25
    inv_from = rng.choice(VENDORS) if money_out else MONEY_IN_FROM
    end_client = rng.choice(END_CLIENTS)
    to_client = "ACD" if money_out else (end_client if rng.random() < 0.3 else rng.choice(CLIENTS))
    if not money_out and rng.random() < 0.03:  # a stray space typed after a client's name
        to_client += " "

    code, wording, unit, rate = rng.choice(JOBS)
    quantity = rng.randint(1, 5) if unit == "days" else rng.randint(6, 60)
    amount = Decimal(rate * quantity)
    if rng.random() < 0.5:  # expenses or a discount make the cents non-zero
        amount += Decimal(rng.randint(-9000, 30000)) / 100
    if money_out:
        amount = (amount * Decimal("0.8")).quantize(Decimal("0.01"), ROUND_HALF_UP)

    submitted = today - timedelta(days=rng.randint(1, 364))
    status = _pick_status(rng, today, submitted)
    job_end = submitted - timedelta(days=rng.randint(0, 10))
    job_start = job_end - timedelta(days=(quantity - 1) if unit == "days" else rng.randint(3, 30))
    paid = ""
    if status == "paid":
        paid = _fmt_date(rng, min(today, submitted + timedelta(days=rng.randint(5, 60))))
    submitted_text = "" if status == "draft" and rng.random() < 0.6 else _fmt_date(rng, submitted)
    status_text = rng.choice(STATUS_TYPOS[status]) if status in STATUS_TYPOS and rng.random() < 0.08 else status

    owed_acd = owed_workers = ""
    if not money_out:
        acd_share = (amount * Decimal(rng.choice(("0.15", "0.2", "0.25")))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        owed_acd = _fmt_amount(rng, acd_share)
        owed_workers = _fmt_amount(rng, amount - acd_share)

    invoice = _next_invoice(inv_from, submitted.year, counters)
    return [
        invoice,
        "" if rng.random() < 0.3 else f"https://drive.google.com/file/d/{rng.getrandbits(64):016x}/view",
        status_text,
        inv_from,
        to_client,
        end_client,
        f"{wording}, {quantity} {unit}" if quantity > 1 else f"{wording}, 1 {unit[:-1]}",
        f"{code}-{rng.choice((101, 201, 210, 301, 330, 420))}",
        _fmt_amount(rng, amount),
        owed_acd,
        owed_workers,
        submitted_text,
        paid,
        _fmt_date(rng, job_start),
        _fmt_date(rng, job_end),
        rng.choice(NOTES) if rng.random() < 0.3 else "",
        _thread(rng, invoice),
    ]


def _pick_status(rng: random.Random, today: date, submitted: date) -> str:
    """Older invoices are mostly paid; recent ones are still in flight."""
    age = (today - submitted).days
    if age > 90:
        return rng.choices(("paid", "pending", "submitted"), (85, 10, 5))[0]
    return rng.choices(("draft", "submitted", "pending", "paid"), (15, 35, 25, 25))[0]


def _next_invoice(inv_from: str, year: int, counters: dict) -> str:
    if inv_from == MONEY_IN_FROM:
        counters["ACD"][year] = counters["ACD"].get(year, 0) + 1
        return f"ACD-{year}-{counters['ACD'][year]:03d}"
    counters[inv_from] += 1
    return f"ACC-{counters[inv_from]}" if inv_from == "Accelebrate" else f"BH {counters[inv_from]}"


def _fmt_amount(rng: random.Random, amount: Decimal) -> str:
    """One of the forms people type: ``1500``, ``1500.00``, ``1,050.25``, ``$2,345.67``."""
    cents = amount.quantize(Decimal("0.01"))
    form = rng.random()
    if cents == cents.to_integral_value() and form < 0.3:
        return f"{int(cents)}"
    if form < 0.55:
        return f"{cents:.2f}"
    if form < 0.8:
        return f"{cents:,.2f}"
    return f"${cents:,.2f}"


def _fmt_date(rng: random.Random, day: date) -> str:
    """ISO (``2026-03-02``) or US text (``03/15/2026``, sometimes unpadded ``3/5/2026``)."""
    form = rng.random()
    if form < 0.5:
        return day.isoformat()
    if form < 0.85:
        return day.strftime("%m/%d/%Y")
    return f"{day.month}/{day.day}/{day.year}"


def _thread(rng: random.Random, invoice: str) -> str:
    if rng.random() < 0.5:
        return f"https://mail.google.com/mail/u/0/#inbox/{rng.getrandbits(64):016x}"
    return rng.choice(("Re: invoice {}", "Fwd: {} payment", "{} - PO question")).format(invoice)
