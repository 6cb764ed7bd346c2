from django.apps import AppConfig


class RuralConfig(AppConfig):
    name = "shequtong.rural"
    label = "rural"
    verbose_name = "乡村振兴"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register

        from .policies import village_of

        # The villages' board (RV-2): rural communities only, in 村民版 and 村委版.
        for section in ("resident_home", "committee_home"):
            register(Tile(section=section, label="乡村振兴", url_name="rural:board", icon="rural", order=15,
                          community_kind="rural"))
        register(Tile(section="me", label="我的报名", url_name="rural:mine", icon="service", order=26,
                      shown=lambda user: village_of(user) is not None))
        # The 农委's workbench (RV-1) and the observers' view level by level (RV-3).
        register(Tile(section="observer_home", label="乡村振兴管理", url_name="rural:manage", capability="rural_admin",
                      icon="rural", order=5))
        for section in ("observer_home", "observe"):
            register(Tile(section=section, label="乡村振兴", url_name="rural:observe", capability="observe",
                          icon="rural", order=45))
        register(Tile(section="observer_home", label="乡村振兴统计", url_name="rural:observe",
                      capability="rural_admin", icon="data", order=6))
