from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "shequtong.visits"
    label = "visits"
    verbose_name = "我与群众面对面"
