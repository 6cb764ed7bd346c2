"""The clear real-name column goes; the encrypted one takes its name (a separate migration, so
PostgreSQL alters the table in a transaction of its own after 0008 rewrote the rows)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0008_real_name_encrypted"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="real_name"),
        migrations.RenameField(model_name="user", old_name="real_name_enc", new_name="real_name"),
    ]
