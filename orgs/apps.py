from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "单位管理"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Org, Region

        auditlog.register(Org)
        auditlog.register(Region)
