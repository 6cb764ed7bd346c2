"""LocalGridRequest moves here from notifications: state only, the table stays as it is.

notifications 0001 created the table `notifications_localgridrequest`; this
migration tells Django's state that the model now belongs to `grid_local`
and still lives in that table, and notifications 0004 drops it from the
notifications state. No row is copied or lost. 0002 then renames the table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("notifications", "0003_delivery_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LocalGridRequest",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("idempotency_key", models.CharField(max_length=120, unique=True)),
                        ("service_code", models.CharField(max_length=40, verbose_name="类别")),
                        ("title", models.CharField(max_length=200, verbose_name="标题")),
                        ("description", models.TextField(verbose_name="描述")),
                        ("address", models.CharField(blank=True, max_length=200, verbose_name="地址")),
                        ("attributes", models.JSONField(blank=True, default=dict)),
                        ("status", models.CharField(choices=[("open", "已受理"), ("in_progress", "处理中"), ("closed", "已办结")], default="open", max_length=12, verbose_name="状态")),
                        ("result", models.TextField(blank=True, verbose_name="办理结果")),
                        ("created_at", models.DateTimeField(verbose_name="接收时间")),
                        ("updated_at", models.DateTimeField(verbose_name="更新时间")),
                    ],
                    options={
                        "verbose_name": "网格化工单（本地）",
                        "verbose_name_plural": "网格化工单（本地）",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "notifications_localgridrequest",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
