from django.apps import AppConfig


class CityopsConfig(AppConfig):
    name = "shequtong.cityops"
    label = "cityops"
    verbose_name = "城运中心对接"

    def ready(self) -> None:
        from shequtong.notifications import outbox, scheduler

        from . import services

        outbox.register(services.WEBHOOK, services.deliver_webhook)
        scheduler.register("cityops.summary", services.push_summary)
        scheduler.register("cityops.notable", services.push_notable)
