"""A1 notation for the Sheets emulator: column letters, `'Tab'!A1:B2` parsing and Google's title quoting.

Pure string work with no grid behind it, so range rules can be read and tested on their own; binding a
parsed range to a tab's grid happens in `Spreadsheet.resolve` (`emulators/sheets_grid.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def col_letters(n: int) -> str:
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_SIMPLE_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CELL_LIKE = re.compile(r"([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|TRUE|FALSE)\Z", re.I)


def echo_title(title: str) -> str:
    """How Google writes a tab name in an answer: bare when a plain identifier that can't be read as a
    cell (`Sheet1`, `inv_tbl`), else quoted with `'` doubled (`'D3'`, `'My tab'`, `'Jon''s'`)."""
    if _SIMPLE_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


_A1_SIDE = r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?"
_A1 = re.compile(rf"{_A1_SIDE}(?::{_A1_SIDE})?\Z")


@dataclass(frozen=True)
class A1Ref:
    """A parsed A1 reference; None in a bound means "open" (whole column / whole row / to the edge)."""

    c1: int | None
    r1: int | None
    c2: int | None
    r2: int | None


def parse_a1(text: str) -> A1Ref | None:
    """`B2`, `A1:B2`, `A:A`, `1:2`, `A5:A`, `A1:Z`; None if `text` is not A1 notation."""
    m = _A1.match(text)
    if not m:
        return None
    ca, ra, cb, rb = m.groups()
    nums = [int(x) for x in (ra, rb) if x]
    if any(n < 1 for n in nums):
        return None
    c1, r1 = (col_number(ca) if ca else None), (int(ra) if ra else None)
    if ":" not in text:
        return A1Ref(c1, r1, c1, r1) if ca and ra else None
    c2, r2 = (col_number(cb) if cb else None), (int(rb) if rb else None)
    if not (ca or ra) or not (cb or rb):
        return None
    if (ca is None) != (cb is None) and not (ca and ra):  # `1:B2`, `A:5` make no sense
        return None
    return A1Ref(c1, r1, c2, r2)


def split_range(text: str) -> tuple[str | None, str | None]:
    """Split `'Tab'!A1`, `Tab!A1`, `'Tab'`, `A1:B2` or `Tab` into (title or None, a1 or None)."""
    t = text.strip()
    if t.startswith("'"):
        i, out = 1, []
        while i < len(t):
            if t[i] == "'":
                if t[i + 1:i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                break
            out.append(t[i])
            i += 1
        else:
            raise ValueError("unterminated quote")
        rest = t[i + 1:]
        if rest == "":
            return "".join(out), None
        if rest.startswith("!") and rest[1:]:
            return "".join(out), rest[1:]
        raise ValueError("junk after quoted title")
    if "!" in t:
        title, a1 = t.rsplit("!", 1)
        if not title or not a1:
            raise ValueError("empty part")
        return title, a1
    if parse_a1(t):
        return None, t
    return t, None

