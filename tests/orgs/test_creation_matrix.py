"""ORG-2: who creates whom (000 §3.1.1.1), proved through the create page for every creator kind × target kind."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from guardian.shortcuts import get_perms

from accounts.models import RoleAssignment, User
from accounts.roles import KIND_OPERATOR_ROLE, ROLE_BY_CODE
from accounts.services import (
    MSG_ID_TAKEN,
    MSG_KIND_NOT_ALLOWED,
    MSG_REGION_LEVEL,
    MSG_USCC_TAKEN,
)
from accounts.validators import FiveRulesPasswordValidator
from common.checksums import MSG_ID_CHECK, MSG_USCC_CHECK, USCC_CHARSET
from orgs.kinds import HR_KINDS, OrgKind, creatable_kinds, may_create
from orgs.models import Org, Region
from tests.factories import create_unit, next_id_number, region_for, regions

from .helpers import build_org, create_form_data, input_value, parse_form, select_options, target_region

pytestmark = pytest.mark.django_db

ALL_KINDS = [k.value for k in OrgKind]
PAIRS = [
    pytest.param(c, t, id=f"{c}-{'may-create' if may_create(c, t) else 'may-not-create'}-{t}")
    for c in ALL_KINDS
    for t in ALL_KINDS
]


def _counts() -> tuple[int, int, int]:
    return Org.objects.count(), User.objects.count(), RoleAssignment.objects.count()


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _nearest_hr(org: Org) -> Org | None:
    for o in [org, *reversed(list(org.ancestors()))]:
        if o.kind in HR_KINDS:
            return o
    return None


def test_the_matrix_covers_all_sixteen_kinds_in_both_roles():
    assert len(ALL_KINDS) == 16
    assert len(PAIRS) == 256


@pytest.mark.parametrize(("creator_kind", "target_kind"), PAIRS)
def test_an_operator_creates_exactly_the_kinds_the_table_allows(creator_kind, target_kind):
    creator, operator = build_org(creator_kind)
    assert creator.kind == creator_kind
    # The region of the target kind's level, or — where none lies inside the creator's region (a county unit posting
    # a provincial kind) — the creator's own: the form accepts it and the kind is judged before the region.
    region = target_region(target_kind, creator)
    name = f"新建{OrgKind(target_kind).label}"
    data = create_form_data(kind=target_kind, region=region, name=name)
    before = _counts()

    response = _logged_in(operator).post(f"/orgs/{creator.pk}/new/", data)

    if may_create(creator_kind, target_kind):
        # Every allowed pair goes downwards, so the right-level region lies inside the creator's: all data is valid.
        assert region == region_for(target_kind)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == "/password/once/"
        org = Org.objects.get(name=name)
        assert org.kind == target_kind
        assert org.parent_id == creator.pk
        # The materialised path agrees with the parent FK: the new org sits directly under the creator.
        assert org.path[: -Org.steplen] == creator.path and org.depth == creator.depth + 1
        assert org.is_active
        assert org.region == region and org.locality == region
        assert org.hr_department == (None if target_kind in HR_KINDS else _nearest_hr(creator))

        first = User.objects.get(org=org)
        assert first.username == first.id_number == data["operator_id_number"]
        assert first.name == "李经办"
        assert first.is_unit_admin
        assert first.must_change_password
        role_code = KIND_OPERATOR_ROLE[target_kind]
        assert list(RoleAssignment.objects.filter(user=first).values_list("role__code", "org_id")) == [
            (role_code, org.pk)
        ]
        # guardian object permissions on the new org: what the kind's operator role grants, plus staff management.
        assert set(get_perms(first, org)) == set(ROLE_BY_CODE[role_code].permissions) | {"manage_staff"}
        # The first operator manages subordinate units exactly when the new org's kind creates any (CREATION_RULES).
        assert first.has_perm("orgs.manage_subunits", org) == bool(creatable_kinds(target_kind))
        assert not first.has_perm("orgs.manage_subunits", creator)
        assert _counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
        return

    assert _counts() == before
    assert not Org.objects.filter(name=name).exists()
    assert not User.objects.filter(id_number=data["operator_id_number"]).exists()
    if not creatable_kinds(creator_kind):
        # A unit that creates nothing has no create page at all.
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    refusal = MSG_KIND_NOT_ALLOWED.format(creator=OrgKind(creator_kind).label, kind=OrgKind(target_kind).label)
    assert refusal in page
    assert "不能创建" in page
    assert input_value(page, "name") == name


@pytest.mark.parametrize("creator_kind", sorted(k for k in ALL_KINDS if creatable_kinds(k)))
def test_the_create_form_offers_only_the_kinds_the_creator_may_create(creator_kind):
    creator, operator = build_org(creator_kind)

    response = _logged_in(operator).get(f"/orgs/{creator.pk}/new/")

    assert response.status_code == 200
    offered = select_options(response.content.decode(), "kind")
    assert {value for value, _ in offered} == set(creatable_kinds(creator_kind))
    assert all(label == OrgKind(value).label for value, label in offered)


def test_the_create_form_offers_regions_only_inside_the_creators_region():
    creator, operator = build_org(OrgKind.HR_CITY)  # in 眉山市
    r = regions()

    page = _logged_in(operator).get(f"/orgs/{creator.pk}/new/").content.decode()

    offered = {int(v) for v, _ in select_options(page, "region")}
    assert offered == {r["city"].pk, r["county"].pk}
    assert r["city2"].pk not in offered and r["county2"].pk not in offered


@pytest.mark.parametrize("kind", [OrgKind.COUNTY_SOE, OrgKind.CENTRAL, OrgKind.CITY_PRIVATE, OrgKind.COMMITTEE_OFFICE])
def test_an_operator_of_a_kind_that_creates_nothing_gets_404_on_the_create_page(kind):
    org, operator = build_org(kind)
    client = _logged_in(operator)
    before = _counts()

    assert client.get(f"/orgs/{org.pk}/new/").status_code == 404
    data = create_form_data(kind=OrgKind.COUNTY_PRIVATE, region=region_for(OrgKind.COUNTY_PRIVATE))
    assert client.post(f"/orgs/{org.pk}/new/", data).status_code == 404
    assert _counts() == before


# --------------------------------------------------------------------------------------------- one-time password
def _create_county_dept() -> tuple[Client, dict[str, str]]:
    creator, operator = build_org(OrgKind.HR_COUNTY)
    client = _logged_in(operator)
    data = create_form_data(kind=OrgKind.COUNTY_DEPT, region=region_for(OrgKind.COUNTY_DEPT), name="东坡区水利局")
    response = client.post(f"/orgs/{creator.pk}/new/", data)
    assert response.status_code == 302 and response["Location"] == "/password/once/"
    return client, data


def _shown_password(html: str) -> str:
    start = html.index('id="otp-password">') + len('id="otp-password">')
    return unescape(html[start : html.index("</code>", start)])  # the page escapes & as &amp;


def test_the_initial_password_is_shown_once_and_a_reload_does_not_show_it_again():
    client, data = _create_county_dept()

    first = client.get("/password/once/")
    assert first.status_code == 200
    page = first.content.decode()
    assert "只显示这一次" in page
    assert data["operator_id_number"] in page
    password = _shown_password(page)
    operator = User.objects.get(id_number=data["operator_id_number"])
    assert operator.check_password(password)
    org = Org.objects.get(name="东坡区水利局")
    assert f'href="/orgs/{org.pk}/"' in page  # "继续" leads to the new unit

    again = client.get("/password/once/")
    assert again.status_code == 302 and again["Location"] == "/"
    followed = client.get("/password/once/", follow=True)
    assert password not in followed.content.decode()
    assert "初始密码只显示一次" in client.get("/password/once/", follow=True).content.decode()


def test_the_initial_password_meets_the_five_rules_and_forces_a_change_at_first_login():
    client, data = _create_county_dept()
    password = _shown_password(client.get("/password/once/").content.decode())
    assert len(password) >= 8
    assert any(c.isupper() for c in password)
    assert any(c.islower() for c in password)
    assert any(c.isdigit() for c in password)
    assert any(not c.isalnum() for c in password)
    FiveRulesPasswordValidator().validate(password)  # raises if any rule fails

    new_user = Client()
    login = new_user.post("/login/", {"username": data["operator_id_number"], "password": password})
    assert login.status_code == 302
    org = Org.objects.get(name="东坡区水利局")
    for url in ("/", "/orgs/", f"/orgs/{org.pk}/", "/staff/"):
        r = new_user.get(url)
        assert r.status_code == 302 and r["Location"] == "/password/", url
    assert new_user.get("/password/").status_code == 200

    changed = new_user.post(
        "/password/", {"old_password": password, "new_password1": "Xin@Mima2026", "new_password2": "Xin@Mima2026"}
    )
    assert changed.status_code == 302 and changed["Location"] == "/"
    assert not User.objects.get(id_number=data["operator_id_number"]).must_change_password
    assert new_user.get("/").status_code == 200
    assert new_user.get(f"/orgs/{org.pk}/").status_code == 200


# --------------------------------------------------------------------------------------------- refusals keep the form
def _dup_uscc(creator, operator):
    return {"uscc": creator.uscc}, MSG_USCC_TAKEN


def _bad_uscc_check(creator, operator):
    valid = create_form_data(kind=OrgKind.CITY_DEPT, region=creator.region)["uscc"]
    wrong = next(c for c in USCC_CHARSET if c != valid[-1])
    return {"uscc": valid[:17] + wrong}, MSG_USCC_CHECK


def _bad_operator_id(creator, operator):
    valid = next_id_number()
    wrong = "0" if valid[-1] != "0" else "1"
    return {"operator_id_number": valid[:17] + wrong}, MSG_ID_CHECK


def _operator_id_taken(creator, operator):
    return {"operator_id_number": operator.id_number}, MSG_ID_TAKEN.format(id=operator.id_number)


def _region_wrong_level(creator, operator):
    county = regions()["county"]  # 东坡区 lies in 眉山市 but a 市(州)部门单位 sits in a city
    return {"region": str(county.pk), "locality": str(county.pk)}, MSG_REGION_LEVEL.format(
        kind=OrgKind.CITY_DEPT.label, level=Region.RegionLevel.CITY.label
    )


@pytest.mark.parametrize(
    "bad",
    [_dup_uscc, _bad_uscc_check, _bad_operator_id, _operator_id_taken, _region_wrong_level],
    ids=["duplicate-uscc", "uscc-check-char", "operator-id-check-digit", "operator-id-has-account", "region-level"],
)
def test_invalid_data_is_refused_in_chinese_nothing_is_created_and_the_form_keeps_what_was_typed(bad):
    creator, operator = build_org(OrgKind.HR_CITY)
    create_unit(actor=operator, parent=creator, kind=OrgKind.CITY_DEPT)  # the creator already has a unit
    changes, message = bad(creator, operator)
    data = {**create_form_data(kind=OrgKind.CITY_DEPT, region=creator.region, name="眉山市水利局"), **changes}
    data["operator_name"] = "王经办"
    before = _counts()

    response = _logged_in(operator).post(f"/orgs/{creator.pk}/new/", data)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert _counts() == before
    assert not Org.objects.filter(name="眉山市水利局").exists()
    assert input_value(page, "name") == "眉山市水利局"
    assert input_value(page, "operator_name") == "王经办"
    assert input_value(page, "uscc") == data["uscc"]
    assert input_value(page, "operator_id_number") == data["operator_id_number"]
    kind_selected = [value for value, _, selected in parse_form(page).selects["kind"] if selected]
    assert kind_selected == [OrgKind.CITY_DEPT]


def _lookalike(id_number: str, zero: int) -> str:
    """The same ID number with its second digit typed in another script (zero: code point of that script's 0)."""
    return id_number[0] + chr(zero + int(id_number[1])) + id_number[2:]


def test_an_operator_id_typed_with_a_look_alike_digit_is_not_a_second_account_for_the_same_person():
    creator, operator = build_org(OrgKind.HR_CITY)
    data = create_form_data(
        kind=OrgKind.CITY_DEPT,
        region=creator.region,
        name="眉山市水利局",
        operator_id_number=_lookalike(operator.id_number, 0x0660),
    )
    before = _counts()

    response = _logged_in(operator).post(f"/orgs/{creator.pk}/new/", data)

    assert response.status_code == 200
    assert _counts() == before


def test_an_operator_id_typed_with_a_full_width_digit_of_an_existing_account_is_refused():
    creator, operator = build_org(OrgKind.HR_CITY)
    data = create_form_data(
        kind=OrgKind.CITY_DEPT,
        region=creator.region,
        name="眉山市水利局",
        operator_id_number=_lookalike(operator.id_number, 0xFF10),
    )
    before = _counts()

    response = _logged_in(operator).post(f"/orgs/{creator.pk}/new/", data)

    assert response.status_code == 200
    html = response.content.decode()
    # Refused either as a look-alike of the existing account or because only ASCII digits are valid.
    assert "已存在" in html or "已注册" in html or "应为18位" in html
    assert _counts() == before


def test_a_new_operator_id_typed_with_a_full_width_digit_is_stored_in_ascii_or_refused():
    creator, operator = build_org(OrgKind.HR_CITY)
    ascii_id = next_id_number()
    data = create_form_data(
        kind=OrgKind.CITY_DEPT,
        region=creator.region,
        name="眉山市水利局",
        operator_id_number=_lookalike(ascii_id, 0xFF10),
    )

    _logged_in(operator).post(f"/orgs/{creator.pk}/new/", data)

    created = User.objects.filter(org__name="眉山市水利局").first()
    assert created is None or created.id_number == ascii_id
