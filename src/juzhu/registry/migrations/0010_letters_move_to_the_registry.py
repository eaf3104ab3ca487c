"""The letters move from the back office to the registry, which issues them with its
decisions (the nightly sweep's too). The table keeps its name: state only for the move;
then the new columns (the event it records, the sealed PDF's digest and seal)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

KINDS = [
    ("receipt", "受理回执"),
    ("supplement_notice", "一次性告知书"),
    ("deferral_notice", "容缺受理补齐材料通知书"),
    ("refusal", "不予签发居住证决定书"),
    ("cancellation", "注销居住证决定书"),
    ("revocation", "撤销居住证决定书"),
    ("suspension", "居住证使用功能中止通知书"),
    ("pickup_notice", "领证通知"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_decisions_from_the_engine"),
        ("backoffice", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Letter",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("number", models.CharField(max_length=48, unique=True)),
                        ("kind", models.CharField(choices=KINDS, max_length=24)),
                        ("city", models.CharField(max_length=32)),
                        ("district", models.CharField(blank=True, default="", max_length=32)),
                        ("station", models.CharField(blank=True, default="", max_length=32)),
                        ("record_type", models.CharField(max_length=16)),
                        ("record_id", models.UUIDField()),
                        ("issued_on", models.DateField()),
                        ("issued_at", models.DateTimeField(auto_now_add=True)),
                        ("issued_by", models.CharField(max_length=64)),
                        ("context", models.JSONField(default=dict)),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="letters",
                                to="registry.person",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "backoffice_letter",
                        "indexes": [
                            models.Index(
                                fields=["record_type", "record_id"],
                                name="backoffice__record__c5c829_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="letter",
            name="event",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="letter",
                to="registry.event",
            ),
        ),
        migrations.AddField(
            model_name="letter",
            name="pdf_sha256",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="letter",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=128),
        ),
        migrations.AddIndex(
            model_name="letter",
            index=models.Index(fields=["person", "issued_on"], name="backoffice__person__465fea_idx"),
        ),
    ]
