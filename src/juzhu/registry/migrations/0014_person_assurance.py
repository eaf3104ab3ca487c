"""How sure the registry is that a record is its person: verified (the default, and every
record so far: counter and import), self_declared, pending (online sign-ups)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0013_registration_arrival_and_evidence")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="assurance",
            field=models.CharField(db_default="verified", default="verified", max_length=16),
        ),
    ]
