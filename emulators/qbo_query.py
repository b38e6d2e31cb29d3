"""The QuickBooks Online query language (a pared-down SELECT), parsed and run over plain dicts. Pure: no I/O.

Grammar (reference §7, Intuit "data queries" page):

    SELECT * | count(*) | Field[, Field...] FROM Entity
        [WHERE Field Op Value [AND Field Op Value]...]
        [ORDERBY Field [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS n]

Operators are `=`, `<`, `>`, `<=`, `>=`, `IN (...)` and `LIKE` (only `%` as wildcard); there is no OR, no `!=`,
no JOIN or GROUP BY. Keywords are case-insensitive; entity names and field names are case-sensitive (the Intuit
page says "Case sensitive" for the entity; we apply the same to fields). String literals are single-quoted with
backslash escapes (`'O\\'Brien & Sons'`). Any non-ASCII character fails with QBO's lexical error (ruckus/
quickbooks-ruby#362), even inside a literal.

Choices where the reference is silent (documented, **unconfirmed**):
  * `=` and `IN` on strings are exact (case-sensitive); `LIKE` is case-insensitive.
  * Digit-only strings (Ids) compare numerically; dates/times compare as ISO text.
  * Name lists (anything with an `Active` field) return only active records unless the WHERE mentions `Active`.
  * MAXRESULTS defaults to 100 and is capped at 1000 silently; STARTPOSITION 0 is accepted as 1.
  * `ORDER BY` (two words) is accepted as well as the documented `ORDERBY`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_CAP = 1000

# Filterable fields per entity (after Intuit's per-entity "filterable" lists, as summarised by coupler.io).
_TXN = {"Id", "DocNumber", "TxnDate", "DueDate", "TotalAmt", "Balance", "MetaData.CreateTime",
        "MetaData.LastUpdatedTime", "SalesTermRef", "DepartmentRef", "ClassRef"}
_NAME = {"Id", "DisplayName", "GivenName", "MiddleName", "FamilyName", "CompanyName", "FullyQualifiedName",
         "PrimaryEmailAddr", "PrintOnCheckName", "Active", "Balance", "MetaData.CreateTime",
         "MetaData.LastUpdatedTime"}
FILTERABLE = {
    "Invoice": _TXN | {"CustomerRef", "EmailStatus", "PrintStatus"},
    "Bill": _TXN | {"VendorRef", "APAccountRef"},
    "Payment": {"Id", "TxnDate", "TotalAmt", "CustomerRef", "PaymentRefNum", "MetaData.CreateTime",
                "MetaData.LastUpdatedTime"},
    "BillPayment": {"Id", "DocNumber", "TxnDate", "TotalAmt", "VendorRef", "PayType", "MetaData.CreateTime",
                    "MetaData.LastUpdatedTime"},
    "Customer": _NAME | {"Job", "ParentRef"},
    "Vendor": _NAME | {"Vendor1099"},
    "Employee": _NAME,
    "Item": {"Id", "Name", "Active", "Type", "Sku", "FullyQualifiedName", "ParentRef", "MetaData.CreateTime",
             "MetaData.LastUpdatedTime"},
    "Account": {"Id", "Name", "Active", "AccountType", "AccountSubType", "Classification", "FullyQualifiedName",
                "Description", "ParentRef", "SubAccount", "CurrentBalance", "MetaData.CreateTime",
                "MetaData.LastUpdatedTime"},
    "Term": {"Id", "Name", "Active", "Type", "MetaData.CreateTime", "MetaData.LastUpdatedTime"},
    "TaxCode": {"Id", "Name", "Active", "MetaData.CreateTime", "MetaData.LastUpdatedTime"},
    "TaxRate": {"Id", "Name", "Active", "MetaData.CreateTime", "MetaData.LastUpdatedTime"},
    "CompanyCurrency": {"Id", "Code", "Name", "Active", "MetaData.CreateTime", "MetaData.LastUpdatedTime"},
    "CompanyInfo": {"Id", "CompanyName", "MetaData.CreateTime", "MetaData.LastUpdatedTime"},
    "Preferences": {"Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime"},
}


class QueryError(Exception):
    """A query QBO refuses: `code` 4000 ("Error parsing query") or 4001 ("Invalid query")."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.message = "Error parsing query" if code == "4000" else "Invalid query"
        self.detail = detail


@dataclass
class Condition:
    field: str
    op: str  # "=", "<", ">", "<=", ">=", "IN", "LIKE"
    value: object  # str | float | int | bool, or a list for IN


@dataclass
class Query:
    entity: str
    projection: list[str] | None = None  # None = *
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


_TOKEN = re.compile(r"""\s*(?:
      (?P<str>')
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<op><=|>=|!=|<>|[=<>(),*])
    )""", re.VERBOSE)
_KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "OR", "ORDERBY", "ORDER", "BY", "ASC", "DESC", "STARTPOSITION",
             "MAXRESULTS", "IN", "LIKE", "COUNT", "TRUE", "FALSE"}


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _lexical_error(text: str, index: int, after_from: int) -> QueryError:
    line, column = _position(text, index)
    char = text[index]
    shown = f"\\u{ord(char):04x}" if ord(char) > 127 else char
    after = text[after_from:index].replace("'", "\\'")
    return QueryError("4000", f"QueryParserError: Invalid content. Lexical error at line {line}, column {column}.  "
                              f'Encountered: "{shown}" ({ord(char)}), after : "{after}"')


def tokenize(text: str) -> list[tuple[str, object, int]]:
    """(kind, value, index) tokens; kinds: str, num, kw, ident, op. Raises QueryError 4000 on bad input."""
    for i, char in enumerate(text):
        if ord(char) > 127:
            start = text.rfind("'", 0, i)
            raise _lexical_error(text, i, start if start >= 0 and text.count("'", 0, i) % 2 else i)
    tokens, i = [], 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        match = _TOKEN.match(text, i)
        if not match:
            j = i + len(text[i:]) - len(text[i:].lstrip())
            raise _lexical_error(text, j, j)
        start = match.start(match.lastgroup)
        if match.lastgroup == "str":
            value, j = [], match.end()
            while j < len(text) and text[j] != "'":
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                value.append(text[j])
                j += 1
            if j >= len(text):
                line, column = _position(text, len(text))
                raise QueryError("4000", f"QueryParserError: Invalid content. Lexical error at line {line}, "
                                         f"column {column}.  Encountered: <EOF> after : \"{text[start:]}\"")
            tokens.append(("str", "".join(value), start))
            i = j + 1
            continue
        raw = match.group(match.lastgroup)
        if match.lastgroup == "num":
            tokens.append(("num", float(raw) if "." in raw else int(raw), start))
        elif match.lastgroup == "ident" and raw.upper() in _KEYWORDS:
            tokens.append(("kw", raw.upper(), start))
        else:
            tokens.append((match.lastgroup, raw, start))
        i = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self, offset: int = 0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("eof", None, len(self.text))

    def error(self, expecting: str) -> QueryError:
        kind, value, index = self.peek()
        line, column = _position(self.text, min(index, len(self.text)))
        found = "<EOF>" if kind == "eof" else f'" {value} "'
        return QueryError("4000", f"QueryParserError: Encountered {found} at line {line}, column {column}.\n"
                                  f"Was expecting:\n    {expecting} ...")

    def take(self, kind: str, value=None, expecting: str | None = None):
        tok = self.peek()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise self.error(expecting or (value or kind))
        self.pos += 1
        return tok[1]

    def at(self, kind: str, value=None) -> bool:
        tok = self.peek()
        return tok[0] == kind and (value is None or tok[1] == value)

    def literal(self):
        kind, value, _ = self.peek()
        if kind in ("str", "num"):
            self.pos += 1
            return value
        if kind == "kw" and value in ("TRUE", "FALSE"):
            self.pos += 1
            return value == "TRUE"
        raise self.error("<STRING> | <NUMBER> | true | false")

    def parse(self) -> Query:
        self.take("kw", "SELECT")
        projection, count = None, False
        if self.at("op", "*"):
            self.pos += 1
        elif self.at("kw", "COUNT"):
            self.pos += 1
            for tok in ("(", "*", ")"):
                self.take("op", tok)
            count = True
        else:
            projection = [self.take("ident", expecting="\"*\" | \"count\" | <IDENTIFIER>")]
            while self.at("op", ","):
                self.pos += 1
                projection.append(self.take("ident", expecting="<IDENTIFIER>"))
        self.take("kw", "FROM")
        query = Query(self.take("ident", expecting="<IDENTIFIER>"), projection, count)
        if self.at("kw", "WHERE"):
            self.pos += 1
            query.where.append(self.condition())
            while self.at("kw", "AND"):
                self.pos += 1
                query.where.append(self.condition())
            if self.at("kw", "OR"):
                raise self.error('"AND" | "ORDERBY" | "STARTPOSITION" | "MAXRESULTS" | <EOF>')
        if self.at("kw", "ORDERBY") or (self.at("kw", "ORDER") and self.peek(1)[:2] == ("kw", "BY")):
            self.pos += 1 if self.at("kw", "ORDERBY") else 2
            while True:
                name = self.take("ident", expecting="<IDENTIFIER>")
                descending = False
                if self.at("kw", "ASC") or self.at("kw", "DESC"):
                    descending = self.take("kw") == "DESC"
                query.order.append((name, descending))
                if not self.at("op", ","):
                    break
                self.pos += 1
        while self.at("kw", "STARTPOSITION") or self.at("kw", "MAXRESULTS"):
            keyword = self.take("kw")
            number = self.take("num", expecting="<INTEGER>")
            if not isinstance(number, int) or number < 0:
                raise QueryError("4000", f"QueryParserError: {keyword} expects a non-negative integer, got {number}")
            if keyword == "STARTPOSITION":
                query.start = max(1, number)
            else:
                if number == 0:
                    raise QueryError("4001", "QueryValidationError: MAXRESULTS must be greater than 0")
                query.max_results = min(number, MAX_RESULTS_CAP)
        if not self.at("eof"):
            raise self.error('"ORDERBY" | "STARTPOSITION" | "MAXRESULTS" | <EOF>')
        return query

    def condition(self) -> Condition:
        name = self.take("ident", expecting="<IDENTIFIER>")
        kind, op, _ = self.peek()
        if kind == "kw" and op == "IN":
            self.pos += 1
            self.take("op", "(")
            values = [self.literal()]
            while self.at("op", ","):
                self.pos += 1
                values.append(self.literal())
            self.take("op", ")")
            return Condition(name, "IN", values)
        if kind == "kw" and op == "LIKE":
            self.pos += 1
            value = self.literal()
            if not isinstance(value, str):
                raise self.error("<STRING>")
            return Condition(name, "LIKE", value)
        if kind == "op" and op in ("=", "<", ">", "<=", ">="):
            self.pos += 1
            return Condition(name, op, self.literal())
        raise self.error('"=" | "<" | ">" | "<=" | ">=" | "IN" | "LIKE"')


def parse(text: str) -> Query:
    """Parse a SELECT; QueryError(4000) for syntax/lexical errors."""
    return _Parser(text.strip()).parse()


def validate(query: Query, known_entities) -> str:
    """Check entity and WHERE fields; return the canonical entity name. QueryError(4001) if invalid."""
    if query.entity not in known_entities:
        raise QueryError("4001", f"QueryValidationError: Invalid context declaration : {query.entity}")
    allowed = FILTERABLE.get(query.entity, set())
    for cond in query.where:
        if cond.field not in allowed:
            raise QueryError("4001", f"QueryValidationError: property '{cond.field}' is not queryable")
    for name, _ in query.order:
        if name not in allowed:
            raise QueryError("4001", f"QueryValidationError: property '{name}' is not sortable")
    return query.entity


def lookup(obj: dict, path: str):
    """Value at a dotted path; reference objects ({"value": ...}) compare by their value."""
    value = obj
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if isinstance(value, dict):
        value = value.get("value", value.get("Address"))
    return value


def _comparable(a, b):
    if isinstance(a, str) and isinstance(b, str) and a.isdigit() and b.isdigit():
        return int(a), int(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a, b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a, b
    if isinstance(a, str) and isinstance(b, (int, float)):
        return a, str(b)
    return a, b


def _matches(obj: dict, cond: Condition) -> bool:
    actual = lookup(obj, cond.field)
    if actual is None:
        return False
    if cond.op == "LIKE":
        pattern = "^" + ".*".join(re.escape(part) for part in cond.value.split("%")) + "$"
        return re.match(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
    if cond.op == "IN":
        return any(_equal(actual, v) for v in cond.value)
    if cond.op == "=":
        return _equal(actual, cond.value)
    a, b = _comparable(actual, cond.value)
    try:
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[cond.op]
    except TypeError:
        return False


def _equal(actual, value) -> bool:
    a, b = _comparable(actual, value)
    return a == b


def _sort_key(value):
    if value is None:
        return (0, 0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value, "")
    if isinstance(value, str) and value.isdigit():
        return (1, int(value), "")
    return (2, 0, str(value))


def _project(obj: dict, fields: list[str]) -> dict:
    out: dict = {}
    for path in fields:
        parts, source, target = path.split("."), obj, out
        for part in parts[:-1]:
            source = source.get(part) if isinstance(source, dict) else None
            target = target.setdefault(part, {})
        if isinstance(source, dict) and parts[-1] in source:
            target[parts[-1]] = source[parts[-1]]
    out["domain"] = obj.get("domain", "QBO")
    out["sparse"] = True
    return out


def run(query: Query, entity: str, rows: list[dict]) -> dict:
    """The `QueryResponse` object for `rows` (already copies): filtered, sorted, paged, projected."""
    selected = [r for r in rows if all(_matches(r, c) for c in query.where)]
    if "Active" in FILTERABLE.get(entity, ()) and not any(c.field == "Active" for c in query.where):
        selected = [r for r in selected if r.get("Active", True)]
    if query.count:
        return {"totalCount": len(selected)}
    for name, descending in reversed(query.order):
        selected.sort(key=lambda r: _sort_key(lookup(r, name)), reverse=descending)
    page = selected[query.start - 1:query.start - 1 + query.max_results]
    if not page:
        return {}
    if query.projection:
        page = [_project(r, query.projection) for r in page]
    return {entity: page, "startPosition": query.start, "maxResults": len(page)}
