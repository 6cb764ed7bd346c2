from django.apps import AppConfig
from django.core.signals import setting_changed
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
        # The CSP header is built once per process (common/csp.py); a test that changes the policy rebuilds it.
        setting_changed.connect(_csp_setting_changed, dispatch_uid="shequtong.common.csp")


def _csp_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        from .csp import forget_settings_policy

        forget_settings_policy()
