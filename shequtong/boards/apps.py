from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "shequtong.boards"
    label = "boards"
    verbose_name = "版块"
