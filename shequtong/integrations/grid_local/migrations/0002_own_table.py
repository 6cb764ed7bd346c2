"""Give LocalGridRequest its app's table name and carry its content type along.

ALTER TABLE … RENAME keeps every row (SQLite and PostgreSQL alike). The
content type row is relabelled rather than recreated, so admin permissions
and admin log entries that point at it stay attached.
"""

from django.db import migrations


def relabel_content_type(apps, schema_editor):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if content_type.objects.using(db).filter(app_label="grid_local", model="localgridrequest").exists():
        return
    content_type.objects.using(db).filter(app_label="notifications", model="localgridrequest").update(
        app_label="grid_local"
    )


def restore_content_type(apps, schema_editor):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if content_type.objects.using(db).filter(app_label="notifications", model="localgridrequest").exists():
        return
    content_type.objects.using(db).filter(app_label="grid_local", model="localgridrequest").update(
        app_label="notifications"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("grid_local", "0001_initial"),
        ("notifications", "0004_localgridrequest_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="localgridrequest", table=None),
        migrations.RunPython(relabel_content_type, restore_content_type),
    ]
