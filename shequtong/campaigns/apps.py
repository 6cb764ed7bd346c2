from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "shequtong.campaigns"
    label = "campaigns"
    verbose_name = "抽奖与有奖答题"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shequtong.common import versioned
        from shequtong.common.registry import Tile, register
        from shequtong.notifications import scheduler

        from . import selectors, services
        from .models import Lottery, Quiz

        # The resident home's banners (selectors.home_banners) are kept until a campaign changes.
        def campaign_changed(sender: type, **kwargs: object) -> None:
            versioned.touch(selectors.BANNERS_DEP)

        for model in (Lottery, Quiz):
            post_save.connect(campaign_changed, sender=model, weak=False, dispatch_uid=f"campaigns.banners.{model.__name__}")
            post_delete.connect(campaign_changed, sender=model, weak=False, dispatch_uid=f"campaigns.banners.{model.__name__}")

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
