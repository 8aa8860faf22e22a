"""Title catalogue (TTL-1, TTL-2), review committees (TTL-3) and review activities (TTL-4).

Specialties form a tree per series (django-treebeard materialised path, as the org tree). Nodes in use are
retired (is_active=False), never deleted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from treebeard.mp_tree import MP_Node

from orgs.models import Org, Region

from .catalogue import LEVEL_GROUP, EvaluationMode, Level, LevelGroup


class Series(models.Model):
    code = models.CharField("系列代码", max_length=20, unique=True)
    name = models.CharField("系列名称", max_length=50, unique=True)
    is_active = models.BooleanField("启用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)
    class Meta:
        verbose_name = "职称系列"
        verbose_name_plural = "职称系列"
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Specialty(MP_Node):
    """A node of the specialty tree of one series (003 §1.1): code and name."""

    series = models.ForeignKey(Series, verbose_name="系列", on_delete=models.PROTECT, related_name="specialties")
    code = models.CharField("专业代码", max_length=30)
    name = models.CharField("专业名称", max_length=100)
    is_active = models.BooleanField("启用", default=True)

    steplen = 4
    node_order_by = []

    class Meta:
        verbose_name = "专业"
        verbose_name_plural = "专业"
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["series", "code"], name="uniq_specialty_code_per_series")]

    def __str__(self) -> str:
        return self.name


class QualificationName(models.Model):
    """资格名称 (003 §1.2): e.g. 高级工程师 — its series, level, national (人社部) title, allowed modes."""

    series = models.ForeignKey(Series, verbose_name="系列", on_delete=models.PROTECT, related_name="qualifications")
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    name = models.CharField("资格名称", max_length=50)
    national_title = models.CharField("对应人社部职称", max_length=50)
    specialties = models.ManyToManyField(
        Specialty, verbose_name="限定专业", blank=True, related_name="qualifications",
        help_text="为空表示本系列所有专业均可申报该资格。",
    )
    allows_review = models.BooleanField("可评审", default=True)
    allows_initial = models.BooleanField("可初定", default=False)
    allows_recognition = models.BooleanField("可认定", default=False)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "资格名称"
        verbose_name_plural = "资格名称"
        ordering = ["series__sort", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["series", "level", "name"], name="uniq_qualification")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_group(self) -> str:
        return LEVEL_GROUP[self.level]

    def allows(self, mode: str) -> bool:
        return {
            EvaluationMode.REVIEW: self.allows_review,
            EvaluationMode.INITIAL: self.allows_initial,
            EvaluationMode.RECOGNITION: self.allows_recognition,
        }.get(mode, False)

    @staticmethod
    def mode_field(mode: str) -> str:
        return {
            EvaluationMode.REVIEW: "allows_review",
            EvaluationMode.INITIAL: "allows_initial",
            EvaluationMode.RECOGNITION: "allows_recognition",
        }[mode]


class Committee(models.Model):
    """A review committee (评委会, 003 §1.10–1.11)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        DEREGISTERED = "deregistered", "已注销"

    name = models.CharField("评委会名称", max_length=100, unique=True)
    level_group = models.CharField("评委会级别", max_length=10, choices=LevelGroup.choices)
    series = models.ForeignKey(Series, verbose_name="系列", on_delete=models.PROTECT, related_name="committees")
    specialties = models.ManyToManyField(Specialty, verbose_name="可评审专业", related_name="committees")
    organisers = models.ManyToManyField(Org, verbose_name="组建单位", related_name="organised_committees")
    office = models.ForeignKey(
        Org, verbose_name="评委会办事机构（评办）", on_delete=models.PROTECT, related_name="office_committees",
        help_text="负责资格审查的评委会办公室所在单位。",
    )
    final_org = models.ForeignKey(
        Org, verbose_name="终审单位", on_delete=models.PROTECT, related_name="final_committees",
        help_text="最终审核（省人社厅审核）的单位，默认四川省人力资源和社会保障厅。",
    )
    region_scope = models.ForeignKey(
        Region, verbose_name="评审范围（行政区域）", on_delete=models.PROTECT, related_name="committees"
    )
    scope_text = models.CharField("评审范围说明", max_length=300, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("咨询电话", max_length=50, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    deregister_reason = models.CharField("注销原因", max_length=300, blank=True)
    deregistered_at = models.DateTimeField("注销时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评委会"
        verbose_name_plural = "评委会"
        ordering = ["series__sort", "level_group", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def covers_level(self, level: str) -> bool:
        return LEVEL_GROUP[level] == self.level_group


class CommitteeFee(models.Model):
    committee = models.ForeignKey(Committee, verbose_name="评委会", on_delete=models.CASCADE, related_name="fees")
    item = models.CharField("缴费项目", max_length=50)
    amount = models.DecimalField("金额（元）", max_digits=9, decimal_places=2)

    class Meta:
        verbose_name = "缴费标准"
        verbose_name_plural = "缴费标准"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}元"


class Activity(models.Model):
    """A review activity (评审活动): one committee's call for one year (TTL-4).

    Once published its rules — materials, achievement templates, 破格 conditions, sections — are locked:
    dossiers submitted under them must not see them change. Only the close date may move.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    committee = models.ForeignKey(Committee, verbose_name="评委会", on_delete=models.PROTECT, related_name="activities")
    year = models.PositiveIntegerField("年度")
    title = models.CharField("活动名称", max_length=150)
    notice = models.TextField("评审通知", blank=True, help_text="支持富文本；保存时自动清除脚本等不安全内容。")
    opens_on = models.DateField("申报开始日期")
    closes_on = models.DateField("申报截止日期")
    edit_deadline_days = models.PositiveIntegerField("退回修改期限（天）", default=7,
                                                     help_text="被退回后默认给申报人的修改天数。")
    teacher_section = models.BooleanField("需填写中小学教师信息", default=False)
    health_section = models.BooleanField("需填写卫生技术信息", default=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审活动"
        verbose_name_plural = "评审活动"
        ordering = ["-year", "committee__name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="activity_dates_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def is_open_on(self, day) -> bool:
        return self.is_published and self.opens_on <= day <= self.closes_on

    @property
    def is_open_today(self) -> bool:
        return self.is_open_on(timezone.localdate())

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "申报截止日期不能早于申报开始日期。"})


class ActivityMaterial(models.Model):
    """评委会需求材料 (002 §2.2.1.1.2 item 15): what an applicant must upload for this activity."""

    activity = models.ForeignKey(Activity, verbose_name="评审活动", on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=100)
    required = models.BooleanField("是否必填", default=True)
    description = models.CharField("说明", max_length=300, blank=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "需求材料"
        verbose_name_plural = "需求材料"
        ordering = ["sort", "pk"]

    def __str__(self) -> str:
        return self.name


class AchievementTemplate(models.Model):
    """业绩成果模板 (002 item 8): a kind of achievement the committee asks for, with the fields to fill."""

    activity = models.ForeignKey(Activity, verbose_name="评审活动", on_delete=models.CASCADE,
                                 related_name="achievement_templates")
    category = models.CharField("业绩成果类型", max_length=50)
    name = models.CharField("模板名称", max_length=100)
    fields_text = models.TextField("填写项", help_text="每行一个填写项，如：项目名称、本人角色、起止时间。")
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "业绩成果模板"
        verbose_name_plural = "业绩成果模板"
        ordering = ["sort", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def field_list(self) -> list[str]:
        return [f.strip() for f in self.fields_text.splitlines() if f.strip()]


class BreakCondition(models.Model):
    """破格条件 (002 item 8): conditions under which an applicant may declare by 破格."""

    activity = models.ForeignKey(Activity, verbose_name="评审活动", on_delete=models.CASCADE,
                                 related_name="break_conditions")
    text = models.CharField("破格条件", max_length=500)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "破格条件"
        verbose_name_plural = "破格条件"
        ordering = ["sort", "pk"]

    def __str__(self) -> str:
        return self.text[:40]
