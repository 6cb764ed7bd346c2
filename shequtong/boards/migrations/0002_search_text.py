from django.conf import settings
from django.db import migrations, models

from shequtong.common.fulltext import postgres_gin_index


class Migration(migrations.Migration):

    dependencies = [
        ('boards', '0001_initial'),
        ('places', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='post',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(fields=['-created_at', '-id'], name='post_created'),
        ),
        # Full-text index of the jieba-segmented text (PostgreSQL only; SQLite matches with LIKE).
        postgres_gin_index("boards_post", "post_search"),
    ]
