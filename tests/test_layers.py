"""The layer rules of the product code, checked on its import graph with `ast` (no third-party tools).

Face (`app.py`, `pages/`) -> Engine (`quickbooks/*`) -> Rules (`quickbooks/rules/`, pure) and Wire
(`quickbooks/wire/`, the only HTTP); Plumbing (`tracker/`) and Sheet (`acd.py`, `spreadsheet/`) below them;
`emulators/` are stand-ins that only `quickbooks/demo.py` may load. These tests keep that shape from rotting:
the rules stay testable without I/O or a clock, pages never talk HTTP, plumbing never knows QuickBooks or pages,
a production start never loads an emulator (nor pandas), and no file or function grows past a readable size.
Each failure names the file, the line and the rule. The self-checks at the end prove the checker can fail.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCT = {"tests", "emulators", "bench", "migrations", ".venv", "scripts"}
MAX_FILE_LINES, MAX_FUNCTION_LINES = 400, 60

RULES_FORBIDDEN_STDLIB = ("time", "socket", "subprocess", "os", "threading", "urllib.request", "http", "sqlite3")
RULES_ALLOWED = ("quickbooks.rules", "quickbooks.errors", "tracker.errors", "spreadsheet.schema", "spreadsheet.cells")
WIRE = ("quickbooks.wire", "requests", "requests_oauthlib", "oauthlib")
CLOCK_ATTRS = {"now", "today", "utcnow"}
RULE_IDS = ("rules-pure", "rules-no-clock", "pages-no-wire", "emulators-only-demo", "tracker-standalone",
            "file-size", "function-size")


def under(name: str, prefixes) -> bool:
    """`name` is one of `prefixes` or a submodule (or attribute) of one."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk_runtime(node: ast.AST):
    """Every node, except the bodies of `if TYPE_CHECKING:` blocks (type-only imports)."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and is_type_checking(child.test):
            for sub in child.orelse:
                yield from _walk_runtime(sub)
        else:
            yield from _walk_runtime(child)


def module_name(path: str) -> str:
    """`quickbooks/rules/x.py` -> `quickbooks.rules.x`; a package's `__init__.py` keeps `.__init__` so that
    relative imports resolve against the package itself."""
    return path.removesuffix(".py").replace("/", ".")


def imports_of(source: str, module: str) -> list[tuple[str, int]]:
    """(imported name, line) for every import anywhere in `source`, relative ones resolved against `module`.
    `from a.b import c` yields `a.b` and `a.b.c` (c may be a submodule)."""
    found: list[tuple[str, int]] = []
    for node in _walk_runtime(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[:-node.level]
                base = ".".join(package + ([node.module] if node.module else []))
            if base:
                found.append((base, node.lineno))
            found += [(f"{base}.{a.name}" if base else a.name, node.lineno) for a in node.names if a.name != "*"]
    return found


def rules_may_import(name: str) -> bool:
    if under(name, RULES_FORBIDDEN_STDLIB):
        return False
    if name.split(".")[0] in sys.stdlib_module_names or under(name, RULES_ALLOWED):
        return True
    return any(allowed.startswith(name + ".") for allowed in RULES_ALLOWED)  # a parent package, e.g. `quickbooks`


def import_rule_broken(path: str, name: str) -> str | None:
    """The id and text of the import rule that `path` importing `name` breaks, or None."""
    if path.startswith("quickbooks/rules/") and not rules_may_import(name):
        return "rules-pure: quickbooks/rules may import only the pure stdlib and the pure project modules"
    if (path == "app.py" or path.startswith("pages/")) and under(name, WIRE):
        return "pages-no-wire: the face never imports the wire (quickbooks.wire, requests, oauthlib)"
    if path != "quickbooks/demo.py" and under(name, ("emulators",)):
        return "emulators-only-demo: only quickbooks/demo.py imports emulators"
    if path.startswith("tracker/") and under(name, ("quickbooks", "pages", "app")):
        return "tracker-standalone: tracker/ imports neither quickbooks, pages nor app"
    return None


def clock_calls(tree: ast.AST) -> list[tuple[str, int]]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            is_time = func.attr == "time" and isinstance(func.value, ast.Name) and func.value.id == "time"
            if func.attr in CLOCK_ATTRS or is_time:
                calls.append((ast.unparse(func) + "()", node.lineno))
    return calls


def violations(path: str, source: str) -> list[str]:
    """Every rule that the file at `path` (relative, posix) with `source` breaks, as `path:line: [rule] ...`."""
    bad: dict[tuple[int, str], str] = {}
    for name, line in imports_of(source, module_name(path)):
        rule = import_rule_broken(path, name)
        if rule and not any(name.startswith(other + ".") for (ln, other) in bad if ln == line):
            bad[(line, name)] = rule  # `from x import a, b` reports `x` once, not `x.a` and `x.b` too
    out = [f"{path}:{line}: [{rule.split(': ')[0]}] imports {name}; {rule.split(': ', 1)[1]}"
           for (line, name), rule in sorted(bad.items())]
    tree = ast.parse(source)
    if path.startswith("quickbooks/rules/"):
        out += [f"{path}:{line}: [rules-no-clock] calls {call} (the rules take the date as an argument)"
                for call, line in clock_calls(tree)]
    if (lines := len(source.splitlines())) > MAX_FILE_LINES:
        out.append(f"{path}:1: [file-size] {lines} lines (max {MAX_FILE_LINES})")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            size = node.end_lineno - node.lineno + 1
            if size > MAX_FUNCTION_LINES:
                out.append(f"{path}:{node.lineno}: [function-size] {node.name}() is {size} lines "
                           f"(max {MAX_FUNCTION_LINES})")
    return out


def product_files() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")
                  if p.relative_to(ROOT).parts[0] not in NOT_PRODUCT
                  and not any(part.startswith(".") for part in p.relative_to(ROOT).parts))


@functools.cache
def all_violations() -> tuple[str, ...]:
    return tuple(v for path in product_files() for v in violations(path, (ROOT / path).read_text("utf-8")))


def test_product_files_are_found():
    files = product_files()
    assert {"app.py", "acd.py", "quickbooks/demo.py", "tracker/settings.py"} <= set(files)
    assert not [f for f in files if f.split("/")[0] in NOT_PRODUCT]


@pytest.mark.parametrize("rule", RULE_IDS)
def test_layer_rule(rule):
    broken = [v for v in all_violations() if f"[{rule}]" in v]
    assert not broken, f"{len(broken)} violation(s) of {rule}:\n" + "\n".join(broken)


@functools.cache
def modules_after_production_import() -> tuple[str, ...]:
    code = "import sys, json, app, quickbooks.cli, quickbooks.sync; print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"importing the entry points failed:\n{done.stderr}"
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


def test_production_import_does_not_load_emulators():
    loaded = [m for m in modules_after_production_import() if under(m, ("emulators",))]
    assert not loaded, f"[emulators-only-demo] `import app, quickbooks.cli, quickbooks.sync` loads {loaded}"


def test_production_import_does_not_load_pandas():
    assert "pandas" not in modules_after_production_import(), (
        "[pandas-lazy] `import app, quickbooks.cli, quickbooks.sync` loads pandas "
        "(only acd.load_google_sheet may import it)")


# --- self-checks: the checker itself can fail ---------------------------------------------------------------

BREAKING = {
    "rules-io-import": ("quickbooks/rules/x.py", "import sqlalchemy\n", "rules-pure"),
    "rules-forbidden-stdlib": ("quickbooks/rules/x.py", "from os import path\n", "rules-pure"),
    "rules-relative-engine": ("quickbooks/rules/x.py", "from ..audit import AuditRow\n", "rules-pure"),
    "rules-clock": ("quickbooks/rules/x.py", "import datetime as dt\nd = dt.date.today()\n", "rules-no-clock"),
    "rules-time": ("quickbooks/rules/x.py", "def f(time):\n    return time.time()\n", "rules-no-clock"),
    "pages-wire": ("pages/x.py", "from quickbooks.wire.oauth import disconnect\n", "pages-no-wire"),
    "app-requests": ("app.py", "def f():\n    import requests\n", "pages-no-wire"),
    "emulator-import": ("quickbooks/sync.py", "from emulators.qbo import QboEmulator\n", "emulators-only-demo"),
    "tracker-quickbooks": ("tracker/x.py", "from quickbooks import sync\n", "tracker-standalone"),
    "tracker-pages": ("tracker/__init__.py", "from pages import admin\n", "tracker-standalone"),
    "file-size": ("acd.py", "x = 1\n" * (MAX_FILE_LINES + 1), "file-size"),
    "method-size": ("acd.py", "class A:\n    def m(self):\n" + "        x = 1\n" * MAX_FUNCTION_LINES,
                    "function-size"),
}


@pytest.mark.parametrize("path, source, rule", BREAKING.values(), ids=BREAKING.keys())
def test_checker_reports(path, source, rule):
    found = violations(path, source)
    assert any(f"[{rule}]" in v and v.startswith(f"{path}:") for v in found), found


CLEAN = {
    "rules-pure-imports": ("quickbooks/rules/x.py", "import datetime as dt\nfrom decimal import Decimal\n"
                           "from . import values\nfrom quickbooks.errors import QbError\n"
                           "from quickbooks import errors\nfrom spreadsheet.cells import SERIAL_EPOCH\n"),
    "type-checking-only": ("quickbooks/rules/x.py", "from typing import TYPE_CHECKING\n"
                           "if TYPE_CHECKING:\n    from quickbooks.audit import AuditRow\n"),
    "demo-may-load-emulators": ("quickbooks/demo.py", "def f():\n    from emulators.qbo import QboEmulator\n"),
    "engine-may-use-wire": ("quickbooks/sync.py", "from .wire.client import QboClient\n"),
}


@pytest.mark.parametrize("path, source", CLEAN.values(), ids=CLEAN.keys())
def test_checker_accepts(path, source):
    assert violations(path, source) == []


def test_relative_imports_resolve():
    assert imports_of("from . import x\nfrom ..wire import client\n", "quickbooks.rules.__init__") == [
        ("quickbooks.rules", 1), ("quickbooks.rules.x", 1), ("quickbooks.wire", 2), ("quickbooks.wire.client", 2)]
    assert ("quickbooks.audit", 1) in imports_of("from ..audit import A\n", "quickbooks.rules.plan")
