from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "shequtong.policy"
    label = "policy"
    verbose_name = "政策找人"
