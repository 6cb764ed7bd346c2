from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shequtong.web"
    label = "web"
    verbose_name = "界面"
