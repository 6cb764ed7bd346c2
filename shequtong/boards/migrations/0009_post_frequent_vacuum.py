"""Keep boards_post's visibility map fresh for the index-only counts (common/counting.py FREQUENT_VACUUM)."""

from django.db import migrations

from shequtong.common.counting import postgres_frequent_vacuum


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0008_board_list_visibility"),
    ]

    operations = [
        postgres_frequent_vacuum("boards_post"),
    ]
