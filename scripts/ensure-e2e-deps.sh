#!/usr/bin/env bash
# What the browser tests (tests/e2e) need, installed when missing; run by `make test`.
#   - Debian's chromium (never `playwright install`: it downloads a browser build, which
#     cannot be fetched here and would not be Debian's),
#   - fonts-noto-cjk (Chinese in Chromium screenshots and in WeasyPrint PDFs),
#   - poppler-utils (pdftoppm/pdftotext: the tests read the PDFs they download),
#   - axe-core from npm, pinned, into var/e2e/node_modules (git-ignored).
# Fails loudly (exit 1) when something cannot be installed: the journeys must really run.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.14.1
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages) for the browser tests" >&2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ERROR: apt-get not found; install ${missing[*]} by hand" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
if [ ! -f var/e2e/node_modules/axe-core/axe.min.js ] ||
   ! grep -q "\"version\": \"$AXE_VERSION\"" var/e2e/node_modules/axe-core/package.json; then
  echo "installing axe-core@$AXE_VERSION (npm) into var/e2e/node_modules" >&2
  mkdir -p var/e2e
  npm install --silent --prefix var/e2e --no-save --no-package-lock --no-audit --no-fund \
    "axe-core@$AXE_VERSION" >/dev/null
fi
command -v chromium >/dev/null 2>&1 || { echo "ERROR: chromium still missing" >&2; exit 1; }
test -f var/e2e/node_modules/axe-core/axe.min.js || { echo "ERROR: axe-core missing" >&2; exit 1; }
