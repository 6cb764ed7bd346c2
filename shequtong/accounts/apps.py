from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shequtong.accounts"
    label = "accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from shequtong.common import access, registry

        from . import (
            scope,
            selectors,
            signals,  # noqa: F401  (login audit)
        )

        # The URL rules and the shell's tiles (common) ask accounts who holds a capability.
        access.set_capability_check(scope.has_capability)

        def pending(user):  # type: ignore[no-untyped-def]
            return selectors.pending_reviews_for(user).count()

        for section in ("manage", "committee_home"):
            registry.register(registry.Tile(section=section, label="新成员审核", url_name="accounts:reviews",
                                            capability="review_members", icon="people", order=20, count=pending))
        # 登记户数 (户覆盖率's denominator): the committee's 管理, the system administrators' own section.
        for section in ("manage", "admin"):
            registry.register(registry.Tile(section=section, label="登记户数", url_name="accounts:households",
                                            capability="households", icon="home", order=85))
        for section in ("manage", "observe"):
            registry.register(registry.Tile(section=section, label="权限管理", url_name="accounts:grants",
                                            capability="grant_roles", icon="key", order=90))
