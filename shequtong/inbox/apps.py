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

        # Residents reach 信箱 from the tab bar; committee and observer
        # versions have no 信箱 tab, so they get a tile with the unread count.
        for section in ("committee_home", "observer_home"):
            registry.register(registry.Tile(section=section, label="信箱", url_name="inbox:list",
                                            icon="mail", order=15, count=selectors.unread_count))
