from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "shequtong.campaigns"
    label = "campaigns"
    verbose_name = "抽奖与有奖答题"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register
        from shequtong.notifications import scheduler

        from . import services

        # A quiz whose time is up is awarded by score without anyone pressing 评奖 (LQ-5).
        scheduler.register("campaigns.settle_ended_quizzes", services.settle_ended_quizzes)

        register(Tile(section="resident_home", label="抽奖答题", url_name="campaigns:list", capability="member",
                      icon="party", order=60))
        register(Tile(section="me", label="我的奖品", url_name="campaigns:my_prizes", icon="heart", order=21))
        register(Tile(section="manage", label="抽奖答题", url_name="campaigns:manage", capability="committee",
                      icon="party", order=60))
        register(Tile(section="observer_home", label="抽奖答题", url_name="campaigns:manage", capability="observe",
                      icon="party", order=60))
        register(Tile(section="observe", label="抽奖答题", url_name="campaigns:manage", capability="observe",
                      icon="party", order=60))
