"""Where the keys come from, and the refusal to start without them.

Production is the default. Every process (the service, each command, each worker) reads its
keys from the environment (a secrets manager) and refuses to start when one is missing or
malformed, naming the variable and creating nothing: a job started from another directory
must never encrypt and index with keys of its own.

Only in development mode (``JUZHU_ENV=development``, which ``make run`` and the tests set)
may missing keys be generated, once, into ``dev-keys.env`` under an absolute directory (the
project's ``var/`` or ``JUZHU_VAR_DIR``), with a warning. The keys never touch the database;
a key-check value there only tells a wrong key from the right one (``registry/keycheck.py``).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("juzhu.keys")

DEVELOPMENT = "development"
PRODUCTION = "production"

# Generated into var/dev-keys.env in development. JUZHU_SEAL_KEY: the 32-byte Ed25519 seed
# the office's letters are sealed with. JUZHU_AUDIT_KEY: the 32-byte seed that keys the
# history's hash chains and signs its anchors.
NAMES = (
    "JUZHU_SECRET_KEY",
    "JUZHU_DATA_KEY",
    "JUZHU_INDEX_KEY",
    "JUZHU_SEAL_KEY",
    "JUZHU_AUDIT_KEY",
)
# Every key production must be given (the verification keys' development copies live in
# var/dev-verify-keys.env, ``juzhu.verification.keys``).
REQUIRED = (*NAMES, "JUZHU_VERIFY_SIGNING_KEY", "JUZHU_VERIFY_SECRET")
# The keys that are base64 of 32 random bytes (JUZHU_SECRET_KEY is Django's free-form secret).
RAW_32 = (
    "JUZHU_DATA_KEY",
    "JUZHU_INDEX_KEY",
    "JUZHU_SEAL_KEY",
    "JUZHU_AUDIT_KEY",
    "JUZHU_VERIFY_SIGNING_KEY",
    "JUZHU_VERIFY_SECRET",
)
HOW_TO = (
    "set them in the environment (production reads its keys from a secrets manager; make one "
    'with: python3 -c "import base64,os; print(base64.b64encode(os.urandom(32)).decode())"), '
    "or set JUZHU_ENV=development on a development machine to generate development keys"
)


def environment(env: Mapping[str, str] = os.environ) -> str:
    """``production`` (the default) or ``development``; anything else is refused."""
    value = env.get("JUZHU_ENV", PRODUCTION).strip().lower() or PRODUCTION
    if value not in (PRODUCTION, DEVELOPMENT):
        raise ImproperlyConfigured(
            f"JUZHU_ENV={value!r}: use production (the default) or development"
        )
    return value


def project_var_dir() -> Path:
    """The absolute ``var/`` of the source tree (never the working directory's): a job
    started elsewhere finds the same keys and database. An installed package has no source
    tree: then /var/lib/juzhu."""
    root = Path(__file__).resolve().parent.parent.parent.parent
    return root / "var" if (root / "pyproject.toml").exists() else Path("/var/lib/juzhu")


def var_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``JUZHU_VAR_DIR`` (must be absolute) or the project's ``var/``."""
    value = env.get("JUZHU_VAR_DIR", "")
    if not value:
        return project_var_dir()
    path = Path(value)
    if not path.is_absolute():
        raise ImproperlyConfigured(
            f"JUZHU_VAR_DIR={value!r} is a relative path, which would change with the working "
            f"directory; give an absolute one, e.g. {Path(value).resolve()}"
        )
    return path


def check_format(name: str, value: str) -> None:
    """A 32-byte key must be base64 of exactly 32 bytes; say which variable is wrong."""
    if name not in RAW_32:
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name} is too short (under 32 characters); {HOW_TO}")
        return
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} is not the base64 of 32 bytes; {HOW_TO}")


def production_keys(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Every required key from the environment, or ImproperlyConfigured naming the missing
    ones. Reads only: nothing is created."""
    missing = [n for n in REQUIRED if not env.get(n, "").strip()]
    if missing:
        raise ImproperlyConfigured(
            f"missing {', '.join(missing)}: juzhu does not start without its keys; {HOW_TO}"
        )
    keys = {n: env[n].strip() for n in REQUIRED}
    for name, value in keys.items():
        check_format(name, value)
    return keys


def keys_for(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The keys this process runs with (JUZHU_SECRET_KEY, _DATA_KEY, _INDEX_KEY, _SEAL_KEY,
    and in production the verification keys too)."""
    if environment(env) == PRODUCTION:
        return production_keys(env)
    given = {n: env[n].strip() for n in NAMES if env.get(n, "").strip()}
    keys = given if len(given) == len(NAMES) else {**load_keys(var_dir(env)), **given}
    for name in NAMES:
        check_format(name, keys[name])
    return keys


@cache
def load_keys(var_dir: Path) -> dict[str, str]:
    """Development only: the keys of ``var_dir/dev-keys.env``, the missing ones generated
    once (with a warning)."""
    if not var_dir.is_absolute():  # the hole this module closes: keys under a relative ./var
        raise ImproperlyConfigured(f"development keys need an absolute directory, not {var_dir}")
    path = var_dir / "dev-keys.env"
    keys: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                name, value = line.split("=", 1)
                keys[name.strip()] = value.strip()
    missing = [n for n in NAMES if n not in keys]
    if missing:
        for name in missing:
            keys[name] = (
                secrets.token_urlsafe(50)
                if name == "JUZHU_SECRET_KEY"
                else base64.b64encode(secrets.token_bytes(32)).decode()
            )
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "# development keys, generated by juzhu (JUZHU_ENV=development); production sets "
            "these in the environment\n" + "".join(f"{n}={keys[n]}\n" for n in NAMES)
        )
        path.chmod(0o600)
        log.warning(
            "JUZHU_ENV=development: generated development keys %s into %s; production "
            "must set them in the environment",
            ", ".join(missing),
            path,
        )
    return keys
