"""ORG-4: every org page is scoped to the org tree — a unit reaches only what lies under the orgs it manages."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import get_resolver

from accounts import services
from accounts.models import User
from accounts.services import MSG_HAS_ACTIVE_CHILDREN, MSG_REGION_LEVEL, MSG_USCC_TAKEN
from common.checksums import MSG_USCC_CHECK, USCC_CHARSET
from orgs.kinds import OrgKind
from orgs.models import Org, Region
from tests.factories import PASSWORD, create_unit, make_user, province_root, regions

from .helpers import create_form_data, input_value

pytestmark = pytest.mark.django_db


@dataclass
class Tree:
    root: Org
    P: Org  # 眉山市人社局 (hr_city)
    A: Org  # 东坡区人社局 (hr_county), under P
    B: Org  # 眉山市交通运输局 (city_dept), under P — A's sibling
    B1: Org  # 眉山市公路事务中心 (city_affiliate), under B
    C: Org  # 东坡区教育局 (county_dept), under A
    ops: dict[str, User]


@pytest.fixture
def tree() -> Tree:
    root, root_op = province_root()
    P, p_op = create_unit(actor=root_op, parent=root, kind=OrgKind.HR_CITY, name="眉山市人力资源和社会保障局")
    A, a_op = create_unit(actor=p_op, parent=P, kind=OrgKind.HR_COUNTY, name="东坡区人力资源和社会保障局")
    B, b_op = create_unit(actor=p_op, parent=P, kind=OrgKind.CITY_DEPT, name="眉山市交通运输局")
    B1, _ = create_unit(actor=b_op, parent=B, kind=OrgKind.CITY_AFFILIATE, name="眉山市公路事务中心")
    C, c_op = create_unit(actor=a_op, parent=A, kind=OrgKind.COUNTY_DEPT, name="东坡区教育局")
    return Tree(root, P, A, B, B1, C, {"parent": p_op, "own": a_op, "sibling": b_op, "child": c_op})


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _fresh(org: Org) -> Org:
    return Org.objects.get(pk=org.pk)


def _state(t: Tree):
    """Everything an action on A could change."""
    a = Org.objects.filter(pk=t.A.pk).values().get()
    a.pop("updated_at")
    return a, Org.objects.count(), User.objects.count(), _fresh(t.C).is_active


def _edit_data(org: Org, **changes) -> dict[str, str]:
    data = {
        "uscc": org.uscc,
        "region": str(org.region_id),
        "locality": str(org.locality_id),
        "hr_department": str(org.hr_department_id or ""),
        "contact_person": org.contact_person,
        "contact_phone": org.contact_phone,
        "email": org.email,
        "address": org.address,
    }
    data.update(changes)
    return data


# --------------------------------------------------------------------------------------------- every page about A
# action: (method, url template, POST data builder)
ACTIONS = {
    "detail": ("get", "/orgs/{A}/", None),
    "edit-get": ("get", "/orgs/{A}/edit/", None),
    "edit-post": ("post", "/orgs/{A}/edit/", lambda t: _edit_data(t.A, contact_person="新联系人")),
    "deactivate-get": ("get", "/orgs/{A}/deactivate/", None),
    "deactivate-post": ("post", "/orgs/{A}/deactivate/", lambda t: {}),
    "activate-get": ("get", "/orgs/{A}/activate/", None),
    "activate-post": ("post", "/orgs/{A}/activate/", lambda t: {}),
    "create-get": ("get", "/orgs/{A}/new/", None),
    "create-post": (
        "post",
        "/orgs/{A}/new/",
        lambda t: create_form_data(kind=OrgKind.COUNTY_DEPT, region=t.A.region, name="东坡区卫生健康局"),
    ),
}

# Expected status per actor. The parent manages A (edit, deactivate, activate) but creates only under its own org:
# a unit is created by the operator of the org it goes under (000 §3.1.1.1), so create-under-A is A's alone.
# A unit never edits or deactivates itself.
EXPECTED = {
    "sibling": dict.fromkeys(ACTIONS, 404),
    "child": dict.fromkeys(ACTIONS, 404),
    "parent": {
        "detail": 200,
        "edit-get": 200,
        "edit-post": 302,
        "deactivate-get": 200,
        "deactivate-post": 302,
        "activate-get": 200,
        "activate-post": 302,
        "create-get": 404,
        "create-post": 404,
    },
    "own": {**dict.fromkeys(ACTIONS, 404), "detail": 200, "create-get": 200, "create-post": 302},
}


def _prepare(t: Tree, action: str, actor: str) -> None:
    """Put A in the state where the action would succeed for someone allowed to do it.

    The child's operator is left alone (C active), or it would be shut out merely by its own org being inactive.
    The own operator's A stays active for activation (an inactive A has no live operator at all).
    """
    if actor == "child":
        return
    if action == "deactivate-post":
        services.org_set_active(actor=t.ops["own"], org=t.C, active=False)
    if action == "activate-post" and actor != "own":
        services.org_set_active(actor=t.ops["own"], org=t.C, active=False)
        services.org_set_active(actor=t.ops["parent"], org=t.A, active=False)


def _do(t: Tree, client: Client, action: str):
    method, url, data = ACTIONS[action]
    url = url.format(A=t.A.pk)
    return client.get(url) if method == "get" else client.post(url, data(t))


def _assert_changed(t: Tree, action: str) -> None:
    a = _fresh(t.A)
    if action == "edit-post":
        assert a.contact_person == "新联系人"
    elif action == "deactivate-post":
        assert not a.is_active
    elif action == "activate-post":
        assert a.is_active
    elif action == "create-post":
        new = Org.objects.get(name="东坡区卫生健康局")
        assert new.parent_id == t.A.pk and new.kind == OrgKind.COUNTY_DEPT


CASES = [
    pytest.param(actor, action, id=f"{actor}-{action}-{EXPECTED[actor][action]}")
    for actor in EXPECTED
    for action in ACTIONS
]


@pytest.mark.parametrize(("actor", "action"), CASES)
def test_each_page_about_an_org_answers_only_the_orgs_allowed_to_reach_it(tree, actor, action):
    _prepare(tree, action, actor)
    before = _state(tree)

    response = _do(tree, _client(tree.ops[actor]), action)

    expected = EXPECTED[actor][action]
    assert response.status_code == expected, response.content.decode()[:1500]
    if expected == 404 or action.endswith("-get") or action == "detail":
        assert _state(tree) == before
    if expected == 200:
        assert tree.A.name in response.content.decode()
    if expected == 302:
        _assert_changed(tree, action)
        if action == "create-post":
            assert response["Location"] == "/password/once/"
        else:
            assert response["Location"] == f"/orgs/{tree.A.pk}/"


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_anonymous_visitor_is_sent_to_the_login_page_and_changes_nothing(tree, action):
    before = _state(tree)

    response = _do(tree, _client(None), action)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert _state(tree) == before


def test_the_parent_sees_edit_and_deactivate_buttons_on_a_child_but_a_unit_sees_none_on_itself(tree):
    as_parent = _client(tree.ops["parent"]).get(f"/orgs/{tree.A.pk}/").content.decode()
    as_self = _client(tree.ops["own"]).get(f"/orgs/{tree.A.pk}/").content.decode()

    assert f"/orgs/{tree.A.pk}/edit/" in as_parent and f"/orgs/{tree.A.pk}/deactivate/" in as_parent
    assert f"/orgs/{tree.A.pk}/new/" not in as_parent
    assert f"/orgs/{tree.A.pk}/edit/" not in as_self and f"/orgs/{tree.A.pk}/deactivate/" not in as_self
    assert f"/orgs/{tree.A.pk}/new/" in as_self


# --------------------------------------------------------------------------------------------- list and search
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=东坡区",
        "?q=人力资源",
        "?q=教育局",
        f"?kind={OrgKind.HR_COUNTY}",
        f"?kind={OrgKind.COUNTY_DEPT}",
        "?active=1",
        "?active=0",
        "?q=东坡区&active=1&page=2",
    ],
)
def test_the_list_and_search_of_a_sibling_never_show_the_other_branch(tree, query):
    client = _client(tree.ops["sibling"])

    page = client.get(f"/orgs/{query}").content.decode()

    for hidden in (tree.A, tree.C, tree.P):
        assert hidden.name not in page
        assert f'href="/orgs/{hidden.pk}/"' not in page


def test_the_list_of_a_sibling_shows_its_own_subordinates_and_the_parent_sees_the_whole_branch(tree):
    sibling_page = _client(tree.ops["sibling"]).get("/orgs/").content.decode()
    parent_page = _client(tree.ops["parent"]).get("/orgs/").content.decode()

    assert tree.B1.name in sibling_page
    assert f'href="/orgs/{tree.B1.pk}/edit/"' in sibling_page
    assert f'href="/orgs/{tree.B.pk}/edit/"' not in sibling_page  # the list is strictly below B
    for org in (tree.A, tree.B, tree.B1, tree.C):
        assert f'href="/orgs/{org.pk}/"' in parent_page


# --------------------------------------------------------------------------------------------- deactivation
def test_a_user_of_a_deactivated_org_cannot_log_in(tree):
    c_op = tree.ops["child"]
    assert _client(tree.ops["own"]).post(f"/orgs/{tree.C.pk}/deactivate/").status_code == 302
    assert not _fresh(tree.C).is_active

    client = Client()
    response = client.post("/login/", {"username": c_op.username, "password": PASSWORD})

    assert response.status_code == 200
    assert "您所在的单位已停用，无法登录。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_open_session_of_a_deactivated_org_is_logged_out_and_can_change_nothing(tree):
    a_op = _client(tree.ops["own"])
    assert a_op.get(f"/orgs/{tree.C.pk}/").status_code == 200
    services.org_set_active(actor=tree.ops["own"], org=tree.C, active=False)
    services.org_set_active(actor=tree.ops["parent"], org=tree.A, active=False)

    response = a_op.post(f"/orgs/{tree.C.pk}/activate/", follow=True)

    assert response.redirect_chain[0] == ("/login/", 302)
    assert "您所在的单位已停用" in response.content.decode()
    assert "_auth_user_id" not in a_op.session
    assert not _fresh(tree.C).is_active
    assert a_op.get("/orgs/")["Location"].startswith("/login/")


def test_deactivating_an_org_with_active_children_is_refused_and_changes_nothing(tree):
    client = _client(tree.ops["parent"])
    before = _state(tree)

    response = client.post(f"/orgs/{tree.A.pk}/deactivate/", follow=True)

    assert response.redirect_chain == [(f"/orgs/{tree.A.pk}/", 302)]
    assert MSG_HAS_ACTIVE_CHILDREN in response.content.decode()
    assert _state(tree) == before
    assert _fresh(tree.A).is_active and _fresh(tree.C).is_active


def test_deactivating_a_leaf_works_and_reactivating_it_works(tree):
    client = _client(tree.ops["own"])
    confirm = client.get(f"/orgs/{tree.C.pk}/deactivate/")
    assert confirm.status_code == 200 and "确定停用“东坡区教育局”吗" in confirm.content.decode()

    off = client.post(f"/orgs/{tree.C.pk}/deactivate/", follow=True)
    assert off.redirect_chain == [(f"/orgs/{tree.C.pk}/", 302)]
    assert "单位“东坡区教育局”已停用。" in off.content.decode()
    assert "已停用" in off.content.decode()
    assert not _fresh(tree.C).is_active
    assert User.objects.filter(org=tree.C).exists()  # the org and its people are kept

    on = client.post(f"/orgs/{tree.C.pk}/activate/", follow=True)
    assert "单位“东坡区教育局”已启用。" in on.content.decode()
    assert _fresh(tree.C).is_active
    login = Client().post("/login/", {"username": tree.ops["child"].username, "password": PASSWORD})
    assert login.status_code == 302


def test_a_unit_under_a_deactivated_parent_cannot_be_reactivated(tree):
    services.org_set_active(actor=tree.ops["own"], org=tree.C, active=False)
    services.org_set_active(actor=tree.ops["parent"], org=tree.A, active=False)

    response = _client(tree.ops["parent"]).post(f"/orgs/{tree.C.pk}/activate/", follow=True)

    assert "上级单位已停用，不能启用该单位。" in response.content.decode()
    assert not _fresh(tree.C).is_active


# --------------------------------------------------------------------------------------------- no hard delete
def _all_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if hasattr(p, "url_patterns"):
            if str(p.pattern).startswith("admin/"):
                continue
            yield from _all_routes(p, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p.name or ""


def test_no_page_outside_the_admin_deletes_an_org(tree):
    org_routes = [(r, name) for r, name in _all_routes() if r.startswith("orgs/") or name.startswith("org_")]
    assert len(org_routes) >= 5
    assert not [r for r, name in org_routes if "delete" in r.lower() or "delete" in name.lower()]
    client = _client(tree.ops["parent"])
    for url in (f"/orgs/{tree.C.pk}/delete/", f"/orgs/{tree.C.pk}/remove/"):
        assert client.post(url).status_code == 404
    assert client.delete(f"/orgs/{tree.C.pk}/edit/").status_code == 405
    assert Org.objects.filter(pk=tree.C.pk).exists()


def test_the_django_admin_refuses_to_delete_an_org_that_has_users(tree):
    admin = make_user(org=None, name="系统管理员")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = _client(admin)
    assert client.get(f"/admin/orgs/org/{tree.C.pk}/change/").status_code == 200

    assert client.get(f"/admin/orgs/org/{tree.C.pk}/delete/").status_code == 403
    assert client.post(f"/admin/orgs/org/{tree.C.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(
        "/admin/orgs/org/", {"action": "delete_selected", "_selected_action": [tree.C.pk, tree.B1.pk], "post": "yes"}
    )

    assert Org.objects.filter(pk__in=[tree.C.pk, tree.B1.pk]).count() == 2
    assert User.objects.filter(org=tree.C).exists()


# --------------------------------------------------------------------------------------------- editing
def test_editing_ignores_a_posted_name_and_kind(tree):
    client = _client(tree.ops["parent"])
    data = _edit_data(tree.A, name="改名后的人社局", kind=OrgKind.COUNTY_DEPT, contact_person="赵六")

    response = client.post(f"/orgs/{tree.A.pk}/edit/", data)

    assert response.status_code == 302
    a = _fresh(tree.A)
    assert a.name == "东坡区人力资源和社会保障局"
    assert a.kind == OrgKind.HR_COUNTY
    assert a.contact_person == "赵六"
    page = client.get(f"/orgs/{tree.A.pk}/edit/").content.decode()
    assert input_value(page, "name") is None and 'name="kind"' not in page  # neither is offered for editing


def _bad_uscc(t: Tree):
    wrong = next(c for c in USCC_CHARSET if c != t.A.uscc[-1])
    return {"uscc": t.A.uscc[:17] + wrong}, MSG_USCC_CHECK


def _taken_uscc(t: Tree):
    return {"uscc": t.B.uscc}, MSG_USCC_TAKEN


def _wrong_region_level(t: Tree):
    city = regions()["city"]  # 眉山市: a 县(区)人社局 sits in a county
    return {"region": str(city.pk), "locality": str(city.pk)}, MSG_REGION_LEVEL.format(
        kind=OrgKind.HR_COUNTY.label, level=Region.RegionLevel.COUNTY.label
    )


@pytest.mark.parametrize(
    "bad", [_bad_uscc, _taken_uscc, _wrong_region_level], ids=["uscc-check-char", "uscc-taken", "region-level"]
)
def test_editing_applies_the_uscc_and_region_rules(tree, bad):
    changes, message = bad(tree)
    before = _state(tree)

    response = _client(tree.ops["parent"]).post(
        f"/orgs/{tree.A.pk}/edit/", _edit_data(tree.A, contact_person="钱七", **changes)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert input_value(page, "contact_person") == "钱七"
    assert _state(tree) == before
