"""Login attempts logged (issue 14); the hand-written lockout counters (``LoginGuard``) give
way to django-ratelimit's in the shared cache."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_drafts_moved_to_registry")]

    operations = [
        migrations.DeleteModel(name="LoginGuard"),
        migrations.CreateModel(
            name="LoginAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),  # fmt: skip
                ("at", models.DateTimeField()),
                ("kind", models.CharField(max_length=8)),
                ("id_index", models.CharField(blank=True, max_length=64)),
                ("client", models.CharField(max_length=80)),
                ("outcome", models.CharField(max_length=16)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["at"], name="portal_loginattempt_at"),
                    models.Index(fields=["id_index", "at"], name="portal_loginattempt_id_at"),
                ]
            },
        ),
    ]
