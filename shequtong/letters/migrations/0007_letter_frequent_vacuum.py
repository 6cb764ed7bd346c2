"""Keep letters_letter's visibility map fresh for the index-only counts (common/counting.py FREQUENT_VACUUM)."""

from django.db import migrations

from shequtong.common.counting import postgres_frequent_vacuum


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0006_letter_window_index"),
    ]

    operations = [
        postgres_frequent_vacuum("letters_letter"),
    ]
