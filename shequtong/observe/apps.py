from django.apps import AppConfig


class ObserveConfig(AppConfig):
    """The observer version's cross-app pages: 全局信息穿透 (OB-5) for now."""

    name = "shequtong.observe"
    label = "observe"
    verbose_name = "观察"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register

        # First on the observer's home and in 观察: the quickest way to anything in their area.
        for section in ("observer_home", "observe"):
            register(Tile(section=section, label="全局信息穿透", url_name="observe:search", capability="observe",
                          icon="search", order=5))
