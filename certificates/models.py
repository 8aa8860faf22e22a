"""Certificates (CRT-1 … CRT-4, CRT-6): issuing-unit codes, number ranges, the certificates themselves (each row is
also the outbox row of its PDF job), issue batches, ministry reports and Excel imports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from declarations.models import Declaration
from orgs.models import Org
from titles.catalogue import Level


class IssuingUnit(models.Model):
    """发证单位编码 (003 §1.9): the code an org prints into its certificate numbers — usually the last four digits
    of its 统筹区 (region) code. Cancelled with a reason, never deleted once it has issued."""

    code = models.CharField("发证单位编码", max_length=8, unique=True,
                            validators=[RegexValidator(r"^\d{4,8}$", "发证单位编码须为4至8位数字。")])
    org = models.OneToOneField(Org, verbose_name="发证单位", on_delete=models.PROTECT, related_name="issuing_unit")
    is_active = models.BooleanField("有效", default=True)
    cancel_reason = models.CharField("注销原因", max_length=200, blank=True)
    cancelled_at = models.DateTimeField("注销时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "发证单位编码"
        verbose_name_plural = "发证单位编码"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.org.name}"


class NumberRange(models.Model):
    """证书编号库 (003 §1.16): a range of sequence numbers of one issuing unit and year. Numbers are taken in order
    under a row lock; when every range is used up a new one is added after the last (it extends itself).
    The certificate number is ``{year}{code}{seq:06d}``; Certificate.number is unique in the database."""

    issuing_unit = models.ForeignKey(IssuingUnit, verbose_name="发证单位", on_delete=models.PROTECT,
                                     related_name="ranges")
    year = models.PositiveIntegerField("年度")
    start = models.PositiveIntegerField("开始序号")
    end = models.PositiveIntegerField("结束序号")
    next_seq = models.PositiveIntegerField("下一个序号")
    auto = models.BooleanField("自动扩充", default=False)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "证书编号库"
        verbose_name_plural = "证书编号库"
        ordering = ["issuing_unit", "year", "start"]
        constraints = [
            models.UniqueConstraint(fields=["issuing_unit", "year", "start"], name="uniq_number_range_start"),
            models.CheckConstraint(condition=models.Q(start__gte=1) & models.Q(end__gte=models.F("start"))
                                   & models.Q(end__lte=999999), name="number_range_bounds"),
            models.CheckConstraint(condition=models.Q(next_seq__gte=models.F("start"))
                                   & models.Q(next_seq__lte=models.F("end") + 1), name="number_range_next_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.issuing_unit.code} {self.year} {self.start}–{self.end}"

    @property
    def remaining(self) -> int:
        return self.end - self.next_seq + 1

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError("结束序号不能小于开始序号。")
        if self.end and self.end > 999999:
            raise ValidationError("序号不能超过999999。")


class IssueBatch(models.Model):
    """One press of 发放证书: the certificates it issued and their PDF progress."""

    org = models.ForeignKey(Org, verbose_name="发证单位", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("发放时间", auto_now_add=True)
    source = models.CharField("来源", max_length=20, default="issue")

    class Meta:
        verbose_name = "发证批次"
        verbose_name_plural = "发证批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.org} {self.created_at:%Y-%m-%d %H:%M}"


class Certificate(models.Model):
    """职称电子证书. Holder and qualification data are copied in at issue (the certificate must not change when the
    catalogue or the person's account does). The row is also the outbox of its PDF job (pdf_state …)."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    class PdfState(models.TextChoices):
        PENDING = "pending", "待生成"
        RUNNING = "running", "生成中"
        DONE = "done", "已生成"
        FAILED = "failed", "生成失败"

    class Source(models.TextChoices):
        REVIEW = "review", "评审发证"
        IMPORT = "import", "批量导入"

    number = models.CharField("证书编号", max_length=20, unique=True)
    # Public handle for the verification URL / QR code (the number is also accepted).
    token = models.UUIDField("验证码", default=uuid.uuid4, unique=True, editable=False)
    declaration = models.OneToOneField(Declaration, verbose_name="申报", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="certificate")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="持证人账号", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="certificates")
    holder_name = models.CharField("姓名", max_length=50)
    holder_id_number = models.CharField("身份证号", max_length=18, db_index=True)
    gender = models.CharField("性别", max_length=4, blank=True)
    work_unit = models.CharField("工作单位", max_length=120, blank=True)
    series = models.CharField("系列", max_length=60)
    specialty = models.CharField("专业", max_length=60)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    qualification = models.CharField("资格名称", max_length=60)
    committee = models.CharField("评审委员会", max_length=120, blank=True)
    approved_on = models.DateField("评审通过时间")
    issued_on = models.DateField("发证日期")
    document_number = models.CharField("发文文号", max_length=60, blank=True)
    issuing_unit = models.ForeignKey(IssuingUnit, verbose_name="发证单位", on_delete=models.PROTECT,
                                     related_name="certificates")
    issuing_org_name = models.CharField("发证单位名称", max_length=120)
    photo = models.CharField("照片", max_length=200, blank=True, help_text="照片文件在存储中的键")
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.REVIEW)
    batch = models.ForeignKey(IssueBatch, verbose_name="发证批次", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="certificates")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发证人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.VALID, db_index=True)
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    reported_at = models.DateTimeField("上报人社部时间", null=True, blank=True, db_index=True)
    report = models.ForeignKey("MinistryReport", verbose_name="上报批次", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="certificates")

    # The PDF job (outbox): written in the issuing transaction, enqueued on commit, swept when stale.
    pdf_state = models.CharField("电子证书", max_length=20, choices=PdfState.choices, default=PdfState.PENDING,
                                 db_index=True)
    pdf_claim = models.UUIDField("任务认领", null=True, blank=True)
    pdf_claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    pdf_enqueued_at = models.DateTimeField("入队时间", null=True, blank=True)
    pdf_attempts = models.PositiveIntegerField("生成次数", default=0)
    pdf_error = models.CharField("失败原因", max_length=500, blank=True)
    pdf_file = models.CharField("文件", max_length=200, blank=True)
    pdf_sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    pdf_size = models.PositiveIntegerField("文件大小", default=0)
    pdf_done_at = models.DateTimeField("生成时间", null=True, blank=True)

    class Meta:
        verbose_name = "职称证书"
        verbose_name_plural = "职称证书"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["pdf_state", "pdf_enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.holder_name}"

    @property
    def masked_name(self) -> str:
        """张三 → 张*, 欧阳小明 → 欧**明 (the public page shows no full name)."""
        n = self.holder_name
        if len(n) <= 1:
            return "*"
        if len(n) == 2:
            return n[0] + "*"
        return n[0] + "*" * (len(n) - 2) + n[-1]

    @property
    def masked_id_number(self) -> str:
        v = self.holder_id_number
        return v[:3] + "*" * (len(v) - 7) + v[-4:] if len(v) > 7 else "*" * len(v)


class MinistryReport(models.Model):
    """证书报送人社部 (003 §1.18): one export of certificate data, in the format of docs/ministry-report.md."""

    org = models.ForeignKey(Org, verbose_name="上报单位", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("上报时间", auto_now_add=True)
    count = models.PositiveIntegerField("证书数", default=0)
    rereport = models.BooleanField("重新上报", default=False)

    class Meta:
        verbose_name = "人社部上报批次"
        verbose_name_plural = "人社部上报批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.count}"


class ImportJob(models.Model):
    """批量导入 (003 §1.29): an uploaded Excel file validated row by row in the background, committed on confirm."""

    class State(models.TextChoices):
        VALIDATING = "validating", "校验中"
        VALIDATED = "validated", "校验完成"
        COMMITTING = "committing", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "失败"

    org = models.ForeignKey(Org, verbose_name="发证单位", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    file = models.FileField("文件", upload_to="imports/%Y/%m/", max_length=200)
    file_name = models.CharField("文件名", max_length=120)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.VALIDATING)
    total = models.PositiveIntegerField("总行数", default=0)
    processed = models.PositiveIntegerField("已处理", default=0)
    passed = models.PositiveIntegerField("校验通过", default=0)
    failed = models.PositiveIntegerField("校验不通过", default=0)
    committed = models.PositiveIntegerField("已导入", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    # [{"row": 5, "errors": ["身份证号校验位错误"]}, ...] and the valid rows as cleaned dicts.
    row_errors = models.JSONField("不通过记录", default=list)
    valid_rows = models.JSONField("通过记录", default=list)
    claim = models.UUIDField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "证书导入"
        verbose_name_plural = "证书导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.get_state_display()}"

    @property
    def percent(self) -> int:
        if self.state in (self.State.VALIDATING,) and self.total:
            return min(100, self.processed * 100 // self.total)
        if self.state == self.State.COMMITTING and self.passed:
            return min(100, self.committed * 100 // self.passed)
        return 100 if self.state in (self.State.VALIDATED, self.State.DONE) else 0
