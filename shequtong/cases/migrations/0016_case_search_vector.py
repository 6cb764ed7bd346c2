"""全局信息穿透: the cases' full-text vector stored (common/fulltext.py STORED_VECTOR_TABLES), its GIN index on it."""

from django.db import migrations

from shequtong.common.fulltext import postgres_stored_vector


class Migration(migrations.Migration):
    # Not in a transaction: the step vacuums the table it rewrote (common/fulltext.postgres_stored_vector).
    atomic = False

    dependencies = [
        ("cases", "0015_rating_period"),
    ]

    operations = [
        postgres_stored_vector("cases_case", "case_search"),
    ]
