from typing import Any

from django.apps import AppConfig


class FollowsConfig(AppConfig):
    """关注 and 收藏 (OB-7): follow a case, letter or 议事厅 topic; favourite a post, case or letter."""

    name = "shequtong.follows"
    label = "follows"
    verbose_name = "关注与收藏"

    def ready(self) -> None:
        from shequtong.common import hooks, jinja
        from shequtong.common.registry import Tile, register

        from . import services, views

        # A followed thing's new step reaches its followers' 信箱 in the step's transaction.
        hooks.step_recorded.subscribe(services.on_step)
        # The 关注/收藏 bar of a Jinja2 detail page: {% follow_buttons %} of the Django ones.
        jinja.register_global("follow_buttons", views.buttons)
        # 我的 of residents and committees; the observers' 我的 shows both lists as cards (observe/me.html).
        for label, url_name, icon, order in (("我的关注", "follows:following", "notice", 14),
                                             ("我的收藏", "follows:favourites", "heart", 15)):
            register(Tile(section="me", label=label, url_name=url_name, icon=icon, order=order, shown=_not_observer))


def _not_observer(user: Any) -> bool:
    from shequtong.accounts import scope
    from shequtong.accounts.roles import Version

    return not (scope.current_version(user) == Version.OBSERVER and scope.has_capability(user, "observe"))
