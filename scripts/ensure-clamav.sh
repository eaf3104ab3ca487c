#!/usr/bin/env bash
# Make sure ClamAV's daemon is installed: uploads are virus-scanned by clamd (security.md T9)
# and tests/security/test_t09_uploads.py starts its own clamd with a local EICAR signature.
# The signature mirror (freshclam) may be unreachable; the tests do not need it.
set -euo pipefail
if [ -x /usr/sbin/clamd ] && command -v clamdscan >/dev/null 2>&1; then exit 0; fi
echo "clamd is missing; installing clamav-daemon and clamdscan" >&2
if command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q clamav-daemon clamdscan >/dev/null
fi
[ -x /usr/sbin/clamd ] || { echo "ERROR: could not install clamd (apt-get install clamav-daemon)" >&2; exit 1; }
