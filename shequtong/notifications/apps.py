from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shequtong.notifications"
    label = "notifications"
    verbose_name = "通知"
