from django.db import migrations

from shequtong.common.fulltext import postgres_gin_index


class Migration(migrations.Migration):
    dependencies = [("rural", "0001_initial")]

    operations = [
        postgres_gin_index("rural_item", "rural_item_search"),
    ]
