from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission, UserManager
from django.db import models
from django.utils import timezone

from common.checksums import normalize_id_number, validate_id_number
from orgs.models import Org


def _validate_id(value: str) -> None:
    validate_id_number(value)


class AccountManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: normalize_id_number(username)})


class User(AbstractUser):
    """Everyone who logs in. The login name is the 18-digit resident ID number (000 §3.1.2.3, 002 §1.2.3)."""

    username = models.CharField("登录名", max_length=30, unique=True, error_messages={"unique": "该登录名已存在。"})
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField(
        "身份证号码",
        max_length=18,
        unique=True,
        validators=[_validate_id],
        error_messages={"unique": "该身份证号码已注册，一个身份证号码只能有一个账号。"},
    )
    mobile = models.CharField("手机号码", max_length=20, blank=True)
    org = models.ForeignKey(
        Org, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_unit_admin = models.BooleanField("单位管理员", default=False, help_text="单位的超级管理员，可管理本单位人员和角色。")
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    is_demo = models.BooleanField("演示账号", default=False)

    objects = AccountManager()
    REQUIRED_FIELDS = ["name", "id_number"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["org_id", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）" if self.name else self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        if self.id_number:
            self.id_number = normalize_id_number(self.id_number)
        if self.username:
            self.username = normalize_id_number(self.username)

    @property
    def needs_password_change(self) -> bool:
        if self.is_demo and settings.DEMO:
            return False
        return self.must_change_password or (self.is_demo and not settings.DEMO)

    def mark_password_changed(self) -> None:
        self.must_change_password = False
        self.password_changed_at = timezone.now()


class Role(models.Model):
    """A role (000 §3.1.2.1). System roles come from a data migration; a unit may add custom ones (ACC-2)."""

    class Category(models.TextChoices):
        SPECIAL = "special", "特殊"
        NORMAL = "normal", "普通"
        CUSTOM = "custom", "自定义"

    code = models.CharField("代码", max_length=40, unique=True)
    name = models.CharField("角色名称", max_length=60)
    seq = models.PositiveSmallIntegerField("序号", default=0)
    category = models.CharField("分类", max_length=10, choices=Category.choices)
    is_system = models.BooleanField("系统角色", default=True)
    owner_org = models.ForeignKey(
        Org, verbose_name="所属单位", null=True, blank=True, on_delete=models.CASCADE, related_name="custom_roles",
        help_text="自定义角色所属单位；系统角色为空。",
    )
    permissions = models.ManyToManyField(Permission, verbose_name="权限", blank=True, related_name="zc_roles")

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["seq", "name"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A role held in an org: (user, role, org)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, verbose_name="角色", on_delete=models.PROTECT, related_name="assignments")
    org = models.ForeignKey(Org, verbose_name="单位", on_delete=models.PROTECT, related_name="role_assignments")
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="uniq_role_in_org")]
        ordering = ["org_id", "user_id", "role__seq"]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.org}"


class BlacklistEntry(models.Model):
    """黑名单 (CRT-7, 003 §1.21): a person (by resident ID) who may not start or submit a declaration while the
    entry is in force. Lifted with a reason, never deleted (the history stays)."""

    id_number = models.CharField("身份证号", max_length=18, db_index=True, validators=[validate_id_number])
    name = models.CharField("姓名", max_length=50)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="账号", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField("列入原因", max_length=500)
    document = models.CharField("处理文号", max_length=100, blank=True)
    until = models.DateField("限制截止日期", null=True, blank=True, help_text="留空表示直至解除。")
    org = models.ForeignKey(Org, verbose_name="登记单位", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField("列入时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="解除人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    lift_reason = models.CharField("解除原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "黑名单"
        verbose_name_plural = "黑名单"
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=models.Q(lifted_at__isnull=True),
                                    name="one_active_blacklist_entry_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number}）"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None and (self.until is None or self.until >= timezone.localdate())
