#!/usr/bin/env bash
# The security gate (security.md T27), run by `make gate` and so by `make test`:
#   1. ruff's S rules (flake8-bandit) over src, tests and bench;
#   2. `manage.py check --deploy --fail-level WARNING` with production settings: only the
#      keys and JUZHU_ALLOWED_HOSTS set, nothing else from this shell's environment;
#   3. a secrets scan (detect-secrets) of every file git tracks or would track. A test
#      fixture that looks like a secret carries `# pragma: allowlist secret (why)`.
# BIN: the virtual environment's bin directory (default .venv/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

echo "gate 1/3: ruff S rules"
"$BIN/ruff" check --select S src tests bench

echo "gate 2/3: manage.py check --deploy, production settings"
# every key production requires (juzhu.config.keys), freshly made
mapfile -t keys < <(PYTHONPATH="$PWD/src" "$BIN/python" -c '
import base64, os, secrets
from juzhu.config import keys
print("JUZHU_SECRET_KEY=" + secrets.token_urlsafe(50))
for name in keys.RAW_32:
    print(name + "=" + base64.b64encode(os.urandom(32)).decode())
')
env -i PATH="$PATH" HOME="${HOME:-/tmp}" LANG=C.UTF-8 PYTHONPATH="$PWD/src" "${keys[@]}" \
  JUZHU_ALLOWED_HOSTS=juzhu.example.gov.cn \
  "$BIN/python" manage.py check --deploy --fail-level WARNING

echo "gate 3/3: secrets scan (detect-secrets)"
# bad_date.yaml is a deliberately impossible date (a policy-check fixture) that crashes
# detect-secrets' YAML reader; it holds no secret.
mapfile -t files < <(git ls-files --cached --others --exclude-standard | while read -r f; do
  [ -f "$f" ] && printf '%s\n' "$f"; done)
"$BIN/detect-secrets-hook" --exclude-files '^tests/policies_broken/bad_date\.yaml$' "${files[@]}"
echo "gate passed"
