from django.apps import AppConfig


class CityopsConfig(AppConfig):
    name = "shequtong.cityops"
    label = "cityops"
    verbose_name = "城运中心对接"

    def ready(self) -> None:
        from shequtong.common import registry
        from shequtong.notifications import outbox, scheduler

        from . import services

        Tile = registry.Tile
        for section in ("observer_home", "observe"):
            registry.register(Tile(section=section, label="治慧中心大屏", url_name="cityops:wall", capability="observe",
                                   icon="data", order=90))
        registry.register(Tile(section="admin", label="城运中心接口令牌", url_name="cityops:tokens", capability="sysadmin",
                               icon="key", order=85))

        outbox.register(services.WEBHOOK, services.deliver_webhook)
        scheduler.register("cityops.summary", services.push_summary)
        scheduler.register("cityops.notable", services.push_notable)
        scheduler.register("cityops.precompute", services.precompute_feeds)
