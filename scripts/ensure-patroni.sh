#!/usr/bin/env bash
# Make sure Patroni and etcd are installed (Debian's packages): bench/failover.py and
# tests/integration/test_failover.py run a failover drill with them (docs/howto/high-availability.md).
# Debian's patroni runs under /usr/bin/python3 with Debian's python3-psycopg2 and python3-etcd.
set -euo pipefail
have() { command -v patroni >/dev/null 2>&1 && command -v etcd >/dev/null 2>&1; }
if have; then exit 0; fi
echo "patroni or etcd is missing; installing patroni and etcd-server" >&2
if command -v apt-get >/dev/null 2>&1; then
  # the packages' own services (an etcd on :2379, a patroni for the main cluster) are not
  # wanted: the drill starts its own members on free ports; policy-rc.d keeps them stopped
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    patroni etcd-server python3-etcd python3-psycopg2 >/dev/null
fi
have || { echo "ERROR: could not install patroni and etcd-server" >&2; exit 1; }
