from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "shequtong.letters"
    label = "letters"
    verbose_name = "人民信箱"
