from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shequtong.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register
        from shequtong.integrations import exchange

        from . import channels, delivery_log, handlers, outbox, scheduler

        outbox.register("push", channels.deliver_push)
        # The external channels of NF-6, each delivered with its own retries.
        handlers.register()
        register(Tile(section="me", label="消息通知设置", url_name="notifications:preferences", icon="notice", order=90))
        # The delivery log: calls made outside an outbox delivery (grid poll, updates feed) land here too.
        exchange.add_sink(delivery_log.record_exchange)
        scheduler.register("notifications.prune_delivery_log", delivery_log.prune)
        # Only in the system-admin section of an observer's 我的 (OB-3), never among the observation or 管理 tools.
        register(Tile(section="admin", label="投递日志", url_name="notifications:log", capability="sysadmin",
                      icon="log", order=95))
