from django.db import migrations

from shequtong.common.fulltext import postgres_gin_index


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0001_initial'),
    ]

    operations = [
        # Full-text index of the jieba-segmented text (PostgreSQL only; SQLite matches with LIKE).
        # Existing rows are re-segmented by `manage.py rebuild_search_text`.
        postgres_gin_index("visits_visit", "visit_search"),
    ]
