"""The review chain: route configuration (industry departments, audit-path edges), the viewflow process with
its route stored as data, the append-only decision history, and reviewers' saved opinions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from viewflow.workflow.models import Process

from declarations.models import Declaration
from orgs.models import Org, Region
from titles.catalogue import Level
from titles.models import Series, Specialty

from .steps import StepKind


class IndustryDepartment(models.Model):
    """行业主管部门 for a declared specialty in a county or city (WFL-1): configured per region and series,
    optionally narrowed to a specialty (and its sub-specialties)."""

    region = models.ForeignKey(Region, verbose_name="行政区域", on_delete=models.PROTECT, related_name="+")
    series = models.ForeignKey(Series, verbose_name="系列", on_delete=models.PROTECT, related_name="+")
    specialty = models.ForeignKey(Specialty, verbose_name="专业", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="留空表示该系列所有专业。")
    org = models.ForeignKey(Org, verbose_name="行业主管部门", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "行业主管部门配置"
        verbose_name_plural = "行业主管部门配置"
        constraints = [
            models.UniqueConstraint(fields=["region", "series", "specialty"], name="uniq_industry_dept_specialty"),
            models.UniqueConstraint(fields=["region", "series"], condition=models.Q(specialty__isnull=True),
                                    name="uniq_industry_dept_series"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.series} {self.specialty or '全部专业'} → {self.org}"


class AuditPathEdge(models.Model):
    """审核路径 (ORG-5, 003 §1.4–1.8, 004 §2.5–2.6): "org A's declarations of (series, level) go next to org B".

    Configured by HR operators (approved at once) or requested by a lower unit and approved or refused by B.
    Approved edges override the default next org of the standard route.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "待审批"
        APPROVED = "approved", "已生效"
        REFUSED = "refused", "已拒绝"
        REVOKED = "revoked", "已撤销"

    from_org = models.ForeignKey(Org, verbose_name="本级单位", on_delete=models.PROTECT, related_name="path_edges_out")
    to_org = models.ForeignKey(Org, verbose_name="下一审核单位", on_delete=models.PROTECT, related_name="path_edges_in")
    series = models.ForeignKey(Series, verbose_name="系列", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="留空表示所有系列。")
    level = models.CharField("层级", max_length=20, choices=Level.choices, blank=True, help_text="留空表示所有层级。")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField("说明/拒绝原因", max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "审核路径"
        verbose_name_plural = "审核路径"
        ordering = ["from_org__path", "-created_at"]

    def __str__(self) -> str:
        return f"{self.from_org} → {self.to_org}（{self.series or '全部系列'}/{self.get_level_display() or '全部层级'}）"

    def clean(self) -> None:
        if self.from_org_id and self.from_org_id == self.to_org_id:
            raise ValidationError("下一审核单位不能是本单位。")


class ReviewProcess(Process):
    """One review of one declaration. `route` is the ordered list of steps computed at submission:
    [{"kind", "org", "label"}, ...]; `position` is the index of the current step."""

    class State(models.TextChoices):
        REVIEWING = "reviewing", "审核中"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "审核通过"
        NOT_PASSED = "not_passed", "不通过"
        VOIDED = "voided", "已作废"
        WITHDRAWN = "withdrawn", "已撤回"

    declaration = models.ForeignKey(Declaration, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="review_processes")
    route = models.JSONField("审核路径", default=list)
    position = models.PositiveIntegerField("当前步骤", default=0)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REVIEWING, db_index=True)
    # Denormalised pointer to the current step, so inboxes are one indexed query.
    current_org = models.ForeignKey(Org, verbose_name="当前审核单位", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    current_kind = models.CharField("当前步骤类型", max_length=20, choices=StepKind.choices, blank=True)
    arrived_at = models.DateTimeField("到达当前步骤时间", null=True, blank=True)
    returned_position = models.PositiveIntegerField("退回时所在步骤", null=True, blank=True)

    class Meta:
        verbose_name = "审核流程"
        verbose_name_plural = "审核流程"
        indexes = [models.Index(fields=["state", "current_org"])]

    def __str__(self) -> str:
        return f"{self.declaration} · {self.get_state_display()}"

    @property
    def current_step(self) -> dict | None:
        return self.route[self.position] if 0 <= self.position < len(self.route) else None


class Decision(models.Model):
    """The history (WFL-8): every action on a process — append-only."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提交申报"
        RESUBMIT = "resubmit", "修改后重新提交"
        READ = "read", "已阅"
        APPROVE = "approve", "同意通过"
        BACK = "back", "返回修改"
        RETURN = "return", "退回申报人"
        NOT_PASS = "not_pass", "不通过"
        VOID = "void", "流程作废"
        RECALL = "recall", "撤回"
        WITHDRAW = "withdraw", "申报人撤回"
        EXTEND = "extend", "延长修改期限"
        REREVIEW = "rereview", "重新审核"

    NEGATIVE = frozenset({Action.BACK, Action.RETURN, Action.NOT_PASS, Action.VOID})

    process = models.ForeignKey(ReviewProcess, verbose_name="流程", on_delete=models.PROTECT, related_name="decisions")
    declaration = models.ForeignKey(Declaration, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="decisions")
    position = models.PositiveIntegerField("步骤序号")
    step_kind = models.CharField("步骤类型", max_length=20, choices=StepKind.choices, blank=True)
    step_label = models.CharField("步骤", max_length=50, blank=True)
    org = models.ForeignKey(Org, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT,
                             related_name="review_decisions")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    opinion = models.TextField("意见", blank=True)
    signer = models.CharField("负责人签字", max_length=50, blank=True)
    signed_on = models.DateField("签字日期", null=True, blank=True)
    details = models.JSONField("其他信息", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.step_label} {self.get_action_display()} {self.user}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("审核记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("审核记录只能追加，不能删除。")


class CommonOpinion(models.Model):
    """A reviewer's saved common opinions (常用意见, 001 §2.2.1)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="common_opinions")
    text = models.CharField("常用意见", max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "常用意见"
        verbose_name_plural = "常用意见"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:30]
