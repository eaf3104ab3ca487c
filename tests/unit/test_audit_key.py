"""The audit key (``registry/audit_key.py``) and the anchor's Merkle root: a bad key is
refused with what to do; the chain key and the signature come from the one seed; the root
changes when any leaf does."""

from __future__ import annotations

import base64
import os

import pytest

from juzhu.cli.django_setup import setup_django
from juzhu.registry import audit_key
from juzhu.registry.anchor import _leaf, merkle_root


def test_a_key_that_is_not_32_bytes_of_base64_is_refused_with_the_fix() -> None:
    for bad in ("", "not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError, match="openssl rand -base64 32"):
            audit_key._seed(bad)


def test_the_signature_verifies_with_the_public_key_only_for_its_message() -> None:
    public = audit_key.public_key()
    signature = audit_key.sign(b"heads")
    assert audit_key.signature_ok(public, signature, b"heads")
    assert not audit_key.signature_ok(public, signature, b"heads, edited")
    assert len(audit_key.chain_key()) == 32 and audit_key.chain_key() != audit_key._configured()


def test_the_merkle_root_changes_with_any_leaf_and_with_their_order() -> None:
    leaves = [_leaf(f"chain\tpermit\t{i}\t1\t{'0' * 64}") for i in range(5)]
    root = merkle_root(leaves)
    assert merkle_root([*leaves[:4], _leaf("other")]) != root
    assert merkle_root(list(reversed(leaves))) != root
    assert merkle_root(leaves[:4]) != root  # a leaf removed


def test_schema_commands_connect_as_the_owner_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """`juzhu migrate` and `juzhu db roles` use DATABASE_OWNER_URL; every other command, and
    the service, DATABASE_URL (the role that owns nothing)."""
    from juzhu.registry import keycheck

    monkeypatch.setenv("DATABASE_URL", "postgres://juzhu_app@db/juzhu")
    monkeypatch.setenv("DATABASE_OWNER_URL", "postgres://juzhu_owner@db/juzhu")
    # the key check reads the database (tests/security/test_keys_data.py); not this test's
    monkeypatch.setattr(keycheck, "ensure_keys", lambda: None)
    setup_django()
    assert os.environ["DATABASE_URL"] == "postgres://juzhu_app@db/juzhu"
    setup_django(owner=True)
    assert os.environ["DATABASE_URL"] == "postgres://juzhu_owner@db/juzhu"
