"""The key-check values: a wrong key is caught before anything is written.

The database keeps, for each key, a value only the right key reproduces (never the key):
for the data key a constant sealed with AES-GCM under it, with its key id; for the index key
an HMAC of a constant. The first use of a key in a process (``pii.encrypt``,
``pii.blind_index``; ``juzhu serve`` and the workers at start) compares: a process started
with another key stops with ``WrongKey`` naming the variable, before it writes a ciphertext
nobody can read or a blind index nothing will ever match. An empty database takes the
keys it first meets.

During a rotation (``juzhu keys rotate``) the old keys (``JUZHU_DATA_KEY_OLD``,
``JUZHU_INDEX_KEY_OLD``) are accepted too; the rotation moves the check values to the new
keys as it starts, so from then on a process given only the old key is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection

DATA, INDEX, LAYOUT = "data", "index", "layout"
_CONSTANT = b"juzhu key check"
_AAD = b"juzhu key check: data"
_state: dict[str, object] = {}  # per process: the keys already checked, layout 1 retired


class WrongKey(ImproperlyConfigured):
    """A key does not match the database's key-check value; ``str()`` names the variable."""


@cache
def key_id(key_b64: str) -> bytes:
    """4 bytes naming a data key (a hash of it; says nothing of the key)."""
    return hashlib.sha256(b"juzhu data key id:" + base64.b64decode(key_b64)).digest()[:4]


def data_value(key_b64: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(base64.b64decode(key_b64)).encrypt(nonce, _CONSTANT, _AAD)
    return (key_id(key_b64) + nonce + sealed).hex()


def data_matches(value: str, key_b64: str) -> bool:
    raw = bytes.fromhex(value)
    if raw[:4] != key_id(key_b64):
        return False
    try:
        AESGCM(base64.b64decode(key_b64)).decrypt(raw[4:16], raw[16:], _AAD)
    except InvalidTag:
        return False
    return True


def index_value(key_b64: str) -> str:
    return hmac.new(base64.b64decode(key_b64), _CONSTANT, hashlib.sha256).hexdigest()


def _old(name: str) -> list[str]:
    return [k for k in getattr(settings, name, ()) if k]


def _table_ready() -> bool:
    from juzhu.registry.models_keys import KeyCheck

    return KeyCheck._meta.db_table in connection.introspection.table_names()


def forget() -> None:
    """Check again at the next use (tests; after ``juzhu keys rotate`` moved the values)."""
    _state.clear()


def ensure_keys() -> None:
    """Compare this process's keys with the database's key-check values (once per process
    and pair of keys); raise ``WrongKey`` naming the variable that is wrong."""
    current = (settings.DATA_KEY, settings.INDEX_KEY)
    if _state.get("checked") == current:
        return
    try:
        ready = _table_ready()
    except OperationalError:
        if connection.in_atomic_block:
            raise
        # The database is unreachable: nothing can be written with these keys now, and the
        # check runs at the next use. Work that needs no row (the planner's rate limit's
        # client key) goes on while the database is down (security.md T19).
        return
    if not ready:  # before `juzhu migrate`: nothing to compare with, nothing written
        return
    from juzhu.registry.models import Person
    from juzhu.registry.models_keys import KeyCheck

    values = dict(KeyCheck.objects.values_list("name", "value"))
    provisional = False
    if DATA not in values or INDEX not in values:  # the first use of this database
        fresh = not Person.objects.exists()
        KeyCheck.objects.bulk_create(
            [
                KeyCheck(name=DATA, value=data_value(settings.DATA_KEY)),
                KeyCheck(name=INDEX, value=index_value(settings.INDEX_KEY)),
                # an empty database never holds a layout-1 ciphertext: refused from the start
                *([KeyCheck(name=LAYOUT, value="2")] if fresh else []),
            ],
            ignore_conflicts=True,  # another process may have written them first
        )
        values = dict(KeyCheck.objects.values_list("name", "value"))
        # inside a transaction that may yet roll back: compare again next time
        provisional = connection.in_atomic_block
    data_keys = [settings.DATA_KEY, *_old("DATA_KEYS_OLD")]
    if not any(data_matches(values[DATA], k) for k in data_keys):
        raise WrongKey(
            "JUZHU_DATA_KEY is not the key this database's personal data is encrypted with "
            "(its key-check value does not match): start with the right key; nothing was "
            "written"
        )
    index_keys = [settings.INDEX_KEY, *_old("INDEX_KEYS_OLD")]
    if values[INDEX] not in {index_value(k) for k in index_keys}:
        raise WrongKey(
            "JUZHU_INDEX_KEY is not the key this database's blind indexes were made with "
            "(its key-check value does not match): start with the right key; nothing was "
            "written"
        )
    _state["legacy_retired"] = values.get(LAYOUT) == "2"
    if not provisional:
        _state["checked"] = current


def legacy_retired() -> bool:
    """True once every ciphertext is in layout 2 (a fresh database, or a finished rotation):
    a layout-1 ciphertext found then was put back from an old copy."""
    ensure_keys()
    return bool(_state.get("legacy_retired", False))


def move_to_current_keys() -> None:
    """At the start of a rotation: the check values now name the new keys (after checking
    that the database's keys are the new or the old ones)."""
    from juzhu.registry.models_keys import KeyCheck

    forget()
    ensure_keys()
    KeyCheck.objects.filter(name=DATA).update(value=data_value(settings.DATA_KEY))
    KeyCheck.objects.filter(name=INDEX).update(value=index_value(settings.INDEX_KEY))
    forget()


def retire_legacy_layout() -> None:
    """At the end of a rotation: every row is in layout 2 now."""
    from juzhu.registry.models_keys import KeyCheck

    KeyCheck.objects.update_or_create(name=LAYOUT, defaults={"value": "2"})
    forget()
