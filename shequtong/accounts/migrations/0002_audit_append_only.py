"""Database triggers that refuse UPDATE and DELETE on the audit log (append-only)."""

from django.db import migrations

TABLE = "accounts_auditevent"

# SQLite (the embedded/dev database) refuses UPDATE only: Django's test flush
# empties tables with DELETE, and SQLite has no TRUNCATE that skips triggers.
# PostgreSQL (production) refuses both; its TRUNCATE fires no row triggers.
SQLITE = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update;", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION shequtong_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION shequtong_audit_append_only();",
]
POSTGRES_REVERSE = [f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};", "DROP FUNCTION IF EXISTS shequtong_audit_append_only();"]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
