from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "shequtong.policy"
    label = "policy"
    verbose_name = "政策找人"

    def ready(self) -> None:
        from shequtong.common import hooks
        from shequtong.common.registry import Tile, register
        from shequtong.notifications import scheduler

        from . import services

        # The officer's entry (committee version) and the reviewer's (observer version).
        register(Tile(section="committee_home", label="政策找人", url_name="policy:list", capability="policy_officer",
                      icon="people", order=70))
        register(Tile(section="observer_home", label="政策找人", url_name="policy:list", capability="policy_reviewer",
                      icon="people", order=70))
        register(Tile(section="manage", label="关爱标签", url_name="policy:care_tags", capability="committee",
                      icon="people", order=75))
        # PF-2: what residents write, like, read, send as letters and raise as cases feeds their demand
        # profiles. The request only queues (services.on_activity); the background job reads the texts
        # and folds them in.
        hooks.activity_recorded.subscribe(services.on_activity)
        scheduler.register("policy.profiles", services.refresh_profiles)
