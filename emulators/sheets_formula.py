"""The Sheets emulator's small formula evaluator (USER_ENTERED cells that begin with `=`).

Separate from the grid because it is a parser of its own; it reads other cells back through
`Spreadsheet.render`, so references follow formulas (up to a depth limit) as Google's recalculation does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from emulators.sheets_a1 import parse_a1, split_range
from emulators.sheets_values import Formula, _number, format_number

if TYPE_CHECKING:
    from emulators.sheets_grid import Spreadsheet
    from emulators.sheets_tab import Sheet


class _FormulaError(Exception):
    pass


_TOKEN = re.compile(r"""\s*(?:
    (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
        (?![A-Za-z0-9_(])
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&(),=<>])
)""", re.X)

_MAX_DEPTH = 50


def _num(v) -> float:
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    try:
        return float(str(v).strip())
    except ValueError:
        raise _FormulaError("#VALUE!") from None


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return format_number(v)
    return str(v)


def _flat(args) -> list:
    out = []
    for a in args:
        out.extend(a if isinstance(a, list) else [a])
    return out


def _numbers(args) -> list:
    """Range arguments contribute only their numbers; direct arguments are coerced."""
    out = []
    for a in args:
        if isinstance(a, list):
            out.extend(v for v in a if isinstance(v, (int, float)) and not isinstance(v, bool))
        else:
            out.append(_num(a))
    return out


def _average(args):
    nums = _numbers(args)
    if not nums:
        raise _FormulaError("#DIV/0!")
    return sum(nums) / len(nums)


_AGGREGATES = {"SUM", "MIN", "MAX", "AVERAGE", "COUNT", "CONCATENATE"}  # take ranges; the rest take scalars
_FUNCTIONS = {
    "SUM": lambda a: sum(_numbers(a)),
    "MIN": lambda a: min(_numbers(a), default=0),
    "MAX": lambda a: max(_numbers(a), default=0),
    "AVERAGE": _average,
    "COUNT": lambda a: sum(1 for v in _flat(a) if isinstance(v, (int, float)) and not isinstance(v, bool)),
    "ABS": lambda a: abs(_num(a[0])),
    "ROUND": lambda a: round(_num(a[0]), int(_num(a[1])) if len(a) > 1 else 0),
    "CONCATENATE": lambda a: "".join(_text(v) for v in _flat(a)),
    "LEN": lambda a: len(_text(a[0])),
    "UPPER": lambda a: _text(a[0]).upper(),
    "LOWER": lambda a: _text(a[0]).lower(),
    "IF": lambda a: (a[1] if len(a) > 1 else True) if _num(a[0]) else (a[2] if len(a) > 2 else False),
}


class _FormulaEval:
    """A deliberately small evaluator: arithmetic, `&`, comparisons, cell/range references and a handful
    of functions. Anything else yields `#NAME?`, as Google does for a function it does not know."""

    def __init__(self, book: Spreadsheet, sheet: Sheet, depth: int):
        self.book, self.sheet, self.depth = book, sheet, depth

    def run(self, text: str):
        if self.depth > _MAX_DEPTH:
            return "#REF!"
        try:
            self.tokens = self._tokenize(text[1:])
            self.pos = 0
            value = self._compare()
            if self.pos != len(self.tokens):
                raise _FormulaError("#ERROR!")
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, float) and value != value:
                raise _FormulaError("#NUM!")
            return _number(value) if isinstance(value, float) else value
        except _FormulaError as exc:
            return str(exc)
        except (ZeroDivisionError,):
            return "#DIV/0!"
        except (IndexError, TypeError, OverflowError, ValueError):
            return "#ERROR!"

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise _FormulaError("#ERROR!")
            kind = m.lastgroup
            tokens.append((kind, m.group(kind)))
            pos = m.end()
        return tokens

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def _take(self, value=None):
        tok = self._peek()
        if value is not None and tok[1] != value:
            raise _FormulaError("#ERROR!")
        self.pos += 1
        return tok

    def _binary(self, ops, sub, fn):
        left = sub()
        while self._peek()[0] == "op" and self._peek()[1] in ops:
            op = self._take()[1]
            left = fn(op, self._scalar(left), self._scalar(sub()))
        return left

    def _compare(self):
        def cmp(op, a, b):
            a, b = (a, b) if isinstance(a, str) or isinstance(b, str) else (_num(a), _num(b))
            if isinstance(a, str) or isinstance(b, str):
                a, b = _text(a).lower(), _text(b).lower()
            return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return self._binary(("=", "<>", "<", ">", "<=", ">="), self._concat, cmp)

    def _concat(self):
        return self._binary(("&",), self._additive, lambda op, a, b: _text(a) + _text(b))

    def _additive(self):
        return self._binary(("+", "-"), self._term,
                            lambda op, a, b: _num(a) + _num(b) if op == "+" else _num(a) - _num(b))

    def _term(self):
        def mul(op, a, b):
            if op == "*":
                return _num(a) * _num(b)
            if _num(b) == 0:
                raise _FormulaError("#DIV/0!")
            return _num(a) / _num(b)
        return self._binary(("*", "/"), self._power, mul)

    def _power(self):
        return self._binary(("^",), self._unary, lambda op, a, b: _num(a) ** _num(b))

    def _unary(self):
        kind, value = self._peek()
        if kind == "op" and value in ("+", "-"):
            self._take()
            operand = _num(self._scalar(self._unary()))
            return -operand if value == "-" else operand
        return self._primary()

    @staticmethod
    def _scalar(v):
        return (v[0] if v else None) if isinstance(v, list) else v

    def _primary(self):
        kind, value = self._take()
        if kind == "num":
            return float(value)
        if kind == "str":
            return value[1:-1].replace('""', '"')
        if kind == "ref":
            return self._ref(value)
        if kind == "op" and value == "(":
            inner = self._compare()
            self._take(")")
            return inner
        if kind == "name":
            upper = value.upper()
            if self._peek()[1] == "(":
                self._take("(")
                args = []
                if self._peek()[1] != ")":
                    args.append(self._compare())
                    while self._peek()[1] == ",":
                        self._take(",")
                        args.append(self._compare())
                self._take(")")
                fn = _FUNCTIONS.get(upper)
                if fn is None:
                    raise _FormulaError("#NAME?")
                return fn(args if upper in _AGGREGATES else [self._scalar(a) for a in args])
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            raise _FormulaError("#NAME?")
        raise _FormulaError("#ERROR!")

    def _ref(self, text: str):
        sheet = self.sheet
        if "!" in text:
            title, text = split_range(text)
            sheet = self.book.sheet(title)
            if sheet is None:
                raise _FormulaError("#REF!")
        ref = parse_a1(text.replace("$", ""))
        values = []
        for r in range(min(ref.r1, ref.r2), max(ref.r1, ref.r2) + 1):
            for c in range(min(ref.c1, ref.c2), max(ref.c1, ref.c2) + 1):
                if r > sheet.row_count or c > sheet.column_count:
                    raise _FormulaError("#REF!")
                v = self.book.render(sheet, r, c, "UNFORMATTED_VALUE", "SERIAL_NUMBER", self.depth + 1)
                if v == "#REF!" and isinstance(sheet.get(r, c), Formula):
                    raise _FormulaError("#REF!")
                values.append(v)
        return values  # a list even for one cell: SUM(A1) ignores text in A1, A1+1 coerces it
