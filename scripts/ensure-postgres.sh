#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is up; start the local cluster if it is not.
# Fails loudly (exit 1) when it cannot be started: the PostgreSQL suite must really run.
set -euo pipefail
HOST=${PGHOST:-127.0.0.1}
PORT=${PGPORT:-5432}
# The server binaries (initdb, pg_ctl) and pgbench: the scratch clusters of
# tests/security/test_t19_under_load.py and test_t22_backup.py, even when the server the
# tests use runs elsewhere.
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || [ ! -x /usr/lib/postgresql/15/bin/pgbench ]; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q postgresql-15 >/dev/null
  fi
fi
if pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; then exit 0; fi
echo "PostgreSQL is not answering on $HOST:$PORT; starting it" >&2
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q postgresql >/dev/null
  fi
fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  pg_isready -q -h "$HOST" -p "$PORT" && exit 0
  sleep 1
done
echo "ERROR: could not start PostgreSQL on $HOST:$PORT; the PostgreSQL test suite cannot run" >&2
exit 1
