"""The audit log's hash chain (accounts/audit_chain.py): two columns, rows before it chained in id order.

The append-only triggers of 0002 are dropped for the back-fill and created again
(on SQLite, adding a column rebuilds the table and would drop them anyway).
"""

from django.db import migrations, models

from shequtong.accounts import audit_chain

TABLE = "accounts_auditevent"
SQLITE_TRIGGER = (f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
                  "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;")
POSTGRES_TRIGGER = (f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                    "FOR EACH ROW EXECUTE FUNCTION shequtong_audit_append_only();")
DROP = {
    "sqlite": f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    "postgresql": f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};",
}
CREATE = {"sqlite": SQLITE_TRIGGER, "postgresql": POSTGRES_TRIGGER}


def chain_existing_rows(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    if vendor in DROP:
        schema_editor.execute(DROP[vendor])
    prev = audit_chain.GENESIS
    for row in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        digest = audit_chain.row_hash(
            prev_hash=prev, actor_id=row.actor_id, action=row.action, target_type=row.target_type,
            target_id=row.target_id, detail=row.detail, ip=row.ip, created_at=row.created_at,
        )
        AuditEvent.objects.filter(pk=row.pk).update(prev_hash=prev, row_hash=digest)
        prev = digest
    if vendor in CREATE:
        schema_editor.execute(CREATE[vendor])


def recreate_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in DROP:
        schema_editor.execute(DROP[vendor])
        schema_editor.execute(CREATE[vendor])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_perf_indexes")]

    operations = [
        # Reversed last: removing the columns rebuilds the table on SQLite, dropping its trigger.
        migrations.RunPython(migrations.RunPython.noop, recreate_triggers),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
