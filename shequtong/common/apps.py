from django.apps import AppConfig
from django.db.models.signals import pre_save


class CommonConfig(AppConfig):
    name = "shequtong.common"
    label = "common"
    verbose_name = "公共"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers system checks)
            choices,
        )
        from .text import clean_on_save

        # Control characters out of every text field of our models, whatever wrote it (common/text.py).
        pre_save.connect(clean_on_save, dispatch_uid="shequtong.common.text.clean_on_save")
        # get_<field>_display() from one table per field and language (common/choices.py).
        choices.install()
