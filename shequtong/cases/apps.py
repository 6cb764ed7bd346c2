from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "shequtong.cases"
    label = "cases"
    verbose_name = "问题跟踪"
