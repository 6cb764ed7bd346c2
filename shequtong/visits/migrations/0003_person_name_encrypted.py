"""The name of a visited person who is not a member, encrypted at rest (issue 12), with its masked
form kept for lists; filled from the clear column, which 0004 drops."""

from django.db import migrations, models

import shequtong.common.fields
from shequtong.accounts import names


def forwards(apps, schema_editor):
    names.encrypt_column(schema_editor.connection, table="visits_visit", clear="person_name",
                         encrypted="person_name_enc", masked="person_masked_name")


def backwards(apps, schema_editor):
    names.decrypt_column(schema_editor.connection, table="visits_visit", encrypted="person_name_enc", clear="person_name")


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0002_search_index"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="visit", name="visit_has_person"),
        migrations.AddField(
            model_name="visit",
            name="person_masked_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=30),
        ),
        migrations.AddField(
            model_name="visit",
            name="person_name_enc",
            field=shequtong.common.fields.EncryptedTextField(null=True, verbose_name="姓名"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
