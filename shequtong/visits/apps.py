from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "shequtong.visits"
    label = "visits"
    verbose_name = "我与群众面对面"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register

        # The 面对面 entry of the committee version (FV-1) and of the observer version (FV-5).
        register(Tile(section="committee_home", label="面对面", url_name="visits:list", capability="committee",
                      icon="visit", order=40))
        register(Tile(section="observer_home", label="面对面", url_name="visits:observe", capability="observe",
                      icon="visit", order=40))
        register(Tile(section="observe", label="面对面", url_name="visits:observe", capability="observe",
                      icon="visit", order=40))
