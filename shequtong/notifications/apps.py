from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shequtong.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from . import channels, outbox

        outbox.register("push", channels.deliver_push)
