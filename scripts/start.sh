#!/usr/bin/env bash
# Install the app into .venv and start it on its embedded defaults: a local demo workbook
# (data/finance_tracker.xlsx), SQLite (finance_tracker.db), no credentials. Open http://127.0.0.1:8050
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python app.py
