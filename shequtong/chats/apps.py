from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "shequtong.chats"
    label = "chats"
    verbose_name = "小区群"
