"""Declarations (DCL-1…DCL-7), the applicant's personal info centre (ACC-5) and dossier attachments (DCL-3).

Dossier rows live in one table per section. A row belongs either to a person's profile (kept between years)
or to one declaration (the copy made when the declaration starts, edited in the dossier). Fields are optional
in the database so that a draft can be saved at any time; the fields a section requires (*) are listed in
declarations/sections.py and enforced at submission.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from orgs.models import Org
from titles.catalogue import EvaluationMode, Level
from titles.models import (
    AchievementTemplate,
    Activity,
    Committee,
    QualificationName,
    Series,
    Specialty,
)

OPEN_STATUSES = ("draft", "submitted", "in_review", "returned")
YEAR_LOST_STATUSES = ("not_passed", "voided")


class Declaration(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        IN_REVIEW = "in_review", "审核中"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "已通过"
        NOT_PASSED = "not_passed", "不通过"
        VOIDED = "voided", "已作废"
        ABANDONED = "abandoned", "已废弃"

    class Method(models.TextChoices):
        NORMAL = "normal", "正常晋升"
        BREAK = "break", "破格"
        CHANGE_SERIES = "change_series", "改系列"

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT,
                                  related_name="declarations")
    unit = models.ForeignKey(Org, verbose_name="工作单位", on_delete=models.PROTECT, related_name="declarations")
    year = models.PositiveIntegerField("申报年度")
    mode = models.CharField("评价方式", max_length=20, choices=EvaluationMode.choices)
    series = models.ForeignKey(Series, verbose_name="申报系列", on_delete=models.PROTECT, related_name="+")
    level = models.CharField("申报层级", max_length=20, choices=Level.choices)
    specialty = models.ForeignKey(Specialty, verbose_name="申报专业", on_delete=models.PROTECT,
                                  related_name="declarations")
    qualification = models.ForeignKey(QualificationName, verbose_name="申报资格名称", on_delete=models.PROTECT,
                                      related_name="declarations")
    committee = models.ForeignKey(Committee, verbose_name="评委会", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="declarations")
    activity = models.ForeignKey(Activity, verbose_name="评审活动", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="declarations")
    method = models.CharField("申报方式", max_length=20, choices=Method.choices, default=Method.NORMAL)
    break_conditions = models.ManyToManyField("titles.BreakCondition", verbose_name="破格条件", blank=True,
                                              related_name="declarations")
    entrusted = models.BooleanField("委托评审", default=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    # Set by the review chain (issue 5): a reviewer has acted, so the applicant may no longer withdraw.
    review_started = models.BooleanField("已开始审核", default=False)
    # Set by the review chain when 资格审查 passes: the applicant may then print the 申报表 (000 §4.1.1.15).
    qualification_passed = models.BooleanField("资格审查已通过", default=False)
    return_deadline = models.DateField("退回修改截止日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "职称申报"
        verbose_name_plural = "职称申报"
        ordering = ["-created_at"]
        constraints = [
            # DCL-7: one open declaration per person, year and level — a database rule, not only a Python check.
            models.UniqueConstraint(
                fields=["applicant", "year", "level"], condition=models.Q(status__in=OPEN_STATUSES),
                name="one_open_declaration_per_person_year_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.year}年 {self.qualification}"

    @property
    def is_editable(self) -> bool:
        """Only a draft, or a dossier returned to the applicant, can be edited."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def needs_committee(self) -> bool:
        return self.mode == EvaluationMode.REVIEW


class CommitmentAcceptance(models.Model):
    """The commitment letter (004 §1.2) accepted before the first declaration, with the time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="commitments")
    version = models.CharField("承诺书版本", max_length=20)
    accepted_at = models.DateTimeField("同意时间", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        verbose_name = "承诺书确认"
        verbose_name_plural = "承诺书确认"
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="one_acceptance_per_version")]

    def __str__(self) -> str:
        return f"{self.user} {self.version} {self.accepted_at:%Y-%m-%d %H:%M}"


class Profile(models.Model):
    """Personal info centre (ACC-5): basic information kept between years."""

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                                related_name="profile")
    gender = models.CharField("性别", max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    political_status = models.CharField("政治面貌", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通讯地址", max_length=200, blank=True)
    work_start_date = models.DateField("参加工作时间", null=True, blank=True)
    position = models.CharField("现任行政职务", max_length=50, blank=True)
    current_title = models.CharField("现专业技术职称", max_length=50, blank=True)
    current_title_date = models.DateField("取得现职称时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "个人信息"
        verbose_name_plural = "个人信息"

    def __str__(self) -> str:
        return str(self.user)


class BasicInfo(models.Model):
    """基本信息 of one declaration (copied from the profile when it starts). Name and ID come from the account."""

    declaration = models.OneToOneField(Declaration, verbose_name="申报", on_delete=models.CASCADE,
                                       related_name="basic")
    gender = models.CharField("性别", max_length=10, choices=Profile.Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    political_status = models.CharField("政治面貌", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通讯地址", max_length=200, blank=True)
    work_start_date = models.DateField("参加工作时间", null=True, blank=True)
    position = models.CharField("现任行政职务", max_length=50, blank=True)
    current_title = models.CharField("现专业技术职称", max_length=50, blank=True)
    current_title_date = models.DateField("取得现职称时间", null=True, blank=True)

    class Meta:
        verbose_name = "基本信息"
        verbose_name_plural = "基本信息"

    def __str__(self) -> str:
        return f"{self.declaration_id} 基本信息"


class Commitment(models.Model):
    """诚信承诺 (000 §4.1.1.3): the signer's name; the date defaults to today."""

    declaration = models.OneToOneField(Declaration, verbose_name="申报", on_delete=models.CASCADE,
                                       related_name="commitment")
    signer = models.CharField("承诺人签字", max_length=50, blank=True)
    signed_on = models.DateField("日期", default=timezone.localdate, null=True, blank=True)
    agreed = models.BooleanField("本人承诺所填信息和所交材料真实有效", default=False)

    class Meta:
        verbose_name = "诚信承诺"
        verbose_name_plural = "诚信承诺"

    def __str__(self) -> str:
        return f"{self.declaration_id} 诚信承诺"


class Summary(models.Model):
    """个人专业技术水平及业绩综述 (000 §4.1.1.13)."""

    declaration = models.OneToOneField(Declaration, verbose_name="申报", on_delete=models.CASCADE,
                                       related_name="summary")
    text = models.TextField("业绩综述", blank=True)

    class Meta:
        verbose_name = "业绩综述"
        verbose_name_plural = "业绩综述"

    def __str__(self) -> str:
        return f"{self.declaration_id} 业绩综述"


class TeacherInfo(models.Model):
    """中小学教师信息 (002 item 13) — only for activities that ask for it."""

    declaration = models.OneToOneField(Declaration, verbose_name="申报", on_delete=models.CASCADE,
                                       related_name="teacher")
    school_stage = models.CharField("任教学段", max_length=20, blank=True)
    subject = models.CharField("任教学科", max_length=30, blank=True)
    moral_education = models.TextField("从事学生思想政治教育工作经历及考核结果", blank=True)
    open_classes = models.TextField("承担示范课、公开课、研究课或专题讲座情况", blank=True)
    rural_teaching = models.TextField("在农村（薄弱、艰苦边远）学校支教或从教情况", blank=True)
    mentoring = models.TextField("任职后指导、培养教师情况", blank=True)

    class Meta:
        verbose_name = "中小学教师信息"
        verbose_name_plural = "中小学教师信息"

    def __str__(self) -> str:
        return f"{self.declaration_id} 教师信息"


class HealthInfo(models.Model):
    """卫生技术信息 (002 item 14) — only for activities that ask for it."""

    declaration = models.OneToOneField(Declaration, verbose_name="申报", on_delete=models.CASCADE,
                                       related_name="health")
    practice_category = models.CharField("执业类别", max_length=30, blank=True)
    practice_scope = models.CharField("执业范围", max_length=50, blank=True)
    license_no = models.CharField("执业证书编号", max_length=40, blank=True)
    counterpart_support = models.TextField("对口支援情况", blank=True)
    epidemic_frontline = models.TextField("抗疫一线工作情况", blank=True)
    honours = models.TextField("荣誉及惩罚", blank=True)

    class Meta:
        verbose_name = "卫生技术信息"
        verbose_name_plural = "卫生技术信息"

    def __str__(self) -> str:
        return f"{self.declaration_id} 卫生信息"


# ------------------------------------------------------------------------------------------ multi-row sections
class SectionRow(models.Model):
    """A row of a multi-row section, owned by a profile or by one declaration (exactly one of them)."""

    profile = models.ForeignKey(Profile, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    sort = models.PositiveIntegerField("排序", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    # (start field, end field) whose order clean() checks
    date_range: tuple[str, str] | None = None

    class Meta:
        abstract = True
        ordering = ["sort", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"

    def clean(self) -> None:
        super().clean()
        if (self.profile_id is None) == (self.declaration_id is None):
            raise ValidationError("记录必须属于个人信息或某一申报之一。")
        if self.date_range:
            start, end = (getattr(self, f) for f in self.date_range)
            if start and end and end < start:
                raise ValidationError({self.date_range[1]: "结束时间不能早于开始时间。"})


def _owner_check(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(models.Q(profile__isnull=True, declaration__isnull=False)
                   | models.Q(profile__isnull=False, declaration__isnull=True)),
        name=f"{name}_one_owner",
    )


class Education(SectionRow):
    start_date = models.DateField("开始时间", null=True, blank=True)
    end_date = models.DateField("结束时间", null=True, blank=True)
    school = models.CharField("毕业院校", max_length=100, blank=True)
    major = models.CharField("所学专业", max_length=100, blank=True)
    education = models.CharField("学历", max_length=20, blank=True)
    degree = models.CharField("学位", max_length=20, blank=True)
    study_form = models.CharField("学习形式", max_length=20, blank=True)
    date_range = ("start_date", "end_date")

    class Meta(SectionRow.Meta):
        verbose_name = "教育经历"
        verbose_name_plural = "教育经历"
        constraints = [_owner_check("education")]


class QualificationHeld(SectionRow):
    title = models.CharField("资格名称", max_length=50, blank=True)
    series_name = models.CharField("系列", max_length=50, blank=True)
    level = models.CharField("层级", max_length=20, choices=Level.choices, blank=True)
    obtained_on = models.DateField("取得时间", null=True, blank=True)
    issuer = models.CharField("审批（发证）单位", max_length=100, blank=True)
    certificate_no = models.CharField("证书编号", max_length=50, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "资历信息"
        verbose_name_plural = "资历信息"
        constraints = [_owner_check("qualificationheld")]


class TitleObtained(SectionRow):
    name = models.CharField("职称/职业技能等级名称", max_length=50, blank=True)
    grade = models.CharField("等级", max_length=20, blank=True)
    obtained_on = models.DateField("取得时间", null=True, blank=True)
    issuer = models.CharField("发证单位", max_length=100, blank=True)
    certificate_no = models.CharField("证书编号", max_length=50, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "取得职称职业技能等级情况"
        verbose_name_plural = "取得职称职业技能等级情况"
        constraints = [_owner_check("titleobtained")]


class ProvincialCertificate(SectionRow):
    name = models.CharField("证书名称", max_length=50, blank=True)
    certificate_no = models.CharField("证书编号", max_length=50, blank=True)
    obtained_on = models.DateField("取得时间", null=True, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "省职业资格证书"
        verbose_name_plural = "省职业资格证书"
        constraints = [_owner_check("provincialcertificate")]


class WorkExperience(SectionRow):
    start_date = models.DateField("开始时间", null=True, blank=True)
    end_date = models.DateField("结束时间", null=True, blank=True, help_text="留空并勾选“至今”表示目前在职。")
    until_now = models.BooleanField("至今", default=False)
    unit_name = models.CharField("工作单位", max_length=100, blank=True)
    position = models.CharField("职务/岗位", max_length=50, blank=True)
    duties = models.TextField("主要工作内容", blank=True)
    # Work experience from an earlier approved declaration is locked (002 item 7 note).
    locked = models.BooleanField("已锁定", default=False, editable=False)
    date_range = ("start_date", "end_date")

    class Meta(SectionRow.Meta):
        verbose_name = "工作经历"
        verbose_name_plural = "工作经历"
        constraints = [_owner_check("workexperience")]

    def clean(self) -> None:
        super().clean()
        if self.until_now and self.end_date:
            raise ValidationError({"end_date": "勾选“至今”时不要填写结束时间。"})


class Training(SectionRow):
    start_date = models.DateField("开始时间", null=True, blank=True)
    end_date = models.DateField("结束时间", null=True, blank=True)
    organiser = models.CharField("培训机构", max_length=100, blank=True)
    content = models.CharField("培训内容", max_length=200, blank=True)
    date_range = ("start_date", "end_date")

    class Meta(SectionRow.Meta):
        verbose_name = "学习培训经历"
        verbose_name_plural = "学习培训经历"
        constraints = [_owner_check("training")]


class Achievement(SectionRow):
    class Phase(models.TextChoices):
        BEFORE = "before", "任职前"
        AFTER = "after", "任职后"

    phase = models.CharField("阶段", max_length=10, choices=Phase.choices, default=Phase.AFTER)
    template = models.ForeignKey(AchievementTemplate, verbose_name="业绩成果模板", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    title = models.CharField("业绩名称", max_length=200, blank=True)
    start_date = models.DateField("开始时间", null=True, blank=True)
    end_date = models.DateField("结束时间", null=True, blank=True)
    details = models.JSONField("模板填写内容", default=dict, blank=True)
    description = models.TextField("业绩说明", blank=True)
    date_range = ("start_date", "end_date")

    class Meta(SectionRow.Meta):
        verbose_name = "专业技术工作业绩"
        verbose_name_plural = "专业技术工作业绩"
        constraints = [_owner_check("achievement")]


class Publication(SectionRow):
    title = models.CharField("著作/论文/报告名称", max_length=200, blank=True)
    kind = models.CharField("类别", max_length=20, blank=True)
    venue = models.CharField("刊物/出版社", max_length=100, blank=True)
    published_on = models.DateField("发表/出版时间", null=True, blank=True)
    author_rank = models.CharField("本人排名", max_length=20, blank=True)
    identifier = models.CharField("刊号/书号", max_length=50, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "著作、论文及重要技术报告"
        verbose_name_plural = "著作、论文及重要技术报告"
        constraints = [_owner_check("publication")]


class ExamResult(SectionRow):
    exam = models.CharField("考试名称", max_length=100, blank=True)
    subject = models.CharField("科目", max_length=50, blank=True)
    score = models.CharField("成绩", max_length=20, blank=True)
    exam_date = models.DateField("考试时间", null=True, blank=True)
    certificate_no = models.CharField("成绩证明编号", max_length=50, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "考试成绩"
        verbose_name_plural = "考试成绩"
        constraints = [_owner_check("examresult")]


class Assessment(SectionRow):
    class Result(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        COMPETENT = "competent", "合格（称职）"
        BASIC = "basic", "基本合格"
        FAIL = "fail", "不合格"

    year = models.PositiveIntegerField("考核年度", null=True, blank=True)
    result = models.CharField("考核结果", max_length=20, choices=Result.choices, blank=True)
    assessor = models.CharField("考核单位", max_length=100, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "年度考核情况"
        verbose_name_plural = "年度考核情况"
        constraints = [_owner_check("assessment")]


class SocialGroupPost(SectionRow):
    group = models.CharField("社会团体名称", max_length=100, blank=True)
    post = models.CharField("担任职务", max_length=50, blank=True)
    start_date = models.DateField("开始时间", null=True, blank=True)
    end_date = models.DateField("结束时间", null=True, blank=True)
    date_range = ("start_date", "end_date")

    class Meta(SectionRow.Meta):
        verbose_name = "社会团体任职情况"
        verbose_name_plural = "社会团体任职情况"
        constraints = [_owner_check("socialgrouppost")]


class ContinuingEducation(SectionRow):
    year = models.PositiveIntegerField("年度", null=True, blank=True)
    content = models.CharField("学习内容", max_length=200, blank=True)
    hours = models.PositiveIntegerField("学时", null=True, blank=True)
    organiser = models.CharField("组织单位", max_length=100, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "继续教育"
        verbose_name_plural = "继续教育"
        constraints = [_owner_check("continuingeducation")]


class OtherAttachment(SectionRow):
    """其他附件 (000 §4.1.1.14): 破格材料、加分材料 etc."""

    description = models.CharField("附件说明", max_length=100, blank=True)

    class Meta(SectionRow.Meta):
        verbose_name = "其他附件"
        verbose_name_plural = "其他附件"
        constraints = [_owner_check("otherattachment")]


class SocialInsurance(models.Model):
    """社保参保信息 — read-only in the dossier, imported from the social-insurance database by ID number."""

    id_number = models.CharField("身份证号码", max_length=18, db_index=True)
    unit_name = models.CharField("参保单位", max_length=100)
    start_month = models.DateField("参保开始")
    end_month = models.DateField("参保结束", null=True, blank=True)
    insurance_type = models.CharField("险种", max_length=30, default="城镇职工基本养老保险")
    source = models.CharField("数据来源", max_length=50, default="社保库导入")

    class Meta:
        verbose_name = "社保参保信息"
        verbose_name_plural = "社保参保信息"
        ordering = ["start_month"]

    def __str__(self) -> str:
        return f"{self.id_number} {self.unit_name}"


# ------------------------------------------------------------------------------------------ attachments
def _attachment_key(instance: Attachment, filename: str) -> str:
    # Generated names only: the uploaded file name is never part of the storage key.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    """A checked upload (image re-encoded or clean PDF), stored under a generated key (DCL-3)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                              related_name="attachments")
    declaration = models.ForeignKey(Declaration, verbose_name="申报", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="attachments")
    section = models.CharField("栏目", max_length=40)
    row_id = models.PositiveBigIntegerField("记录", null=True, blank=True)
    field = models.CharField("字段", max_length=60, blank=True, help_text="如 photo、entrust_proof、material:12")
    # Kept while a form that carried this upload failed validation; attached when the form is saved.
    pending = models.BooleanField("待保存", default=False)
    file = models.FileField("文件", upload_to=_attachment_key, max_length=200)
    display_name = models.CharField("文件名", max_length=120)
    content_type = models.CharField("类型", max_length=50)
    extension = models.CharField("扩展名", max_length=8)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["declaration", "section", "row_id"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
