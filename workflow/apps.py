from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "审核流程"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from declarations.signals import declaration_submitting, declaration_withdrawing

        from . import models as m
        from . import receivers

        declaration_submitting.connect(receivers.on_submitting, dispatch_uid="workflow.on_submitting")
        declaration_withdrawing.connect(receivers.on_withdrawing, dispatch_uid="workflow.on_withdrawing")
        for model in (m.IndustryDepartment, m.AuditPathEdge, m.CommonOpinion):
            auditlog.register(model)
