from django.apps import AppConfig


class ObserveConfig(AppConfig):
    """The observer version's cross-app pages: 全局信息穿透 (OB-5) for now."""

    name = "shequtong.observe"
    label = "observe"
    verbose_name = "观察"

    def ready(self) -> None:
        from shequtong.common import hooks, jinja
        from shequtong.common.registry import Tile, register
        from shequtong.notifications import scheduler

        from . import feed
        from .templatetags.figure_tags import figure

        # 数据's tables loop in Jinja2 (observe/jinja2/observe/*_rows.jinja): a figure written as the Django filter does.
        jinja.register_global("observe_figure", figure)

        hooks.activity_recorded.subscribe(feed.on_activity)  # 宝山圈 pages hear of new posts and replies
        hooks.step_recorded.subscribe(feed.on_step)  # ... and of case steps and topic moves
        scheduler.register("observe.hot", feed.rank_hot)  # 宝山圈 最热, ranked ahead of the pages

        # First on the observer's home and in 观察: the quickest way to anything in their area.
        for section in ("observer_home", "observe"):
            register(Tile(section=section, label="全局信息穿透", url_name="observe:search", capability="observe",
                          icon="search", order=5))
