"""ACC-2 (000 §3.1.2): the 17 system roles, the kind ↔ role table, and the unit admin's staff and role pages.

Everything is driven through the real pages with django.test.Client; permissions are read back from
django-guardian on fresh user instances.
"""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects, assertTemplateUsed

from accounts import roles as R
from accounts.models import Role, RoleAssignment, User
from accounts.services import MSG_ID_TAKEN, MSG_SELF
from common.checksums import MSG_ID_CHECK, MSG_ID_FORMAT
from orgs.kinds import UNIT_KINDS, OrgKind
from orgs.models import Org
from tests.factories import PASSWORD, create_unit, make_user, next_id_number, province_root

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nq7!vLp2#xWz"

# 000 §3.1.2.1, verbatim (序号, 系统角色, 分类). Row 1 has a full-width closing parenthesis in the seed.
SEED_ROLES = [
    (1, "省人社厅经办人员(职称）", "特殊"),
    (2, "市(州)人社局经办人员(职称)", "特殊"),
    (3, "县(区)人社局经办人员(职称)", "特殊"),
    (4, "高评办经办人员(职称)", "特殊"),
    (5, "中评办经办人员(职称)", "特殊"),
    (6, "初评办经办人员(职称)", "特殊"),
    (7, "中央在川单位经办人员(职称)", "普通"),
    (8, "省级部门经办人员(职称)", "普通"),
    (9, "省级部门所属单位经办人员(职称)", "普通"),
    (10, "省级企业经办人员(职称)", "普通"),
    (11, "市(州)部门经办人员(职称)", "普通"),
    (12, "市(州)部门所属单位经办人员(职称)", "普通"),
    (13, "市(州)企业经办人员(职称)", "普通"),
    (14, "县(区)部门经办人员(职称)", "普通"),
    (15, "县(区)部门所属单位经办人员(职称)", "普通"),
    (16, "县(区)企业经办人员(职称)", "普通"),
    (17, "申报人(职称)", "普通"),
]

# 000 §3.1.2.2: 单位分类 → 角色.
SEED_KIND_ROLE = {
    "中央在川单位": "中央在川单位经办人员(职称)",
    "省级部门单位": "省级部门经办人员(职称)",
    "省级部门所属单位": "省级部门所属单位经办人员(职称)",
    "省级企业": "省级企业经办人员(职称)",
    "市(州)人社局": "市(州)人社局经办人员(职称)",
    "市(州)部门单位": "市(州)部门经办人员(职称)",
    "市(州)部门所属单位": "市(州)部门所属单位经办人员(职称)",
    "市(州)国营企业": "市(州)企业经办人员(职称)",
    "市(州)私营企业": "市(州)企业经办人员(职称)",
    "县(区)人社局": "县(区)人社局经办人员(职称)",
    "县(区)部门单位": "县(区)部门经办人员(职称)",
    "县(区)部门所属单位": "县(区)部门所属单位经办人员(职称)",
    "县(区)国营企业": "县(区)企业经办人员(职称)",
    "县(区)私营企业": "县(区)企业经办人员(职称)",
}


def _ascii_parens(s: str) -> str:
    return s.replace("（", "(").replace("）", ")")


# --------------------------------------------------------------------------------------------- helpers
def _as(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _city():
    """省人社厅 → 眉山市人社局; returns (province org, province operator, city org, city unit admin)."""
    prov, prov_op = province_root()
    city, city_op = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY)
    return prov, prov_op, city, city_op


def _county_private():
    """A 县(区)私营企业 built down the who-creates-whom chain, with its unit admin."""
    _, _, city, city_op = _city()
    county_hr, county_op = create_unit(actor=city_op, parent=city, kind=OrgKind.HR_COUNTY)
    firm, firm_op = create_unit(actor=county_op, parent=county_hr, kind=OrgKind.COUNTY_PRIVATE)
    return firm, firm_op


def _codes(user: User, org: Org) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user, org=org).values_list("role__code", flat=True))


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _post_roles(client: Client, target: User, codes: list[str]):
    # A browser always sends the CSRF token, so an empty picker still makes a bound form.
    return client.post(f"/staff/{target.pk}/roles/", {"csrfmiddlewaretoken": "x", "roles": codes})


def _select(html: str, css_class: str) -> str:
    m = re.search(rf'<select[^>]*class="{css_class}"[^>]*>(.*?)</select>', html, re.S)
    assert m, f"no select.{css_class}"
    return m.group(1)


def _option_values(select_html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', select_html)


def _nav(html: str) -> str:
    m = re.search(r'<nav class="sidebar".*?</nav>', html, re.S)
    return m.group(0) if m else ""


def _otp(resp) -> tuple[str, str]:
    html = resp.content.decode()
    username = re.search(r'<code id="otp-username">([^<]+)</code>', html).group(1)
    password = re.search(r'<code id="otp-password">([^<]+)</code>', html).group(1)
    return username, html_lib.unescape(password)


def _bad_check_char(idn: str) -> str:
    wrong = next(c for c in "0123456789X" if c != idn[17])
    return idn[:17] + wrong


def _id_ending_in_x() -> str:
    for _ in range(2000):
        idn = next_id_number()
        if idn.endswith("X"):
            return idn
    raise AssertionError("no X id number")


# --------------------------------------------------------------------------------------------- 17 roles
def test_the_17_system_roles_exist_with_seed_names_and_numbering():
    rows = list(Role.objects.filter(is_system=True).order_by("seq").values_list("seq", "name", "category"))
    labels = dict(Role.Category.choices)
    assert [(seq, name, labels[cat]) for seq, name, cat in rows] == [
        (seq, _ascii_parens(name), cat) for seq, name, cat in SEED_ROLES
    ]
    assert Role.objects.filter(is_system=True, owner_org__isnull=True).count() == 17
    assert len({r.code for r in R.SYSTEM_ROLES}) == 17


def test_system_roles_carry_their_permissions():
    for rd in R.SYSTEM_ROLES:
        role = Role.objects.get(code=rd.code)
        got = set(role.permissions.values_list("codename", flat=True))
        assert got == set(rd.permissions), rd.code
        assert role.permissions.filter(content_type__app_label="orgs", content_type__model="org").count() == len(got)
    assert set(Role.objects.get(code="applicant").permissions.values_list("codename", flat=True)) == {"declare"}
    for code in ("hr_province", "hr_city", "hr_county"):
        assert Role.objects.get(code=code).permissions.filter(codename="manage_subunits").exists()
    assert Role.objects.get(code="hr_province").permissions.filter(codename="manage_catalogue").exists()
    assert not Role.objects.get(code="hr_city").permissions.filter(codename="manage_catalogue").exists()


def test_kind_role_table_covers_every_kind_and_matches_the_seed():
    roles = {r.code: r for r in Role.objects.all()}
    for kind in OrgKind:
        code = R.KIND_OPERATOR_ROLE[kind]
        assert code in roles, kind
        assert code in R.roles_allowed_for_kind(kind), kind
        if kind.label in SEED_KIND_ROLE:
            assert roles[code].name == SEED_KIND_ROLE[kind.label], kind
    assert set(SEED_KIND_ROLE) <= {k.label for k in OrgKind}
    # 评委会办事机构 is not in the seed's table; its operator is a committee-office role.
    assert R.KIND_OPERATOR_ROLE[OrgKind.COMMITTEE_OFFICE] in R.OFFICE_ROLES


def test_allowed_roles_per_kind_follow_the_seed_notes():
    for kind in OrgKind:
        allowed = set(R.roles_allowed_for_kind(kind))
        # Note 2: committee-office roles may sit in any org.
        assert set(R.OFFICE_ROLES) <= allowed, kind
        # No org may hold another kind's operator role, except note 1 (人社局 are also department units).
        others = {R.KIND_OPERATOR_ROLE[k] for k in OrgKind} - {R.KIND_OPERATOR_ROLE[kind]} - set(R.OFFICE_ROLES)
        extra = allowed & others
        expected_extra = {OrgKind.HR_CITY: {"city_dept"}, OrgKind.HR_COUNTY: {"county_dept"}}.get(kind, set())
        assert extra == expected_extra, kind
        if kind in UNIT_KINDS:
            assert R.APPLICANT in allowed, kind
    assert "hr_province" not in R.roles_allowed_for_kind(OrgKind.COUNTY_PRIVATE)


# --------------------------------------------------------------------------------------------- staff create
def test_unit_admin_adds_staff_with_roles_and_one_time_password():
    _, _, city, admin = _city()
    c = _as(admin)
    page = c.get("/staff/new/")
    assert page.status_code == 200
    # The picker offers only the roles this org's kind may hold.
    offered = _option_values(_select(page.content.decode(), "picker-left"))
    assert offered == list(R.roles_allowed_for_kind(OrgKind.HR_CITY))

    idn = _id_ending_in_x()
    resp = c.post(
        "/staff/new/",
        {"name": "科员甲", "id_number": idn.lower(), "mobile": "13800000001", "roles": ["hr_city", "applicant"]},
    )
    assertRedirects(resp, "/password/once/", fetch_redirect_response=False)
    user = User.objects.get(id_number=idn)
    assert user.username == idn  # login name = ID number, normalised to upper-case X
    assert user.org == city
    assert user.name == "科员甲" and user.mobile == "13800000001"
    assert user.must_change_password is True
    assert user.is_unit_admin is False
    assert _codes(user, city) == {"hr_city", "applicant"}
    assert _fresh(user).has_perm("orgs.manage_subunits", city)
    assert _fresh(user).has_perm("orgs.declare", city)

    once = c.get("/password/once/")
    assert once.status_code == 200
    username, password = _otp(once)
    assert username == idn
    # Shown once only.
    again = c.get("/password/once/")
    assertRedirects(again, "/", fetch_redirect_response=False)
    assertNotContains(c.get("/"), password)

    # The new user logs in with it and must change it first.
    u = Client()
    assertRedirects(u.post("/login/", {"username": idn, "password": password}), "/", fetch_redirect_response=False)
    assertRedirects(u.get("/"), "/password/", fetch_redirect_response=False)
    r = u.post("/password/", {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assertRedirects(r, "/", fetch_redirect_response=False)
    assert _fresh(user).must_change_password is False
    assert u.get("/").status_code == 200


def test_staff_list_shows_staff_and_their_roles():
    _, _, city, admin = _city()
    staff = make_user(org=city, name="科员乙", roles=("applicant",))
    resp = _as(admin).get("/staff/")
    assert resp.status_code == 200
    assertContains(resp, "科员乙")
    assertContains(resp, staff.username)
    assertContains(resp, "申报人(职称)")
    assertContains(resp, f"/staff/{staff.pk}/roles/")


def test_duplicate_id_number_is_refused_and_form_keeps_values():
    _, _, city, admin = _city()
    existing = make_user(org=city, name="老用户")
    before = User.objects.count()
    resp = _as(admin).post(
        "/staff/new/",
        {"name": "新来的", "id_number": existing.id_number, "mobile": "13900000002", "roles": ["applicant"]},
    )
    assert resp.status_code == 200
    assertContains(resp, MSG_ID_TAKEN.format(id=existing.id_number))
    assert User.objects.count() == before
    html = resp.content.decode()
    assert 'value="新来的"' in html
    assert 'value="13900000002"' in html
    assert _option_values(_select(html, "picker-right")) == ["applicant"]


def test_duplicate_id_number_with_lower_case_x_is_refused():
    _, _, city, admin = _city()
    idn = _id_ending_in_x()
    u = make_user(org=city, name="老用户")
    User.objects.filter(pk=u.pk).update(username=idn, id_number=idn)
    before = User.objects.count()
    resp = _as(admin).post("/staff/new/", {"name": "新来的", "id_number": idn.lower(), "mobile": ""})
    assertContains(resp, MSG_ID_TAKEN.format(id=idn))
    assert User.objects.count() == before


def test_duplicate_id_number_in_another_org_is_refused():
    prov, prov_op, city, admin = _city()
    other_city, _ = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY, second_region=True)
    elsewhere = make_user(org=other_city, name="外单位")
    before = User.objects.count()
    resp = _as(admin).post("/staff/new/", {"name": "新来的", "id_number": elsewhere.id_number})
    assertContains(resp, MSG_ID_TAKEN.format(id=elsewhere.id_number))
    assert User.objects.count() == before


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        pytest.param(lambda: _bad_check_char(next_id_number()), MSG_ID_CHECK, id="check-char"),
        pytest.param(lambda: "51010419800101", MSG_ID_FORMAT, id="too-short"),
        pytest.param(lambda: "5101041980010A0011", MSG_ID_FORMAT, id="letter-inside"),
    ],
)
def test_invalid_id_number_is_refused_and_form_keeps_values(make_bad, message):
    _, _, _, admin = _city()
    bad = make_bad()
    before = User.objects.count()
    resp = _as(admin).post(
        "/staff/new/", {"name": "王五", "id_number": bad, "mobile": "13700000003", "roles": ["applicant"]}
    )
    assert resp.status_code == 200
    assertContains(resp, message)
    assert User.objects.count() == before
    html = resp.content.decode()
    assert 'value="王五"' in html
    assert f'value="{bad}"' in html
    assert 'value="13700000003"' in html


def test_staff_create_with_a_role_the_kind_may_not_hold_is_refused():
    firm, admin = _county_private()
    before = User.objects.count(), RoleAssignment.objects.count()
    resp = _as(admin).post(
        "/staff/new/", {"name": "赵六", "id_number": next_id_number(), "roles": ["applicant", "hr_province"]}
    )
    assert resp.status_code == 200
    assertContains(resp, "“省人社厅经办人员(职称)”不能授予县(区)私营企业的用户。")
    assert (User.objects.count(), RoleAssignment.objects.count()) == before
    assertContains(resp, 'value="赵六"')


def test_staff_create_for_another_org_is_refused():
    prov, prov_op, city, admin = _city()
    other_city, _ = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY, second_region=True)
    before = User.objects.count()
    resp = _as(admin).post(
        f"/staff/new/?org={other_city.pk}", {"name": "外人", "id_number": next_id_number(), "org": str(other_city.pk)}
    )
    assert resp.status_code == 404
    assert User.objects.count() == before


# --------------------------------------------------------------------------------------------- role picker
def test_roles_page_has_the_two_list_picker():
    _, _, city, admin = _city()
    staff = make_user(org=city, name="科员甲", roles=("applicant",))
    resp = _as(admin).get(f"/staff/{staff.pk}/roles/")
    assert resp.status_code == 200
    assertTemplateUsed(resp, "widgets/role_picker.html")
    html = resp.content.decode()
    assert "可选角色" in html and "已授予角色" in html
    left, right = _select(html, "picker-left"), _select(html, "picker-right")
    # Available on the left, granted on the right — and left comes first on the page.
    assert html.index('class="picker-left"') < html.index('class="picker-right"')
    assert _option_values(right) == ["applicant"]
    assert "selected" in right
    assert set(_option_values(left)) == set(R.roles_allowed_for_kind(OrgKind.HR_CITY)) - {"applicant"}
    assert "hr_province" not in _option_values(left)
    # Only the right-hand list is submitted.
    assert 'name="roles"' in re.search(r'<select[^>]*class="picker-right"[^>]*>', html).group(0)
    assert 'name="roles"' not in re.search(r'<select[^>]*class="picker-left"[^>]*>', html).group(0)


def test_granting_and_removing_a_role_moves_guardian_permissions_on_that_org_only():
    prov, prov_op, city, admin = _city()
    sibling, _ = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY, second_region=True)
    county, _ = create_unit(actor=admin, parent=city, kind=OrgKind.HR_COUNTY)
    staff = make_user(org=city, name="科员甲")
    c = _as(admin)
    assert not _fresh(staff).has_perm("orgs.manage_subunits", city)

    resp = _post_roles(c, staff, ["hr_city"])
    assertRedirects(resp, "/staff/", fetch_redirect_response=False)
    assert _codes(staff, city) == {"hr_city"}
    u = _fresh(staff)
    assert u.has_perm("orgs.manage_subunits", city)
    assert u.has_perm("orgs.configure_paths", city)
    assert u.has_perm("orgs.review_declarations", city)
    for elsewhere in (prov, sibling, county):
        assert not _fresh(staff).has_perm("orgs.manage_subunits", elsewhere), elsewhere.name
    assert not _fresh(staff).has_perm("orgs.manage_subunits")  # no global permission either
    assert not _fresh(staff).has_perm("orgs.manage_staff", city)  # a role is not unit-admin rights
    # The right works on the pages too: the org list opens.
    assert _as(staff).get("/orgs/").status_code == 200

    resp = _post_roles(c, staff, ["applicant"])
    assertRedirects(resp, "/staff/", fetch_redirect_response=False)
    assert _codes(staff, city) == {"applicant"}
    u = _fresh(staff)
    assert not u.has_perm("orgs.manage_subunits", city)
    assert not u.has_perm("orgs.configure_paths", city)
    assert u.has_perm("orgs.declare", city)
    assert _as(staff).get("/orgs/").status_code == 404

    resp = _post_roles(c, staff, [])
    assertRedirects(resp, "/staff/", fetch_redirect_response=False)
    assert _codes(staff, city) == set()
    assert not _fresh(staff).has_perm("orgs.declare", city)


def test_assigning_a_role_to_a_user_of_another_org_is_404():
    prov, prov_op, city, admin = _city()
    sibling, sibling_admin = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY, second_region=True)
    outsider = make_user(org=sibling, name="外单位人员")
    c = _as(admin)
    assert c.get(f"/staff/{outsider.pk}/roles/").status_code == 404
    assert _post_roles(c, outsider, ["hr_city"]).status_code == 404
    assert _codes(outsider, sibling) == set()
    assert not RoleAssignment.objects.filter(user=outsider).exists()
    assert not _fresh(outsider).has_perm("orgs.manage_subunits", sibling)
    # The parent org's admin is not the unit admin of the child org either.
    assert _as(prov_op).get(f"/staff/{admin.pk}/roles/").status_code == 404
    # Password reset and deactivation of another org's user are 404 as well, and change nothing.
    assert c.post(f"/staff/{outsider.pk}/password/").status_code == 404
    assert c.post(f"/staff/{outsider.pk}/deactivate/").status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.check_password(PASSWORD)


def test_forged_role_code_the_kind_may_not_hold_is_refused():
    firm, admin = _county_private()
    staff = make_user(org=firm, name="员工甲", roles=("applicant",))
    c = _as(admin)
    resp = _post_roles(c, staff, ["hr_province"])
    assert resp.status_code == 200
    assertContains(resp, "“省人社厅经办人员(职称)”不能授予县(区)私营企业的用户。")
    assert _codes(staff, firm) == {"applicant"}
    assert not _fresh(staff).has_perm("orgs.manage_catalogue", firm)

    # Mixed with allowed roles: still nothing changes.
    resp = _post_roles(c, staff, ["county_enterprise", "hr_city"])
    assertContains(resp, "“市(州)人社局经办人员(职称)”不能授予县(区)私营企业的用户。")
    assert _codes(staff, firm) == {"applicant"}
    assert not _fresh(staff).has_perm("orgs.manage_subunits", firm)

    # A code that is no role at all.
    resp = _post_roles(c, staff, ["no_such_role"])
    assert resp.status_code == 200
    assert resp.context["form"].errors["roles"]
    assert _codes(staff, firm) == {"applicant"}


def test_a_custom_role_of_another_org_is_refused():
    prov, prov_op, city, admin = _city()
    sibling, _ = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY, second_region=True)
    Role.objects.create(
        code="sibling_custom", name="兄弟单位自定义角色", category="custom", is_system=False, owner_org=sibling
    )
    staff = make_user(org=city, name="科员甲")
    resp = _post_roles(_as(admin), staff, ["sibling_custom"])
    assertContains(resp, "“兄弟单位自定义角色”不能授予市(州)人社局的用户。")
    assert _codes(staff, city) == set()


def test_non_admin_operator_cannot_reach_the_staff_pages():
    _, _, city, admin = _city()
    operator = make_user(org=city, name="经办非管理员", roles=("hr_city",))
    staff = make_user(org=city, name="科员甲")
    c = _as(operator)
    for url in (
        "/staff/",
        "/staff/new/",
        f"/staff/{staff.pk}/roles/",
        f"/staff/{staff.pk}/password/",
        f"/staff/{staff.pk}/deactivate/",
    ):
        assert c.get(url).status_code == 404, url
    before = User.objects.count()
    assert c.post("/staff/new/", {"name": "偷偷加", "id_number": next_id_number()}).status_code == 404
    assert _post_roles(c, staff, ["hr_city"]).status_code == 404
    assert c.post(f"/staff/{staff.pk}/deactivate/").status_code == 404
    assert c.post(f"/staff/{staff.pk}/password/").status_code == 404
    assert User.objects.count() == before
    staff.refresh_from_db()
    assert staff.is_active and staff.check_password(PASSWORD)
    assert _codes(staff, city) == set()


# --------------------------------------------------------------------------------------------- activate / reset
def test_unit_admin_cannot_deactivate_themselves():
    _, _, city, admin = _city()
    c = _as(admin)
    resp = c.post(f"/staff/{admin.pk}/deactivate/")
    assertRedirects(resp, "/staff/", fetch_redirect_response=False)
    assert _fresh(admin).is_active
    assertContains(c.get("/staff/"), MSG_SELF)
    # The list offers no deactivate link for oneself.
    assertNotContains(c.get("/staff/"), f"/staff/{admin.pk}/deactivate/")


def test_deactivate_and_reactivate_staff_with_confirmation():
    _, _, city, admin = _city()
    staff = make_user(org=city, name="科员甲")
    c = _as(admin)
    assertContains(c.get("/staff/"), f"/staff/{staff.pk}/deactivate/")

    page = c.get(f"/staff/{staff.pk}/deactivate/")
    assert page.status_code == 200
    assertContains(page, "确定停用 科员甲 的账号吗？")
    assert _fresh(staff).is_active  # GET changes nothing

    assertRedirects(c.post(f"/staff/{staff.pk}/deactivate/"), "/staff/", fetch_redirect_response=False)
    assert not _fresh(staff).is_active
    listing = c.get("/staff/")
    assertContains(listing, "账号 科员甲 已停用。")
    assertContains(listing, "已停用")
    s = Client()
    s.post("/login/", {"username": staff.username, "password": PASSWORD})
    assert "_auth_user_id" not in s.session

    page = c.get(f"/staff/{staff.pk}/activate/")
    assertContains(page, "确定启用 科员甲 的账号吗？")
    assert not _fresh(staff).is_active

    assertRedirects(c.post(f"/staff/{staff.pk}/activate/"), "/staff/", fetch_redirect_response=False)
    assert _fresh(staff).is_active
    s = Client()
    assertRedirects(
        s.post("/login/", {"username": staff.username, "password": PASSWORD}), "/", fetch_redirect_response=False
    )


def test_deactivating_staff_ends_their_open_session():
    _, _, city, admin = _city()
    staff = make_user(org=city, name="科员甲")
    s = _as(staff)
    assert s.get("/").status_code == 200
    _as(admin).post(f"/staff/{staff.pk}/deactivate/")
    r = s.get("/")
    assert r.status_code == 302 and r.url.startswith("/login/")


def test_password_reset_gives_a_new_one_time_password():
    _, _, city, admin = _city()
    staff = make_user(org=city, name="科员甲")
    c = _as(admin)
    page = c.get(f"/staff/{staff.pk}/password/")
    assert page.status_code == 200
    assertContains(page, "确定为 科员甲 生成新的一次性初始密码吗？")
    assert _fresh(staff).check_password(PASSWORD)  # GET changes nothing

    resp = c.post(f"/staff/{staff.pk}/password/")
    assertRedirects(resp, "/password/once/", fetch_redirect_response=False)
    username, password = _otp(c.get("/password/once/"))
    assert username == staff.username
    assert password != PASSWORD
    fresh = _fresh(staff)
    assert fresh.must_change_password is True
    assert fresh.check_password(password)
    assert not fresh.check_password(PASSWORD)
    assertRedirects(c.get("/password/once/"), "/", fetch_redirect_response=False)

    s = Client()
    assertRedirects(
        s.post("/login/", {"username": staff.username, "password": password}), "/", fetch_redirect_response=False
    )
    assertRedirects(s.get("/staff/"), "/password/", fetch_redirect_response=False)
    assertRedirects(s.get("/"), "/password/", fetch_redirect_response=False)


# --------------------------------------------------------------------------------------------- home and menu
def test_home_lists_the_users_orgs_and_roles():
    _, _, city, admin = _city()
    resp = _as(admin).get("/")
    assert resp.status_code == 200
    assertContains(resp, "我的单位与角色")
    assertContains(resp, city.name)
    assertContains(resp, "市(州)人社局")
    assertContains(resp, "市(州)人社局经办人员(职称)")
    assertContains(resp, f"您是“{city.name}”的单位管理员。")

    staff = make_user(org=city, name="科员甲", roles=("applicant", "office_senior"))
    resp = _as(staff).get("/")
    assertContains(resp, "申报人(职称)")
    assertContains(resp, "高评办经办人员(职称)")
    assertNotContains(resp, "市(州)人社局经办人员(职称)")
    assertNotContains(resp, "的单位管理员。")

    nobody = make_user(org=city, name="无角色")
    assertContains(_as(nobody).get("/"), "您尚未被授予任何单位角色。")


@pytest.mark.parametrize(
    ("roles", "admin", "sees_orgs", "sees_staff"),
    [
        pytest.param(("applicant",), False, False, False, id="applicant"),
        pytest.param(("hr_city",), False, True, False, id="operator-not-admin"),
        pytest.param(("applicant",), True, False, True, id="admin-without-subunit-right"),
        pytest.param(("hr_city",), True, True, True, id="operator-and-admin"),
    ],
)
def test_menu_and_pages_follow_the_rights(roles, admin, sees_orgs, sees_staff):
    _, _, city, _ = _city()
    user = make_user(org=city, name="某人", roles=roles, admin=admin)
    c = _as(user)
    nav = _nav(c.get("/").content.decode())
    assert "首页" in nav and "修改密码" in nav
    assert ("下级单位管理" in nav) is sees_orgs
    assert ('href="/orgs/"' in nav) is sees_orgs
    assert ("本单位人员与角色" in nav) is sees_staff
    assert ('href="/staff/"' in nav) is sees_staff
    # Server-side as well, not only hidden.
    assert c.get("/orgs/").status_code == (200 if sees_orgs else 404)
    assert c.get(f"/orgs/{city.pk}/new/").status_code == (200 if sees_orgs else 404)
    assert c.get("/staff/").status_code == (200 if sees_staff else 404)
    assert c.get("/staff/new/").status_code == (200 if sees_staff else 404)
