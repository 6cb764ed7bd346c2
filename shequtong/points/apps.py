from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "shequtong.points"
    label = "points"
    verbose_name = "积分"

    def ready(self) -> None:
        from shequtong.common import hooks
        from shequtong.common.registry import Tile, register
        from shequtong.notifications import scheduler

        from . import services

        hooks.activity_recorded.subscribe(services.on_activity)
        hooks.membership_changed.subscribe(services.on_membership)
        scheduler.register("points.settle_ended_auctions", services.settle_ended_auctions)
        register(Tile(section="me", label="我的积分", url_name="points:mine", icon="heart", order=20))
        register(Tile(section="resident_home", label="积分礼品", url_name="points:gifts", capability="member",
                      icon="service", order=70))
        register(Tile(section="manage", label="积分礼品", url_name="points:gift_manage", capability="committee",
                      icon="service", order=70))
        register(Tile(section="resident_home", label="积分竞拍", url_name="points:auctions", capability="member",
                      icon="service", order=71))
        register(Tile(section="manage", label="积分竞拍", url_name="points:auction_manage", capability="committee",
                      icon="service", order=73))
        register(Tile(section="manage", label="积分统计", url_name="points:stats", capability="committee",
                      icon="data", order=71))
        register(Tile(section="manage", label="优质贡献奖励", url_name="points:award", capability="committee",
                      icon="heart", order=72))
        register(Tile(section="observe", label="积分统计", url_name="points:stats", capability="observe",
                      icon="data", order=70))
        register(Tile(section="observer_home", label="积分礼品", url_name="points:gift_manage",
                      capability="district_announce", icon="service", order=70))
