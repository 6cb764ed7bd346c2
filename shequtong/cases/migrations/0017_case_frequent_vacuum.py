"""Keep cases_case's visibility map fresh for the index-only counts (common/counting.py FREQUENT_VACUUM)."""

from django.db import migrations

from shequtong.common.counting import postgres_frequent_vacuum


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_case_search_vector"),
    ]

    operations = [
        postgres_frequent_vacuum("cases_case"),
    ]
