"""`manage.py load_demo`: the demo tree of seed 000 §3.1.3 (cases 1–13), built through the services, idempotent."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from guardian.models import UserObjectPermission

from accounts.management.commands.load_demo import DEMO_PASSWORD, ORGS, admin_id_number
from accounts.models import RoleAssignment, User
from accounts.roles import APPLICANT, KIND_OPERATOR_ROLE
from common.checksums import validate_id_number, validate_uscc
from orgs.kinds import REGION_LEVEL_FOR, UNIT_KINDS, OrgKind, creatable_kinds
from orgs.models import Org, Region
from orgs.regions import REGIONS, regions_load

K = OrgKind

# seed case → (org name, kind, parent name)
CASES = {
    1: ("中国工程物理研究院", K.CENTRAL, "四川省人力资源和社会保障厅"),
    2: ("四川省农业农村厅", K.PROV_DEPT, "四川省人力资源和社会保障厅"),
    3: ("四川省水文水资源勘测局", K.PROV_AFFILIATE, "四川省水利厅"),
    4: ("四川省水利发展集团有限公司", K.PROV_ENTERPRISE, "四川省水利厅"),
    5: ("眉山市人力资源和社会保障局", K.HR_CITY, "四川省人力资源和社会保障厅"),
    6: ("德阳市农业农村局", K.CITY_DEPT, "德阳市人力资源和社会保障局"),
    7: ("四川惊雷科技股份有限公司", K.CITY_PRIVATE, "宜宾市人力资源和社会保障局"),
    8: ("成都轨道交通集团有限公司", K.CITY_SOE, "成都市国有资产监督管理委员会"),
    9: ("东坡区人力资源和社会保障局", K.HR_COUNTY, "眉山市人力资源和社会保障局"),
    10: ("东坡区水利局", K.COUNTY_DEPT, "东坡区人力资源和社会保障局"),
    11: ("四川永星电子有限公司", K.COUNTY_PRIVATE, "新都区人力资源和社会保障局"),
    12: ("四川马回电力股份有限公司", K.COUNTY_SOE, "蓬安县国有企业服务中心"),
}
ROOT = "四川省人力资源和社会保障厅"


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "regions": sorted(Region.objects.values_list("code", "name", "path")),
        "orgs": sorted(Org.objects.values_list("pk", "path", "name", "kind", "uscc", "updated_at")),
        "users": sorted(
            User.objects.values_list(
                "pk",
                "username",
                "password",
                "org_id",
                "is_unit_admin",
                "is_demo",
                "must_change_password",
                "is_staff",
                "is_superuser",
            )
        ),
        "roles": sorted(RoleAssignment.objects.values_list("user_id", "role__code", "org_id")),
        "perms": sorted(UserObjectPermission.objects.values_list("user_id", "permission__codename", "object_pk")),
    }


@pytest.mark.django_db
def test_running_twice_changes_nothing():
    load_demo()
    first = snapshot()
    assert len(first["orgs"]) == len(ORGS)
    load_demo()
    assert snapshot() == first


@pytest.mark.django_db
def test_regions_load_is_idempotent():
    by_code = regions_load()
    assert len(by_code) == len(REGIONS) == 1 + 21 + 183
    assert regions_load().keys() == by_code.keys()
    assert Region.objects.count() == len(REGIONS)
    assert by_code["510000"].level == "province" and by_code["510000"].depth == 1
    assert Region.objects.get_parent(by_code["511323"]).code == "511300"
    assert by_code["513400"].name == "凉山彝族自治州"
    assert by_code["510114"].full_name == "四川省成都市新都区"


@pytest.mark.django_db
def test_cases_form_the_seed_tree():
    load_demo()
    root = Org.objects.get(name=ROOT)
    assert root.depth == 1 and root.kind == K.HR_PROVINCE and root.region.code == "510000"
    for case, (name, kind, parent_name) in CASES.items():
        org = Org.objects.get(name=name)
        assert org.kind == kind, case
        assert org.parent.name == parent_name, case
        assert Org.objects.get_parent(org).pk == org.parent_id, case  # the treebeard path agrees with the parent FK
        assert org.locality_id == org.region_id, case
        assert org.region.level == REGION_LEVEL_FOR[org.level], case


@pytest.mark.django_db
def test_every_org_has_one_unit_admin_with_its_operator_role():
    load_demo()
    for org in Org.objects.all():
        admins = list(User.objects.filter(org=org, is_unit_admin=True))
        assert len(admins) == 1, org.name
        admin = admins[0]
        assert RoleAssignment.objects.filter(user=admin, org=org, role__code=KIND_OPERATOR_ROLE[org.kind]).exists()
        # Operators of kinds that create units (orgs.kinds.CREATION_RULES) manage subordinate units; others don't.
        assert admin.has_perm("orgs.manage_subunits", org) == bool(creatable_kinds(org.kind)), org.name
        assert admin.has_perm("orgs.manage_staff", org), org.name
        assert admin.is_demo and not admin.must_change_password and admin.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_yibin_hr_operator_also_holds_the_city_department_role():
    load_demo()
    org = Org.objects.get(name="宜宾市人力资源和社会保障局")
    admin = User.objects.get(org=org, is_unit_admin=True)
    codes = set(RoleAssignment.objects.filter(user=admin, org=org).values_list("role__code", flat=True))
    assert codes == {"hr_city", "city_dept"}


@pytest.mark.django_db
def test_each_unit_has_an_applicant():
    load_demo()
    units = Org.objects.filter(kind__in=UNIT_KINDS)
    assert units.count() == 13
    for org in units:
        applicants = User.objects.filter(org=org, role_assignments__role__code=APPLICANT, role_assignments__org=org)
        assert applicants.count() == 1, org.name
        applicant = applicants.get()
        assert not applicant.is_unit_admin
        assert applicant.has_perm("orgs.declare", org)
        assert applicant.is_demo and applicant.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_demo_ids_and_credit_codes_are_valid():
    load_demo()
    for user in User.objects.all():
        assert validate_id_number(user.id_number) == user.id_number == user.username
        assert user.is_demo
    for org in Org.objects.all():
        assert validate_uscc(org.uscc) == org.uscc
        assert org.uscc[2:8] == org.region.code
        assert org.contact_person and org.contact_phone and org.email and org.address
    admin = User.objects.get(username=admin_id_number())
    assert admin.is_superuser and admin.is_staff and admin.name == "系统管理员"


@pytest.mark.django_db
def test_province_operator_logs_in_and_reaches_home(client, settings):
    settings.DEMO = True  # demo logins skip the first-login password change only in demo mode
    load_demo()
    operator = User.objects.get(org__name=ROOT, is_unit_admin=True)
    response = client.post("/login/", {"username": operator.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_printed_table_lists_every_demo_login():
    out = load_demo()
    assert DEMO_PASSWORD in out
    for user in User.objects.all():
        assert user.username in out


@pytest.mark.django_db
def test_docs_table_matches_the_command():
    """docs/demo-logins.md holds the table `load_demo --format markdown` prints (regenerate it if this fails)."""
    out = StringIO()
    call_command("load_demo", "--format", "markdown", stdout=out, stderr=StringIO())
    docs = (Path(django_settings.BASE_DIR) / "docs" / "demo-logins.md").read_text(encoding="utf-8")
    assert out.getvalue().strip() in docs
