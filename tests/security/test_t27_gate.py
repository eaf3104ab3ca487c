"""security.md §6 T27, static and configuration gate: ``make gate`` (called by ``make test``)
runs ruff's S rules (flake8-bandit: 0 findings), ``manage.py check --deploy --fail-level
WARNING`` with production settings (the keys and JUZHU_ALLOWED_HOSTS, nothing else: clean)
and a secrets scan of the tree (detect-secrets: 0 findings). Each part is also shown to
bite: the gate is not a stub that always passes.

pip-audit needs PyPI's JSON API, which this machine cannot reach (security.md §5).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from secrets import token_urlsafe

import pytest

from juzhu.config import keys

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_the_gate_passes_on_this_tree() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "security-gate.sh")],
        env={**os.environ, "BIN": str(BIN)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "gate passed" in result.stdout


def test_make_test_runs_the_gate_and_the_security_suite() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert " gate" in test_target.splitlines()[1]  # $(MAKE) lint typecheck gate
    assert test_target.count("tests/security") == 2  # on SQLite and on PostgreSQL


def deploy_check(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "src"),
        "JUZHU_ALLOWED_HOSTS": "juzhu.example.gov.cn", "JUZHU_SECRET_KEY": token_urlsafe(50),
        **{n: base64.b64encode(os.urandom(32)).decode() for n in keys.RAW_32}, **extra,
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    "insecure,warning",
    [
        ({"JUZHU_ENV": "development"}, "security.W012"),  # no Secure session cookie, no HSTS
        ({"JUZHU_DEBUG": "1"}, "security.W018"),
        ({"JUZHU_HSTS_PRELOAD": "0"}, "security.W021"),
    ],
)
def test_the_deploy_check_fails_when_a_protection_is_off(
    insecure: dict[str, str], warning: str
) -> None:
    result = deploy_check(**insecure)
    assert result.returncode != 0
    assert warning in result.stderr


def test_ruff_s_rules_catch_a_planted_finding(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text('import subprocess\nsubprocess.run("ls " + input(), shell=True)\n')
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--select", "S", str(planted)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "S602" in result.stdout


def test_the_secrets_scan_catches_a_planted_secret(tmp_path: Path) -> None:
    planted = tmp_path / "settings_local.py"
    key = "AKIA" + "Z7QX4N2K5RJ8WPLM"  # an AWS-shaped key id, split so this file stays clean
    planted.write_text(f'AWS_ACCESS_KEY_ID = "{key}"\n')
    result = subprocess.run(
        [str(BIN / "detect-secrets-hook"), str(planted)], capture_output=True, text=True
    )
    assert result.returncode == 1 and "AWS Access Key" in result.stdout
