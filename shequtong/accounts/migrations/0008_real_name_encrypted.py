"""Real names encrypted at rest (issue 12): add the encrypted column, the masked name and the name
indexes, and fill them from the clear column (0009 then drops it)."""

from django.db import migrations, models

import shequtong.common.fields
from shequtong.accounts import names


def forwards(apps, schema_editor):
    names.encrypt_column(schema_editor.connection, table="accounts_user", clear="real_name",
                         encrypted="real_name_enc", masked="masked_name", grams="real_name_grams")


def backwards(apps, schema_editor):
    names.decrypt_column(schema_editor.connection, table="accounts_user", encrypted="real_name_enc", clear="real_name")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_audit_actions_of_both"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="masked_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=30, verbose_name="姓名"),
        ),
        migrations.AddField(
            model_name="user",
            name="real_name_grams",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="real_name_enc",
            field=shequtong.common.fields.EncryptedTextField(null=True, verbose_name="真实姓名"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
