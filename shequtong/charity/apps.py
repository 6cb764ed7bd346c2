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

        # The organisation's version (CP-1..CP-4): its projects and sites.
        register(Tile(section="committee_home", label="公益项目", url_name="charity:org_projects",
                      capability="social_org", icon="heart", order=5))
        # The 社会组织服务中心 (CP-1, CP-2 review; CP-5 statistics).
        register(Tile(section="observer_home", label="公益项目审核", url_name="charity:centre_queue",
                      capability="service_centre", icon="heart", order=5))
