#!/usr/bin/env bash
# Make sure the Redis server that production's rate limits use (JUZHU_CACHE_URL) answers on
# 127.0.0.1:6379, so the tests that prove the limits through it (tests/security) really run;
# install Debian's redis-server and start it when missing. Fails loudly (exit 1) otherwise.
set -euo pipefail
HOST=${REDIS_HOST:-127.0.0.1}
PORT=${REDIS_PORT:-6379}
answers() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = "PONG" ]; }
if answers; then exit 0; fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server (Debian package) for the rate-limit tests" >&2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ERROR: apt-get not found; install redis-server by hand" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null
fi
echo "Redis is not answering on $HOST:$PORT; starting it" >&2
redis-server --bind "$HOST" --port "$PORT" --daemonize yes --save "" --appendonly no >/dev/null
for _ in $(seq 1 30); do
  answers && exit 0
  sleep 1
done
echo "ERROR: could not start Redis on $HOST:$PORT; the rate-limit tests cannot run" >&2
exit 1
