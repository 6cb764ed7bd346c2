from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "shequtong.operations"
    label = "operations"
    verbose_name = "运维管理"

    def ready(self) -> None:
        from shequtong.common.registry import Tile, register
        from shequtong.notifications import outbox

        from . import jobs

        # Imports started from the page run in the worker (the outbox is its queue).
        outbox.register(jobs.IMPORT_KIND, jobs.deliver_import, on_dead=jobs.import_given_up)
        for section in ("observer_home", "manage"):
            register(Tile(section=section, label="数据导入", url_name="operations:imports", capability="sysadmin",
                          icon="data", order=96))
            register(Tile(section=section, label="辖区管理", url_name="operations:places", capability="sysadmin",
                          icon="district", order=97))
            register(Tile(section=section, label="工作人员账户", url_name="operations:staff", capability="security_admin",
                          icon="people", order=97))
            register(Tile(section=section, label="审计日志", url_name="operations:audit", capability="audit_admin",
                          icon="log", order=98))
