#!/usr/bin/env bash
# Make sure PgBouncer is installed: tests/integration/test_pgbouncer.py runs juzhu through a
# real PgBouncer in transaction mode (docs/howto/database-scaling.md). Only the binary is
# needed; the tests start their own instance on a free port, nothing is enabled system-wide.
set -euo pipefail
if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then exit 0; fi
echo "pgbouncer is missing; installing it" >&2
if command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null
fi
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || {
  echo "ERROR: could not install pgbouncer" >&2; exit 1; }
