"""Migration registry 0017 moves chains written before the audit key existed (plain SHA-256
links) onto keyed links, and only as far as their plain links still verify: a chain tampered
with before the migration is not laundered by it."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from fixtures.permits import OFFICER, make_permit
from fixtures.tamper import triggers_disabled
from juzhu.registry import services
from juzhu.registry.events import chain_hash, verify_chains
from juzhu.registry.models import Event, Permit
from juzhu.registry.rekey import GENESIS_HASH, plain_hash, rekey_links

MIGRATION = importlib.import_module("juzhu.registry.migrations.0017_audit_guards_and_keyed_chain")


def plain_chain(permit: Permit) -> None:
    """The chain as an earlier version wrote it: plain SHA-256 links."""
    prev, seq = GENESIS_HASH, 0
    for event in Event.objects.filter(record_id=permit.pk).order_by("seq"):
        digest = plain_hash(prev, event.body)
        Event.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev, seq = digest, event.seq
    Permit.objects.filter(pk=permit.pk).update(last_event_seq=seq, last_event_hash=prev)


def test_rekey_links_stops_at_the_first_link_that_does_not_verify() -> None:
    a = plain_hash(GENESIS_HASH, "one")
    b = plain_hash(a, "two")
    links = [(1, "one", GENESIS_HASH, a), (2, "TWO (altered)", a, b), (3, "three", b, "x")]
    rewritten, old_last, new_last = rekey_links(links, lambda prev, text: f"k({prev[:3]},{text})")
    assert rewritten == [(1, GENESIS_HASH, f"k({GENESIS_HASH[:3]},one)")]
    assert (old_last, new_last) == (a, f"k({GENESIS_HASH[:3]},one)")


def test_the_migration_rekeys_plain_chains_and_leaves_a_tampered_one_broken(db: object) -> None:
    good, bad = make_permit(), make_permit()
    for permit in (good, bad):
        services.do_suspend_permit(
            permit, on=dt.date(2025, 3, 2), actor=OFFICER, expected_version=permit.version
        )
    with triggers_disabled():
        plain_chain(good)
        plain_chain(bad)
        victim = Event.objects.get(record_id=bad.pk, seq=2)
        Event.objects.filter(pk=victim.pk).update(body=victim.body.replace("Suspended", "Endorsed"))
    assert verify_chains()[1] is not None
    MIGRATION.rekey(apps, SimpleNamespace(connection=connection))
    _, broken = verify_chains()
    assert broken is not None and broken.event_id == victim.pk  # the good chain is keyed now
    prev = GENESIS_HASH
    for event in Event.objects.filter(record_id=good.pk).order_by("seq"):
        assert (event.prev_hash, event.hash) == (prev, chain_hash(prev, event.body))
        prev = event.hash
    assert Permit.objects.get(pk=good.pk).last_event_hash == prev
