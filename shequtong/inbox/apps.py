from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "shequtong.inbox"
    label = "inbox"
    verbose_name = "信箱"
