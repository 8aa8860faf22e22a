from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = "职称申报"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import admin as declarations_admin
        from . import models as m

        for model in (m.Declaration, m.Attachment, m.CommitmentAcceptance, m.Profile, m.SocialInsurance,
                      *declarations_admin.ROW_MODELS, *declarations_admin.SINGLE_MODELS):
            auditlog.register(model)
