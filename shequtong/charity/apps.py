from django.apps import AppConfig


class CharityConfig(AppConfig):
    name = "shequtong.charity"
    label = "charity"
    verbose_name = "社会公益服务项目管理平台"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register
        from shequtong.inbox import reach

        from . import services

        # Residents write to a site lead in 信箱 (CP-7); replies follow (inbox.reach.may_converse).
        reach.register_rule(services.lead_reach)

        # The organisation's version (CP-1..CP-5): its projects, sites, bookings, reviews, figures.
        for order, (label, url_name, icon) in enumerate((
            ("公益项目", "charity:org_projects", "heart"), ("服务站点", "charity:org_sites", "home"),
            ("服务预约", "charity:org_bookings", "people"), ("居民评价", "charity:org_reviews", "chat"),
            ("数据统计", "charity:org_stats", "data"),
        )):
            register(Tile(section="committee_home", label=label, url_name=url_name, capability="social_org", icon=icon,
                          order=1 + order))
        # The 社会组织服务中心 (CP-1, CP-2 review; CP-5 statistics).
        register(Tile(section="observer_home", label="公益项目审核", url_name="charity:centre_queue",
                      capability="service_centre", icon="check", order=5))
        register(Tile(section="observer_home", label="公益项目统计", url_name="charity:centre_stats",
                      capability="service_centre", icon="data", order=6))
        # Observers (CP-6) and residents (CP-7).
        register(Tile(section="observer_home", label="公益项目", url_name="charity:observe", capability="observe",
                      icon="heart", order=45))
        register(Tile(section="observe", label="公益项目", url_name="charity:observe", capability="observe",
                      icon="heart", order=45))
        register(Tile(section="resident_home", label="公益服务", url_name="charity:browse", capability="member",
                      icon="heart", order=60))
