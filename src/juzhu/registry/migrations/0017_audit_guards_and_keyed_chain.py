"""The history is keyed and every log of it append-only.

- Events chained before the audit key existed move onto keyed links (``registry.rekey``):
  each chain as far as its plain links still verify, and its record's head with it.
- The access log and the pinned policy texts refuse UPDATE, DELETE and TRUNCATE like the
  event table (one shared trigger function, ``append_only.GUARD_FUNCTION``).
"""

from collections import defaultdict
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from juzhu.registry import append_only
from juzhu.registry.events import chain_hash
from juzhu.registry.rekey import lifted, rekey_links

MODELS = {
    "permit": "Permit",
    "application": "Application",
    "appeal": "Appeal",
    "registration": "ResidenceRegistration",
}


def rekey(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Event = apps.get_model("registry", "Event")
    if not Event.objects.exists():
        return
    chains: dict[tuple[str, Any], list[tuple[Any, str, str, str]]] = defaultdict(list)
    rows = Event.objects.order_by("record_type", "record_id", "seq").values_list(
        "record_type", "record_id", "id", "body", "prev_hash", "hash"
    )
    for record_type, record_id, *link in rows.iterator(chunk_size=5000):
        chains[(record_type, record_id)].append(tuple(link))
    with lifted(schema_editor.connection, "registry_event"):
        for (record_type, record_id), links in chains.items():
            rewritten, old_last, new_last = rekey_links(links, chain_hash)
            for event_id, prev, digest in rewritten:
                Event.objects.filter(pk=event_id).update(prev_hash=prev, hash=digest)
            if rewritten and record_type in MODELS:
                model = apps.get_model("registry", MODELS[record_type])
                model.objects.filter(pk=record_id, last_event_hash=old_last).update(
                    last_event_hash=new_last
                )


TABLES = ("registry_accesslog", "registry_policytext")


def guard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.GUARD_FUNCTION, params=None)
    append_only.guard_tables(schema_editor, TABLES)


def unguard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    append_only.guard_tables(schema_editor, TABLES, off=True)


class Migration(migrations.Migration):
    dependencies = [("registry", "0016_hearing_before_cancellation")]
    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
