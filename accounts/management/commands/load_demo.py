"""`manage.py load_demo` — the demo org tree of seed 000 §3.1.3 (cases 1–13) with one login per role.

Idempotent: every org is looked up by its unified social credit code and every person by their ID number before
anything is created, so a second run creates nothing and changes nothing. Everything below the root is created
through accounts.services acting as the parent unit's operator, exactly as a person would on the pages, so the
who-creates-whom rules (orgs.kinds.CREATION_RULES) are exercised.

All demo logins share DEMO_PASSWORD and are marked is_demo; they skip the first-login password change only while
settings.DEMO is on.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import roles as R
from accounts import services
from accounts.models import Role, RoleAssignment, User
from common.checksums import make_id_number, make_uscc
from orgs.kinds import UNIT_KINDS, OrgKind
from orgs.models import Org, Region
from orgs.regions import regions_load
from titles.demo import committees_count, committees_load

DEMO_PASSWORD = "Demo@2026"
# The demo password is published; a fixed salt makes its hash the same on every run, so a rerun can see that a
# password is already the demo one without re-hashing (and without changing the stored hash).
_DEMO_SALT = "zcdemo2026sichuan"

K = OrgKind
ENTERPRISE_KINDS = frozenset({K.PROV_ENTERPRISE, K.CITY_SOE, K.CITY_PRIVATE, K.COUNTY_SOE, K.COUNTY_PRIVATE})


@dataclass(frozen=True)
class Person:
    name: str
    male: bool


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    kind: str
    parent: str | None
    region: str  # GB/T 2260 code of the org's region (and of its 职称业务归属地)
    slug: str  # for the contact e-mail
    operator: Person
    applicant: Person | None = None
    case: int | None = None  # seed 000 §3.1.3 case number
    extra_roles: tuple[str, ...] = ()  # roles the operator holds besides the kind's operator role


# Parents before children. The 12 unit categories get an applicant (case 13); HR bureaus do not.
ORGS: tuple[OrgSpec, ...] = (
    OrgSpec("hr_sc", "四川省人力资源和社会保障厅", K.HR_PROVINCE, None, "510000", "scrst", Person("王建国", True),
            extra_roles=("office_senior",)),
    # 000 §6.1.1.5: the 高级知识产权师 committee's office and committee are both at this centre.
    OrgSpec("ip_center", "四川省知识产权服务促进中心", K.COMMITTEE_OFFICE, "hr_sc", "510000", "scipc",
            Person("蒋文博", True)),
    OrgSpec("caep", "中国工程物理研究院", K.CENTRAL, "hr_sc", "510000", "caep",
            Person("李明华", True), Person("张伟", True), case=1),
    OrgSpec("sc_agri", "四川省农业农村厅", K.PROV_DEPT, "hr_sc", "510000", "scnync",
            Person("刘芳", False), Person("陈静", False), case=2),
    OrgSpec("sc_water", "四川省水利厅", K.PROV_DEPT, "hr_sc", "510000", "scslt",
            Person("杨志强", True), Person("黄丽", False)),
    OrgSpec("sc_hydro", "四川省水文水资源勘测局", K.PROV_AFFILIATE, "sc_water", "510000", "scswj",
            Person("赵勇", True), Person("周婷", False), case=3),
    OrgSpec("sc_wdg", "四川省水利发展集团有限公司", K.PROV_ENTERPRISE, "sc_water", "510000", "scslfz",
            Person("吴军", True), Person("徐敏", False), case=4),
    OrgSpec("hr_ms", "眉山市人力资源和社会保障局", K.HR_CITY, "hr_sc", "511400", "msrsj",
            Person("孙丽娟", False), case=5),
    OrgSpec("hr_dp", "东坡区人力资源和社会保障局", K.HR_COUNTY, "hr_ms", "511402", "dprsj",
            Person("马超", True), case=9),
    OrgSpec("dp_water", "东坡区水利局", K.COUNTY_DEPT, "hr_dp", "511402", "dpslj",
            Person("朱红梅", False), Person("胡斌", True), case=10),
    OrgSpec("hr_dy", "德阳市人力资源和社会保障局", K.HR_CITY, "hr_sc", "510600", "dyrsj", Person("郭涛", True)),
    OrgSpec("dy_agri", "德阳市农业农村局", K.CITY_DEPT, "hr_dy", "510600", "dynyj",
            Person("何秀英", False), Person("高鹏", True), case=6),
    OrgSpec("hr_yb", "宜宾市人力资源和社会保障局", K.HR_CITY, "hr_sc", "511500", "ybrsj",
            Person("林晓燕", False), extra_roles=("city_dept",)),
    OrgSpec("yb_jinglei", "四川惊雷科技股份有限公司", K.CITY_PRIVATE, "hr_yb", "511500", "jlkj",
            Person("罗刚", True), Person("郑雪", False), case=7),
    OrgSpec("hr_cd", "成都市人力资源和社会保障局", K.HR_CITY, "hr_sc", "510100", "cdrsj", Person("梁文斌", True)),
    OrgSpec("cd_sasac", "成都市国有资产监督管理委员会", K.CITY_DEPT, "hr_cd", "510100", "cdgzw",
            Person("宋佳", False), Person("谢磊", True)),
    OrgSpec("cd_metro", "成都轨道交通集团有限公司", K.CITY_SOE, "cd_sasac", "510100", "cdgdjt",
            Person("唐浩", True), Person("韩冰", False), case=8),
    OrgSpec("hr_xd", "新都区人力资源和社会保障局", K.HR_COUNTY, "hr_cd", "510114", "xdrsj", Person("冯玉兰", False)),
    OrgSpec("xd_yongxing", "四川永星电子有限公司", K.COUNTY_PRIVATE, "hr_xd", "510114", "yxdz",
            Person("邓建华", True), Person("曹颖", False), case=11),
    OrgSpec("hr_nc", "南充市人力资源和社会保障局", K.HR_CITY, "hr_sc", "511300", "ncrsj", Person("彭伟", True)),
    OrgSpec("hr_pa", "蓬安县人力资源和社会保障局", K.HR_COUNTY, "hr_nc", "511323", "parsj", Person("曾凤", False)),
    OrgSpec("pa_soe", "蓬安县国有企业服务中心", K.COUNTY_DEPT, "hr_pa", "511323", "pagqzx",
            Person("肖军", True), Person("田甜", False)),
    OrgSpec("pa_mahui", "四川马回电力股份有限公司", K.COUNTY_SOE, "pa_soe", "511323", "mhdl",
            Person("董建平", True), Person("袁媛", False), case=12),
)  # fmt: skip

ADMIN = Person("系统管理员", True)
ADMIN_REGION = "510000"


# ------------------------------------------------------------------------------------------ deterministic data
def _person_index() -> dict[tuple[str, str], int]:
    """A fixed number for every demo person: 0 the superuser, then operator and applicant of each org in order."""
    index = {("admin", "admin"): 0}
    for spec in ORGS:
        index[(spec.key, "operator")] = len(index)
        if spec.applicant:
            index[(spec.key, "applicant")] = len(index)
    return index


PERSON_INDEX = _person_index()


def demo_id_number(region_code: str, person: Person, i: int) -> str:
    """A valid resident ID: region code, a birth date between 1968 and 1997, a sequence whose parity is the sex."""
    birth = dt.date(1968 + (i * 7) % 30, 1 + (i * 5) % 12, 1 + (i * 11) % 28)
    seq3 = f"{10 + i:02d}{7 if person.male else 4}"
    return make_id_number(region_code, birth, seq3)


def demo_mobile(i: int) -> str:
    return f"1380828{i:04d}"


def demo_uscc(spec: OrgSpec, i: int) -> str:
    """Authority 9 (market regulation) for enterprises, 1 (staffing office) for government and institutions."""
    if spec.kind in ENTERPRISE_KINDS:
        return make_uscc("9", "1", spec.region, f"MA6{21000 + i * 313:05d}")
    return make_uscc("1", "1", spec.region, f"00{451200 + i * 17:06d}")


def _operator_of(spec: OrgSpec) -> tuple[str, int]:
    i = PERSON_INDEX[(spec.key, "operator")]
    return demo_id_number(spec.region, spec.operator, i), i


def _applicant_of(spec: OrgSpec) -> tuple[str, int]:
    i = PERSON_INDEX[(spec.key, "applicant")]
    return demo_id_number(spec.region, spec.applicant, i), i


def admin_id_number() -> str:
    return demo_id_number(ADMIN_REGION, ADMIN, 0)


# ------------------------------------------------------------------------------------------ display helpers
def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


HEADERS = ("单位", "单位分类", "角色", "姓名", "登录名（身份证号码）")


class Command(BaseCommand):
    help = "创建演示数据：四川省行政区划、案例1–13的单位树、各单位经办人员和申报人、系统管理员（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("table", "markdown"), default="table", help="演示账号清单的输出格式。")

    def handle(self, *args, **options):
        with transaction.atomic():
            rows = self._load()
        if options["format"] == "markdown":
            self._print_markdown(rows)
        else:
            self._print_table(rows)

    # -------------------------------------------------------------------------------------- loading
    def _load(self) -> list[tuple[str, ...]]:
        self._demo_hash = make_password(DEMO_PASSWORD, salt=_DEMO_SALT)
        self.created: list[str] = []
        regions = regions_load()
        orgs: dict[str, Org] = {}
        operators: dict[str, User] = {}
        applicants: dict[str, User] = {}

        for spec in ORGS:
            region = regions[spec.region]
            if spec.parent is None:
                org, operator = self._root(spec, region)
            else:
                org, operator = self._unit(spec, region, orgs[spec.parent], operators[spec.parent])
            orgs[spec.key], operators[spec.key] = org, operator
            self._demo_user(operator)
            if spec.extra_roles:
                self._extra_roles(spec, org, operator)
            if spec.applicant or org.kind in UNIT_KINDS:
                if spec.applicant is None:
                    raise CommandError(f"演示数据缺少{spec.name}的申报人。")
                applicants[spec.key] = self._applicant(spec, org, operator)
                self._demo_user(applicants[spec.key])

        before = committees_count()
        committees_load(province=orgs["hr_sc"], ip_center=orgs["ip_center"], region=regions["510000"])
        if committees_count() != before:
            self.created.append("职称目录、评委会和评审活动")
        # The demo dossiers and review chain belong to apps to the right of accounts: imported here, at the one
        # place that orchestrates every app's demo data, not at module level.
        from certificates.demo import demo_certificates_load
        from declarations.demo import demo_declarations_load
        from workflow.demo import demo_reviews_load

        demo_declarations_load(applicants=applicants, created=self.created)
        demo_reviews_load(orgs=orgs, operators=operators, applicants=applicants, created=self.created)
        demo_certificates_load(orgs=orgs, operators=operators, applicants=applicants, created=self.created)
        admin = self._superuser()
        if self.created:
            self.stderr.write(f"新建：{len(self.created)} 项。")
        else:
            self.stderr.write("演示数据已是最新，未做任何修改。")
        return self._rows(orgs, operators, applicants, admin)

    def _root(self, spec: OrgSpec, region: Region) -> tuple[Org, User]:
        """The 省人社厅 has no creator: the org, its operator and the operator's role are made directly."""
        uscc = demo_uscc(spec, ORGS.index(spec))
        org = Org.objects.filter(uscc=uscc).first()
        if org is None:
            org = Org(
                name=spec.name,
                kind=spec.kind,
                region=region,
                locality=region,
                uscc=uscc,
                **self._contacts(spec, region),
            )
            org.full_clean(exclude=["path", "depth", "numchild", "parent"])
            org = Org.objects.add_root(instance=org)
            self.created.append(spec.name)
        else:
            self._check_org(org, spec, None)
        id_number, i = _operator_of(spec)
        operator = User.objects.filter(id_number=id_number).first()
        if operator is None:
            operator = User(
                username=id_number,
                id_number=id_number,
                name=spec.operator.name,
                mobile=demo_mobile(i),
                org=org,
                is_unit_admin=True,
                is_demo=True,
                must_change_password=False,
                password=self._demo_hash,
            )
            operator.full_clean()
            operator.save()
            self.created.append(operator.name)
        elif operator.org_id != org.pk:
            raise CommandError(f"身份证号码 {id_number} 已被其他单位的用户使用。")
        role = Role.objects.get(code=R.KIND_OPERATOR_ROLE[spec.kind])
        _, made = RoleAssignment.objects.get_or_create(user=operator, role=role, org=org)
        if made:
            self.created.append(f"{operator.name}·{role.name}")
        services.org_permissions_sync(user=operator, org=org)
        return org, operator

    def _unit(self, spec: OrgSpec, region: Region, parent: Org, actor: User) -> tuple[Org, User]:
        """Cases 1–12: the parent's operator creates the unit and its first operator through the service."""
        uscc = demo_uscc(spec, ORGS.index(spec))
        id_number, i = _operator_of(spec)
        org = Org.objects.filter(uscc=uscc).first()
        if org is None:
            made = services.org_create_with_operator(
                actor=actor,
                parent=parent,
                kind=spec.kind,
                name=spec.name,
                uscc=uscc,
                region=region,
                locality=region,
                **self._contacts(spec, region),
                operator_name=spec.operator.name,
                operator_id_number=id_number,
                operator_mobile=demo_mobile(i),
            )
            self.created.append(spec.name)
            return made.org, made.operator
        self._check_org(org, spec, parent)
        operator = User.objects.filter(id_number=id_number, org=org).first()
        if operator is None:
            raise CommandError(f"单位“{spec.name}”已存在，但找不到其演示经办人员（身份证号码 {id_number}）。")
        return org, operator

    def _check_org(self, org: Org, spec: OrgSpec, parent: Org | None) -> None:
        if org.kind != spec.kind or org.name != spec.name or org.parent_id != (parent.pk if parent else None):
            raise CommandError(f"统一社会信用代码 {org.uscc} 已被单位“{org.name}”使用，与演示数据“{spec.name}”不符。")

    def _contacts(self, spec: OrgSpec, region: Region) -> dict[str, str]:
        i = PERSON_INDEX[(spec.key, "operator")]
        return {
            "contact_person": spec.operator.name,
            "contact_phone": demo_mobile(i),
            "email": f"{spec.slug}@example.com",
            "address": f"{region.full_name}人民路{8 + i * 3}号",
        }

    def _extra_roles(self, spec: OrgSpec, org: Org, operator: User) -> None:
        """Seed note 1 of §3.1.2.2: e.g. the 宜宾市人社局 operator also holds 市(州)部门经办人员 there."""
        held = set(RoleAssignment.objects.filter(user=operator, org=org).values_list("role__code", flat=True))
        if set(spec.extra_roles) <= held:
            return
        services.user_roles_set(actor=operator, user=operator, org=org, role_codes=sorted(held | set(spec.extra_roles)))
        self.created.append(f"{operator.name}·{'、'.join(spec.extra_roles)}")

    def _applicant(self, spec: OrgSpec, org: Org, operator: User) -> User:
        """Case 13: the unit's operator adds one 申报人 to the unit."""
        id_number, i = _applicant_of(spec)
        user = User.objects.filter(id_number=id_number).first()
        if user is None:
            user, _ = services.staff_create(
                actor=operator,
                org=org,
                name=spec.applicant.name,
                id_number=id_number,
                mobile=demo_mobile(i),
                role_codes=[R.APPLICANT],
            )
            self.created.append(user.name)
            return user
        if user.org_id != org.pk:
            raise CommandError(f"身份证号码 {id_number} 已被其他单位的用户使用。")
        held = set(RoleAssignment.objects.filter(user=user, org=org).values_list("role__code", flat=True))
        if R.APPLICANT not in held:
            services.user_roles_set(actor=operator, user=user, org=org, role_codes=sorted(held | {R.APPLICANT}))
            self.created.append(f"{user.name}·{R.APPLICANT}")
        return user

    def _demo_user(self, user: User) -> None:
        changed = []
        if user.password != self._demo_hash:
            user.password = self._demo_hash
            changed.append("password")
        for field, value in (("is_demo", True), ("must_change_password", False)):
            if getattr(user, field) != value:
                setattr(user, field, value)
                changed.append(field)
        if changed:
            user.save(update_fields=changed)

    def _superuser(self) -> User:
        id_number = admin_id_number()
        user = User.objects.filter(id_number=id_number).first()
        if user is None:
            user = User(
                username=id_number,
                id_number=id_number,
                name=ADMIN.name,
                mobile=demo_mobile(0),
                is_staff=True,
                is_superuser=True,
                is_demo=True,
                must_change_password=False,
                password=self._demo_hash,
            )
            user.full_clean()
            user.save()
            self.created.append(user.name)
            return user
        changed = [f for f in ("is_staff", "is_superuser") if not getattr(user, f)]
        for f in changed:
            setattr(user, f, True)
        if changed:
            user.save(update_fields=changed)
        self._demo_user(user)
        return user

    # -------------------------------------------------------------------------------------- output
    def _rows(self, orgs, operators, applicants, admin) -> list[tuple[str, ...]]:
        rows = [("—", "—", "系统管理员（后台 /admin/）", admin.name, admin.username)]
        for spec in sorted(ORGS, key=lambda s: orgs[s.key].path):
            org = orgs[spec.key]
            kind = org.get_kind_display()
            op = operators[spec.key]
            roles = (
                RoleAssignment.objects.filter(user=op, org=org)
                .order_by("role__seq")
                .values_list("role__name", flat=True)
            )
            rows.append((org.name, kind, "、".join(roles), op.name, op.username))
            if spec.key in applicants:
                a = applicants[spec.key]
                rows.append((org.name, kind, R.ROLE_BY_CODE[R.APPLICANT].name, a.name, a.username))
        return rows

    def _print_table(self, rows: list[tuple[str, ...]]) -> None:
        widths = [max(_width(r[c]) for r in (HEADERS, *rows)) for c in range(len(HEADERS))]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("演示账号（登录名为身份证号码）：")
        self.stdout.write("  ".join(_pad(h, w) for h, w in zip(HEADERS, widths, strict=True)).rstrip())
        self.stdout.write(line)
        for r in rows:
            self.stdout.write("  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)).rstrip())
        self.stdout.write(line)
        self.stdout.write(f"所有演示账号的密码：{DEMO_PASSWORD}")

    def _print_markdown(self, rows: list[tuple[str, ...]]) -> None:
        self.stdout.write("| " + " | ".join(HEADERS) + " |")
        self.stdout.write("|" + "|".join("---" for _ in HEADERS) + "|")
        for r in rows:
            cells = [*r[:4], f"`{r[4]}`"]
            self.stdout.write("| " + " | ".join(cells) + " |")
        self.stdout.write("")
        self.stdout.write(f"所有演示账号的密码：`{DEMO_PASSWORD}`")
