from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shequtong.accounts"
    label = "accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        # A second-factor device saved or deleted (confirmed, replaced, removed by a reset): the
        # cached "this session passed TOTP" answers of its owner are stale (mfa.session_verified).
        # Connected per device model: a receiver for every sender would end Django's fast deletes.
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save
        from django_otp.models import Device

        from shequtong.common import access, registry, versioned

        from . import (
            mfa,
            scope,
            selectors,
            signals,  # noqa: F401  (login audit)
        )

        def device_changed(sender: type, instance: Device, **kwargs: object) -> None:
            versioned.touch(mfa.devices_dep(instance.user_id))

        for model in apps.get_models():
            if issubclass(model, Device):
                post_save.connect(device_changed, sender=model, weak=False, dispatch_uid=f"accounts.otp.{model._meta.label}")
                post_delete.connect(device_changed, sender=model, weak=False, dispatch_uid=f"accounts.otp.{model._meta.label}")

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
