"""``Letter`` moved to the registry (registry 0010); the table stays: state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("registry", "0010_letters_move_to_the_registry"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Letter")],
            database_operations=[],
        ),
    ]
