from django.apps import AppConfig


class EpidemicConfig(AppConfig):
    name = "shequtong.epidemic"
    label = "epidemic"
    verbose_name = "疫情防控"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register
        from shequtong.notifications import scheduler

        from . import services

        # Residents report and ask for help and see their own archive (EP-1..EP-3).
        register(Tile(section="resident_home", label="疫情防控", url_name="epidemic:home", capability="member",
                      icon="shield", order=70))
        # The committee's 疫情防控 work (EP-1..EP-3) and the observers' supervision (EP-4).
        register(Tile(section="committee_home", label="疫情防控", url_name="epidemic:manage", capability="epidemic",
                      icon="shield", order=45))
        register(Tile(section="observer_home", label="疫情防控", url_name="epidemic:observe",
                      capability="epidemic_observe", icon="shield", order=45))
        register(Tile(section="observe", label="疫情防控", url_name="epidemic:observe",
                      capability="epidemic_observe", icon="shield", order=45))
        scheduler.register("epidemic.missed_reports", services.scan_missed_reports)
