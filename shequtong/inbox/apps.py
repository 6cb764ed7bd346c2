from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "shequtong.inbox"
    label = "inbox"
    verbose_name = "信箱"

    def ready(self) -> None:
        from shequtong.common import hooks, registry

        from . import selectors, services

        # Notices from the layers below 信箱 (accounts), which cannot import it.
        hooks.notice_requested.subscribe(services.on_notice_requested)

        # Any saved or deleted message changes its recipient's unread count (selectors.unread_count).
        from django.db.models.signals import post_delete, post_save

        from shequtong.common import versioned

        from .models import Message

        def touched(sender: type, instance: Message, **kwargs: object) -> None:
            versioned.touch(selectors.unread_dep(instance.recipient_id))

        post_save.connect(touched, sender=Message, weak=False, dispatch_uid="inbox.unread")
        post_delete.connect(touched, sender=Message, weak=False, dispatch_uid="inbox.unread")

        # Residents reach 信箱 from the tab bar; committee and observer
        # versions have no 信箱 tab, so they get a tile with the unread count.
        for section in ("committee_home", "observer_home"):
            registry.register(registry.Tile(section=section, label="信箱", url_name="inbox:list",
                                            icon="mail", order=15, count=selectors.unread_count))
