"""Seals made before the audit key existed (plain SHA-256 blocks) move onto keyed blocks
(``registry.rekey``): the seal chain as far as its plain blocks still match their rows. The
relying parties' onboarding trail (``PartyAction``) becomes append-only like the audit log."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from juzhu.registry import append_only
from juzhu.registry.events import chain_hash
from juzhu.registry.rekey import lifted, rekey_links


def rekey(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from juzhu.verification.seals import FIELDS, rows_digest

    Seal = apps.get_model("verification", "VerificationSeal")
    Verification = apps.get_model("verification", "Verification")
    links = []
    for seal in Seal.objects.order_by("last_id"):
        rows = Verification.objects.filter(id__gte=seal.first_id, id__lte=seal.last_id)
        digest, _ = rows_digest(rows.order_by("id").values_list(*FIELDS).iterator())
        links.append((seal.pk, digest, seal.prev_hash, seal.hash))
    if not links:
        return
    rewritten, _, _ = rekey_links(links, chain_hash)
    with lifted(schema_editor.connection, "verification_verificationseal"):
        for seal_id, prev, digest in rewritten:
            Seal.objects.filter(pk=seal_id).update(prev_hash=prev, hash=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0003_held_for_months_and_party_actions"),
        ("registry", "0017_audit_guards_and_keyed_chain"),
    ]
    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
        append_only.guard_operation("verification_partyaction"),
    ]
