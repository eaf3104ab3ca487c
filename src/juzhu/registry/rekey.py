"""Move histories chained before the audit key existed (plain SHA-256 links) onto keyed links.

Run once by migrations (registry 0017, verification 0004). A chain is re-keyed only as far as
its plain links still verify: at the first link that does not, the rest is left as it was, so
``juzhu audit verify`` still names it. The append-only triggers are lifted for the rewrite by
the migration (it runs as the tables' owner) and put back right after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from juzhu.registry import append_only

GENESIS_HASH = "0" * 64


def plain_hash(prev_hash: str, text: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


class lifted:  # noqa: N801 (used like a function)
    """The append-only triggers of ``table`` off inside the block (owner or superuser only)."""

    def __init__(self, connection: BaseDatabaseWrapper, table: str) -> None:
        self.connection, self.table = connection, table

    def __enter__(self) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {self.table} DISABLE TRIGGER USER")
            else:
                for sql in append_only.sqlite_unguard(self.table):
                    cursor.execute(sql)

    def __exit__(self, *exc: object) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {self.table} ENABLE TRIGGER USER")
            else:
                for sql in append_only.sqlite_guard(self.table):
                    cursor.execute(sql)


def rekey_links(
    links: Iterable[tuple[Any, str, str, str]],
    keyed: Callable[[str, str], str],
) -> tuple[list[tuple[Any, str, str]], str, str]:
    """``links``: one chain's (id, text, prev_hash, hash) in order. Returns the rows to rewrite
    as (id, new prev_hash, new hash), and the chain's old and new last hash (equal when the
    chain is left as it was from its first link)."""
    out: list[tuple[Any, str, str]] = []
    old_prev = new_prev = GENESIS_HASH
    for row_id, text, stored_prev, stored in links:
        if stored_prev != old_prev or plain_hash(old_prev, text) != stored:
            break  # tampered (or already keyed): leave it for the verifier to name
        new = keyed(new_prev, text)
        out.append((row_id, new_prev, new))
        old_prev, new_prev = stored, new
    return out, old_prev, new_prev
