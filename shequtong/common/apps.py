from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "shequtong.common"
    label = "common"
    verbose_name = "公共"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers system checks)
