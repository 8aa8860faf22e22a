"""The org tree (ORG-1) and the administrative regions it sits in.

Both trees are django-treebeard materialised-path trees (MP_Node): every node stores its path from the
root, so "all units under X" is one `path LIKE 'X%'` query and "all ancestors of X" one `path IN (...)`
query computed from the string — nothing walks the tree in Python or issues a query per level.
treebeard is maintained, database-agnostic (SQLite and PostgreSQL) and has admin support; PostgreSQL's
ltree would tie the embedded SQLite default out.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from treebeard.mp_tree import MP_Node

from common.checksums import normalize_uscc, validate_uscc

from .kinds import HR_KINDS, KIND_LEVEL, REGION_LEVEL_FOR, UNIT_KINDS, OrgKind


class Region(MP_Node):
    """Administrative region: province → city (市/州) → county (县/区)."""

    class RegionLevel(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市(州)"
        COUNTY = "county", "县(区)"

    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)

    steplen = 3
    node_order_by = []

    class Meta:
        verbose_name = "行政区域"
        verbose_name_plural = "行政区域"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        paths = [self.path[: i * self.steplen] for i in range(1, self.depth)]
        return "".join(Region.objects.filter(path__in=paths).order_by("depth").values_list("name", flat=True)) + self.name


def _validate_uscc_field(value: str) -> None:
    validate_uscc(value)


class Org(MP_Node):
    name = models.CharField("单位名称", max_length=100, db_index=True)
    kind = models.CharField("单位分类", max_length=20, choices=OrgKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.ForeignKey(
        Region, verbose_name="所属行政区域", on_delete=models.PROTECT, related_name="orgs"
    )
    locality = models.ForeignKey(
        Region,
        verbose_name="职称业务归属地",
        on_delete=models.PROTECT,
        related_name="localized_orgs",
        help_text="办理职称业务的归属地，非单位所在地：省属单位选省本级，市属单位选对应市。",
    )
    hr_department = models.ForeignKey(
        "self",
        verbose_name="人社部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hr_units",
        help_text="该单位职称业务所属的省/市(州)/县(区)人社部门。",
    )
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[_validate_uscc_field]
    )
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通讯地址", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    steplen = 4
    node_order_by = []

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]
        permissions = [
            ("manage_subunits", "管理下级单位"),
            ("manage_staff", "管理本单位人员"),
            ("review_declarations", "审核申报材料"),
            ("run_committee", "评委会办公室业务"),
            ("configure_paths", "配置审核路径"),
            ("manage_catalogue", "维护职称目录"),
            ("declare", "申报职称"),
            ("manage_certificates", "证书管理"),
        ]

    def __str__(self) -> str:
        return self.name

    # -- derived facts ---------------------------------------------------------------------------
    @property
    def level(self) -> str:
        return KIND_LEVEL[self.kind]

    @property
    def is_unit(self) -> bool:
        return self.kind in UNIT_KINDS

    @property
    def is_hr(self) -> bool:
        return self.kind in HR_KINDS

    def subtree(self, *, include_self: bool = True) -> models.QuerySet[Org]:
        """This org and everything under it, as one query on the materialised path."""
        qs = Org.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_descendant_of_path(self, path: str, *, strict: bool = True) -> bool:
        return self.path.startswith(path) and (not strict or self.path != path)

    def ancestor_paths(self) -> list[str]:
        return [self.path[: i * self.steplen] for i in range(1, self.depth)]

    def ancestors(self) -> models.QuerySet[Org]:
        return Org.objects.filter(path__in=self.ancestor_paths()).order_by("depth")

    # -- invariants ------------------------------------------------------------------------------
    def clean(self) -> None:
        errors = {}
        if self.uscc:
            self.uscc = normalize_uscc(self.uscc)
        if self.kind and self.region_id:
            want = REGION_LEVEL_FOR[KIND_LEVEL[self.kind]]
            if self.region.level != want:
                errors["region"] = f"{self.get_kind_display()}的所属行政区域应选择{Region.RegionLevel(want).label}级区域。"
        if self.hr_department_id and self.hr_department.kind not in HR_KINDS:
            errors["hr_department"] = "人社部门必须是省人社厅、市(州)人社局或县(区)人社局。"
        if errors:
            raise ValidationError(errors)
