from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "shequtong.boards"
    label = "boards"
    verbose_name = "版块"

    def ready(self) -> None:
        from shequtong.common import hooks
        from shequtong.common.registry import Tile, register

        from . import catalogue, policies, selectors

        # What residents wrote, liked and read feeds 政策找人's demand profiles, read in the background.
        hooks.register_text_source("post", selectors.post_texts)
        hooks.register_text_source("reply", selectors.reply_texts)
        hooks.register_read_source("boards.read", selectors.first_reads_after)

        # The resident home and the committee workbench are the community's
        # boards (PC-4); village versions close the urban-only ones (PC-5).
        for order, spec in enumerate(catalogue.top_boards_for("urban"), start=10):
            kind = "urban" if spec.urban_only else None
            for section in ("resident_home", "committee_home"):
                register(Tile(
                    section=section, label=str(spec.label), url_name="boards:board", url_kwargs={"board": spec.code},
                    icon=spec.icon, order=order, community_kind=kind,
                    shown=policies.property_window_shown if spec.rural_needs_property else None,
                ))
        for section in ("resident_home", "committee_home", "observer_home"):
            register(Tile(section=section, label="爱宝山", url_name="boards:announcements", icon="district", order=40))
        register(Tile(section="manage", label="版块管理记录", url_name="boards:log", capability="committee",
                      icon="pen", order=60))
        register(Tile(section="observe", label="版块观察", url_name="boards:observe", capability="observe",
                      icon="observe", order=20))
        register(Tile(section="observe", label="议事厅进程", url_name="boards:council_stats", capability="observe",
                      icon="vote", order=21))
        for order, (kind, label, icon) in enumerate((
            ("posts", "我的发布", "pen"), ("replies", "我的回复", "chat"),
            ("bookings", "我的预约", "service"), ("votes", "我的投票", "vote"),
        ), start=20):
            register(Tile(section="me", label=label, url_name="boards:mine", url_kwargs={"kind": kind}, icon=icon,
                          order=order))
