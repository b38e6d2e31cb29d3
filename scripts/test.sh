#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite:
#   Debian's chromium + chromium-driver (browser tests), Debian's postgresql (the tests that run on both databases),
#   a .venv with requirements-dev.txt, then pytest.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k sheets -x`.
#
# PostgreSQL: with TEST_DATABASE_URL unset, a throwaway cluster is started for this run (as an unprivileged user:
# PostgreSQL refuses to run as root), on a free loopback port, and stopped on exit; tests/conftest.py gives each
# PostgreSQL test its own fresh database on it. TEST_DATABASE_URL=postgresql+psycopg://user@host:port/db uses a
# server of your own (the user must be allowed to create databases); TEST_DATABASE_URL=skip skips those tests.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT_UPDATED=""
apt_install() {
  [ -n "$APT_UPDATED" ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "Installing Debian's chromium and chromium-driver for the browser tests..."
  apt_install chromium chromium-driver
fi

# The directory of PostgreSQL's server programs (Debian keeps initdb and pg_ctl off the PATH).
pg_bindir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/pg_ctl" ] && echo "$found"
}

PG_DIR=""; PG_USER=""; PG_BIN=""
as_pg_user() {   # from / : the checkout may be a folder that user cannot enter
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u "$PG_USER" -- "$@"); else "$@"; fi
}
stop_test_postgres() {
  [ -n "$PG_DIR" ] || return 0
  as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
start_test_postgres() {
  PG_BIN=$(pg_bindir || true)
  if [ -z "$PG_BIN" ]; then
    echo "Installing Debian's postgresql for the tests that run on PostgreSQL..."
    apt_install postgresql || return 1
    PG_BIN=$(pg_bindir) || return 1
  fi
  PG_USER=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then   # PostgreSQL refuses to run as root: Debian's postgres user, or one made here
    PG_USER=postgres
    id -u "$PG_USER" >/dev/null 2>&1 || { PG_USER=tracker-pg; id -u "$PG_USER" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"; }
  fi
  PG_DIR=$(mktemp -d /tmp/tracker-test-pg.XXXXXX) || return 1   # /tmp: root's TMPDIR may be closed to that user
  chown "$PG_USER" "$PG_DIR" || return 1
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
    || return 1
  as_pg_user "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  # A throwaway cluster: no durability needed, so no fsync (faster on a busy disk).
  as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { cat "$PG_DIR/server.log"; return 1; }
  export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port (as $PG_USER, in $PG_DIR)"
}

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  trap stop_test_postgres EXIT
  if ! start_test_postgres; then
    stop_test_postgres; PG_DIR=""
    echo "ERROR: could not install or start PostgreSQL: the tests that run on it will fail" \
         "(set TEST_DATABASE_URL=skip to skip them on purpose)" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

.venv/bin/python -m pytest "$@"
