from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "shequtong.chats"
    label = "chats"
    verbose_name = "小区群"

    def ready(self) -> None:
        from shequtong.common import hooks, registry

        from . import selectors, services

        # Estate groups are created when memberships change, never when a page is opened.
        hooks.membership_changed.subscribe(services.on_membership_changed)

        # A village's groups are its 村民小组 (PC-5): the same list under the village's own word.
        for kind, label in (("urban", "小区群"), ("rural", "村民小组")):
            registry.register(registry.Tile(section="resident_home", label=label, url_name="chats:list",
                                            capability="member", icon="chat", order=70, count=selectors.unread_groups,
                                            community_kind=kind))
            registry.register(registry.Tile(section="committee_home", label=label, url_name="chats:list",
                                            capability="committee", icon="chat", order=70,
                                            count=selectors.unread_groups, community_kind=kind))
        registry.register(registry.Tile(section="manage", label="小区群管理", url_name="chats:manage",
                                        capability="committee", icon="chat", order=70))
        for section in ("observe", "observer_home"):
            registry.register(registry.Tile(section=section, label="小区群巡查", url_name="chats:observe",
                                            capability="observe_chats", icon="chat", order=70))
