"""Issue 14 deliver item 4 (security.md §6 T27's configuration side; ASVS 13.3.1): production is
the default, and the service, every command and every worker refuse to start without their
keys, naming the missing variable and creating nothing. Only development mode
(``JUZHU_ENV=development``) generates missing keys, under an absolute directory, with a
warning."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from juzhu.config import keys

SRC = Path(__file__).resolve().parents[2] / "src"


def a_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A clean environment: production (JUZHU_ENV unset), every key, a fresh var dir."""
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(SRC),
        "JUZHU_VAR_DIR": str(tmp_path / "var"),
        "JUZHU_SECRET_KEY": "s" * 50,
        **{name: a_key() for name in keys.RAW_32},
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v != ""}


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


ENTRY_POINTS = {
    "a command": ["-m", "juzhu.cli", "sweep"],
    "a worker": ["-m", "juzhu.cli", "notify", "run", "--once"],
    "the service": ["-m", "juzhu.cli", "serve", "--no-notify"],
    "the ASGI application": ["-c", "import juzhu.config.asgi"],
}


@pytest.mark.parametrize("missing", ["JUZHU_DATA_KEY", "JUZHU_INDEX_KEY", "JUZHU_SECRET_KEY"])
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_production_refuses_to_start_without_a_key_naming_it_and_creating_nothing(
    tmp_path: Path, missing: str, entry: str
) -> None:
    """Fails if settings fell back to generated keys (the old ``./var`` behaviour) or created
    the var directory, the SQLite file or a key file before refusing."""
    env = production_env(tmp_path, **{missing: ""})
    env.pop("JUZHU_ENV", None)
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = run(ENTRY_POINTS[entry], env, work)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "does not start without its keys" in result.stderr
    assert not (tmp_path / "var").exists()  # nothing created: no var dir, key file, database
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    "missing", ["JUZHU_SEAL_KEY", "JUZHU_VERIFY_SIGNING_KEY", "JUZHU_VERIFY_SECRET"]
)
def test_the_other_keys_are_required_in_production_too(tmp_path: Path, missing: str) -> None:
    """The letters' seal and the verification keys were generated under ./var as well."""
    result = run(ENTRY_POINTS["a command"], production_env(tmp_path, **{missing: ""}), tmp_path)
    assert result.returncode == 2 and missing in result.stderr
    assert not (tmp_path / "var").exists()


@pytest.mark.django_db
def test_the_verification_keys_are_never_generated_outside_development(settings: Any) -> None:
    from juzhu.verification import keys as verification_keys

    settings.DEVELOPMENT, settings.VERIFY_SECRET = False, ""
    with pytest.raises(RuntimeError, match="missing JUZHU_VERIFY_SECRET"):
        verification_keys.code_hash("ABCDEFGH")


def test_the_commands_refuse_with_one_line_and_exit_code_2(tmp_path: Path) -> None:
    """A refusal a person reads: one line naming every missing variable, no traceback."""
    env = production_env(tmp_path, JUZHU_DATA_KEY="", JUZHU_INDEX_KEY="")
    result = run(["-m", "juzhu.cli", "sweep"], env, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "missing JUZHU_DATA_KEY, JUZHU_INDEX_KEY:" in result.stderr


def test_a_malformed_key_is_refused_naming_it() -> None:
    env = {name: a_key() for name in keys.RAW_32} | {"JUZHU_SECRET_KEY": "s" * 50}
    env["JUZHU_DATA_KEY"] = "not-base64-of-32-bytes"
    with pytest.raises(ImproperlyConfigured, match="JUZHU_DATA_KEY is not the base64 of 32"):
        keys.keys_for(env)


def test_production_is_the_default_and_other_values_are_refused() -> None:
    assert keys.environment({}) == keys.PRODUCTION
    with pytest.raises(ImproperlyConfigured, match="JUZHU_ENV='staging'"):
        keys.environment({"JUZHU_ENV": "staging"})


def test_development_generates_missing_keys_under_an_absolute_dir_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Fails if development keys were generated silently or outside the given directory."""
    keys.load_keys.cache_clear()
    env = {"JUZHU_ENV": "development", "JUZHU_VAR_DIR": str(tmp_path / "var")}
    with caplog.at_level(logging.WARNING, logger="juzhu.keys"):
        got = keys.keys_for(env)
    path = tmp_path / "var" / "dev-keys.env"
    assert path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert set(keys.NAMES) <= set(got)
    assert "generated development keys" in caplog.text and str(path) in caplog.text
    keys.load_keys.cache_clear()
    assert keys.keys_for(env) == got  # generated once: the same keys on the next start


def test_a_relative_var_dir_is_refused(tmp_path: Path) -> None:
    """The hole: keys under a relative ./var differ with the working directory."""
    with pytest.raises(ImproperlyConfigured, match="relative path"):
        keys.var_dir({"JUZHU_VAR_DIR": "var"})
    with pytest.raises(ImproperlyConfigured, match="absolute directory"):
        keys.load_keys(Path("var"))


def test_the_default_var_dir_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = keys.var_dir({})
    monkeypatch.chdir(tmp_path)
    assert keys.var_dir({}) == before and before.is_absolute()
    assert tmp_path not in before.parents


def test_a_job_started_elsewhere_in_development_uses_the_same_keys(tmp_path: Path) -> None:
    """Two processes in development mode, started from different directories, print the
    same data key (it was a different one per directory under the relative ./var)."""
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(SRC), "JUZHU_ENV": "development"}
    code = "from juzhu.config import keys; print(keys.var_dir())"
    here = run(["-c", code], env, Path.cwd()).stdout
    there = run(["-c", code], env, tmp_path).stdout
    assert here == there and here.strip()


def test_demo_mode_needs_development_mode(tmp_path: Path) -> None:
    """JUZHU_DEMO shows login codes on the page: refused in production."""
    env = production_env(tmp_path, JUZHU_DEMO="1")
    result = run(["-m", "juzhu.cli", "sweep"], env, tmp_path)
    assert result.returncode == 2 and "JUZHU_DEMO=1" in result.stderr
