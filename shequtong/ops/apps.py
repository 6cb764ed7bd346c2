from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform (issue 20 items 5 and 7): health, metrics, the read replica, backups."""

    name = "shequtong.ops"
    label = "ops"
    verbose_name = "运维"
