"""ADM-1: the Django admin works for every registered model, org creation stays out of it, and changes are audited."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import Role, RoleAssignment, User
from orgs.kinds import OrgKind
from orgs.models import Org, Region
from tests.factories import PASSWORD, create_unit, make_user, next_id_number, province_root

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    """A small tree with users, role assignments, axes records and audit entries, so every list has rows."""
    prov, prov_op = province_root()
    city, city_op = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY)
    staff = make_user(org=city, name="科员甲", roles=("applicant",))
    Client().post("/login/", {"username": staff.username, "password": "Wrong@2026pass"})
    Client().post("/login/", {"username": city_op.username, "password": PASSWORD})
    return {"prov": prov, "prov_op": prov_op, "city": city, "city_op": city_op, "staff": staff}


@pytest.fixture
def su_client():
    idn = next_id_number()
    su = User.objects.create_superuser(username=idn, id_number=idn, name="系统管理员", password=PASSWORD)
    su.must_change_password = False
    su.save()
    c = Client()
    c.force_login(su)
    return c


def _admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_the_fixture_populated_the_axes_and_audit_tables(data):
    assert AccessAttempt.objects.filter(username=data["staff"].username).exists()
    assert AccessLog.objects.exists()
    assert LogEntry.objects.exists()


def test_admin_index_loads(su_client, data):
    resp = su_client.get("/admin/")
    assert resp.status_code == 200
    assertContains(resp, "系统管理")
    for model in admin.site._registry:
        assertContains(resp, _admin_url(model, "changelist"))


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_registered_changelist_loads_and_searches(su_client, data, model):
    model_admin = admin.site._registry[model]
    url = _admin_url(model, "changelist")
    resp = su_client.get(url)
    assert resp.status_code == 200, url
    if model_admin.search_fields:
        resp = su_client.get(url, {"q": "x"})
        assert resp.status_code == 200, url
        resp = su_client.get(url, {"q": "四川"})
        assert resp.status_code == 200, url


def test_search_finds_rows(su_client, data):
    city, staff = data["city"], data["staff"]

    def found(model, q):
        resp = su_client.get(_admin_url(model, "changelist"), {"q": q})
        assert resp.status_code == 200
        return list(resp.context["cl"].result_list)

    assert found(Org, city.name) == [city]
    assert found(Org, "x") == []
    assert found(User, staff.username) == [staff]
    assert found(User, "科员甲") == [staff]
    assert found(RoleAssignment, "科员甲") == [RoleAssignment.objects.get(user=staff)]
    assert [r.name for r in found(Region, "眉山")] == ["眉山市"]
    assert [r.code for r in found(Role, "申报人")] == ["applicant"]


def test_change_pages_load(su_client, data):
    city, staff = data["city"], data["staff"]
    objects = [
        (User, staff),
        (Org, city),
        (Role, Role.objects.get(code="hr_city")),
        (RoleAssignment, RoleAssignment.objects.get(user=staff)),
        (Region, city.region),
    ]
    for model, obj in objects:
        url = _admin_url(model, "change", obj.pk)
        resp = su_client.get(url)
        assert resp.status_code == 200, url
        assertContains(resp, str(obj)[:10])
    # The user page shows its role assignments inline.
    assertContains(su_client.get(_admin_url(User, "change", staff.pk)), "申报人(职称)")


def test_autocomplete_endpoints_work(su_client, data):
    resp = su_client.get(
        "/admin/autocomplete/",
        {"app_label": "accounts", "model_name": "roleassignment", "field_name": "role", "term": "人社"},
    )
    assert resp.status_code == 200
    names = [r["text"] for r in resp.json()["results"]]
    assert "市(州)人社局经办人员(职称)" in names
    resp = su_client.get(
        "/admin/autocomplete/",
        {"app_label": "accounts", "model_name": "user", "field_name": "org", "term": data["city"].name},
    )
    assert resp.status_code == 200
    assert [r["text"] for r in resp.json()["results"]] == [data["city"].name]


def test_org_add_is_not_offered_in_admin(su_client, data):
    changelist = su_client.get(_admin_url(Org, "changelist"))
    assert changelist.status_code == 200
    assertNotContains(changelist, _admin_url(Org, "add"))
    assertNotContains(su_client.get("/admin/"), _admin_url(Org, "add"))
    before = Org.objects.count()
    assert su_client.get(_admin_url(Org, "add")).status_code == 403
    assert (
        su_client.post(_admin_url(Org, "add"), {"name": "后台偷建单位", "kind": OrgKind.CITY_DEPT}).status_code == 403
    )
    assert Org.objects.count() == before


def test_org_with_members_cannot_be_deleted_in_admin(su_client, data):
    city = data["city"]
    assert su_client.get(_admin_url(Org, "delete", city.pk)).status_code == 403
    assert su_client.post(_admin_url(Org, "delete", city.pk), {"post": "yes"}).status_code == 403
    assert Org.objects.filter(pk=city.pk).exists()
    # Nor in bulk.
    resp = su_client.post(
        _admin_url(Org, "changelist"), {"action": "delete_selected", "_selected_action": [city.pk], "post": "yes"}
    )
    assert Org.objects.filter(pk=city.pk).exists()
    assert resp.status_code in (200, 302)


def test_org_name_and_kind_are_read_only_in_admin(su_client, data):
    city = data["city"]
    resp = su_client.get(_admin_url(Org, "change", city.pk))
    html = resp.content.decode()
    assert 'name="name"' not in html
    assert 'name="kind"' not in html


def test_non_staff_user_cannot_use_admin(data):
    c = Client()
    c.force_login(data["city_op"])
    resp = c.get("/admin/")
    assert resp.status_code == 302
    assert "/admin/login/" in resp.url
    assert c.get(_admin_url(Org, "changelist")).status_code == 302


def test_org_edit_on_the_page_is_audited_with_the_actor(data):
    prov_op, city = data["prov_op"], data["city"]
    c = Client()
    c.force_login(prov_op)
    before = LogEntry.objects.get_for_object(city).count()
    resp = c.post(
        f"/orgs/{city.pk}/edit/",
        {
            "uscc": city.uscc,
            "region": str(city.region_id),
            "locality": str(city.locality_id),
            "hr_department": str(city.hr_department_id or ""),
            "contact_person": "新联系人",
            "contact_phone": "028-87654321",
            "email": "hr@example.com",
            "address": "眉山市东坡区某路1号",
        },
    )
    assertRedirects(resp, f"/orgs/{city.pk}/", fetch_redirect_response=False)
    city.refresh_from_db()
    assert city.contact_person == "新联系人"

    entries = LogEntry.objects.get_for_object(city).order_by("-timestamp", "-pk")
    assert entries.count() == before + 1
    entry = entries.first()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor_id == prov_op.pk
    changes = entry.changes_dict
    assert changes["contact_person"][1] == "新联系人"
    assert changes["address"][1] == "眉山市东坡区某路1号"


def test_admin_edit_of_a_user_is_audited_with_the_actor(su_client, data):
    staff = data["staff"]
    su = User.objects.get(is_superuser=True)
    url = _admin_url(User, "change", staff.pk)
    form = _FormValues()
    form.feed(su_client.get(url).content.decode())
    post = form.data
    assert post["name"] == ["科员甲"]
    post["mobile"] = ["13600000000"]
    post["_save"] = ["保存"]
    before = LogEntry.objects.get_for_object(staff).count()
    resp = su_client.post(url, post)
    assertRedirects(resp, _admin_url(User, "changelist"), fetch_redirect_response=False)
    staff.refresh_from_db()
    assert staff.mobile == "13600000000"
    assert staff.check_password(PASSWORD)  # the password is untouched
    assert RoleAssignment.objects.filter(user=staff, role__code="applicant").exists()  # the inline survived

    entries = LogEntry.objects.get_for_object(staff).order_by("-timestamp", "-pk")
    assert entries.count() == before + 1
    entry = entries.first()
    assert entry.actor_id == su.pk
    assert entry.changes_dict["mobile"][1] == "13600000000"
    assert "password" not in entry.changes_dict
    assertContains(su_client.get(_admin_url(LogEntry, "change", entry.pk)), "13600000000")


class _FormValues(HTMLParser):
    """What a browser would submit from the admin change form (the first form with method=post)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._done = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value") or "on")
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data
