from django.apps import AppConfig


class TitlesConfig(AppConfig):
    name = "titles"
    verbose_name = "职称目录与评委会"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models as m

        for model in (m.Series, m.Specialty, m.QualificationName, m.Committee, m.CommitteeFee, m.Activity,
                      m.ActivityMaterial, m.AchievementTemplate, m.BreakCondition):
            auditlog.register(model)
