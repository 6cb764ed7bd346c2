from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "shequtong.open311"
    label = "open311"
    verbose_name = "Open311接口"

    def ready(self) -> None:
        from shequtong.notifications import scheduler

        from . import checks, services  # noqa: F401  (checks registers the system check)

        # The grid's updates feed (a no-op unless the Open311 gateway is configured) and
        # the forgetting of callback ids older than the replay window.
        scheduler.register("open311.pull_grid_updates", services.pull_updates)
        scheduler.register("open311.prune_webhook_receipts", services.prune_receipts)
