#!/usr/bin/env bash
# Make sure pgBackRest is installed: tests/security/test_t22_backup.py runs a backup and
# point-in-time restore drill with it (docs/howto/backup.md).
set -euo pipefail
if command -v pgbackrest >/dev/null 2>&1; then exit 0; fi
echo "pgbackrest is missing; installing it" >&2
if command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbackrest >/dev/null
fi
command -v pgbackrest >/dev/null 2>&1 || { echo "ERROR: could not install pgbackrest" >&2; exit 1; }
