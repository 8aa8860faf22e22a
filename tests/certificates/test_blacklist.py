"""CRT-7 黑名单管理 (003 §1.21): certificate managers add, edit, look up, lift (with a reason) and export entries;
a person on the blacklist can neither start nor submit a declaration until the entry is lifted — through HTTP."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import BlacklistEntry
from declarations.models import Declaration
from tests.certificates.conftest import CITY_HR
from tests.declarations.helpers import text
from tests.factories import next_id_number
from tests.workflow.helpers import client_for, draft, new_applicant, start_data, submit

pytestmark = pytest.mark.django_db

UNIT = "东坡区私营企业"


def add(world, *, user=None, org=None, **data):
    user = user or world.root_op
    payload = {
        "org": (org or world.root).pk,
        "name": "张违规",
        "id_number": next_id_number(),
        "reason": "提供虚假论文材料",
        "document": "川人社函〔2026〕1号",
        "until": "",
    }
    payload.update(data)
    return client_for(user).post(reverse("certificates:blacklist_add"), payload)


def entry_of(id_number: str) -> BlacklistEntry:
    return BlacklistEntry.objects.get(id_number=id_number)


def blacklist(world, person, reason="伪造学历证书") -> BlacklistEntry:
    resp = add(world, name=person.name, id_number=person.id_number, reason=reason)
    assert resp.status_code == 302, text(resp.content)[:1500]
    return entry_of(person.id_number)


def snapshot(e: BlacklistEntry) -> tuple:
    e = BlacklistEntry.objects.get(pk=e.pk)
    return (e.reason, e.document, e.until, e.lifted_at, e.lifted_by_id, e.lift_reason)


# --------------------------------------------------------------------------------------------- add / edit / lift
def test_a_certificate_manager_adds_a_person_found_by_name_and_the_account_is_linked(world):
    person = new_applicant("黑名单甲")
    c = client_for(world.root_op)
    found = c.get(reverse("certificates:blacklist_add"), {"q": "黑名单甲"})
    assert found.status_code == 200 and person.id_number in text(found.content)
    picked = c.get(reverse("certificates:blacklist_add"), {"q": "黑名单甲", "user": person.pk})
    assert f'value="{person.id_number}"' in picked.content.decode()

    resp = add(
        world,
        name=person.name,
        id_number=person.id_number.lower(),
        reason="伪造学历证书",
        until=str(timezone.localdate() + dt.timedelta(days=365)),
    )
    e = entry_of(person.id_number)
    assert resp.status_code == 302 and resp["Location"] == reverse("certificates:blacklist_detail", args=[e.pk])
    assert (e.name, e.user_id, e.org_id, e.added_by_id, e.reason) == (
        "黑名单甲",
        person.pk,
        world.root.pk,
        world.root_op.pk,
        "伪造学历证书",
    )
    assert e.in_force
    detail = text(c.get(reverse("certificates:blacklist_detail", args=[e.pk])).content)
    assert "伪造学历证书" in detail and "生效中" in detail and "川人社函〔2026〕1号" in detail


def test_a_person_without_an_account_is_added_by_typing_name_and_id(world):
    idn = next_id_number()
    assert add(world, name="无账号人员", id_number=idn).status_code == 302
    e = entry_of(idn)
    assert e.user_id is None and e.name == "无账号人员"


def test_add_is_refused_without_a_reason_with_a_bad_id_and_for_a_second_entry_in_force(world):
    idn = next_id_number()
    resp = add(world, id_number=idn, reason="   ")
    assert resp.status_code == 400 and "请填写列入黑名单的原因" in text(resp.content)
    assert not BlacklistEntry.objects.filter(id_number=idn).exists()

    bad = idn[:17] + ("0" if idn[17] != "0" else "1")
    resp = add(world, id_number=bad)
    assert resp.status_code == 400 and "校验位" in text(resp.content)
    assert not BlacklistEntry.objects.filter(id_number=bad).exists()

    assert add(world, id_number=idn).status_code == 302
    resp = add(world, id_number=idn, reason="再次列入")
    assert resp.status_code == 400 and "已在黑名单中" in text(resp.content)
    assert BlacklistEntry.objects.filter(id_number=idn).count() == 1


def test_an_entry_whose_limit_date_has_passed_is_lifted_automatically_when_the_person_is_added_again(world):
    idn = next_id_number()
    assert add(world, id_number=idn).status_code == 302
    BlacklistEntry.objects.filter(id_number=idn).update(until=timezone.localdate() - dt.timedelta(days=1))
    assert add(world, id_number=idn, reason="再次违规").status_code == 302
    old, new = BlacklistEntry.objects.filter(id_number=idn).order_by("pk")
    assert old.lifted_at is not None and "自动解除" in old.lift_reason
    assert new.lifted_at is None and new.reason == "再次违规"


def test_edit_changes_reason_document_and_limit_date(world):
    idn = next_id_number()
    add(world, id_number=idn)
    e = entry_of(idn)
    c = client_for(world.root_op)
    until = timezone.localdate() + dt.timedelta(days=30)
    resp = c.post(
        reverse("certificates:blacklist_edit", args=[e.pk]),
        {"reason": "论文抄袭（经核实）", "document": "川人社函〔2026〕9号", "until": str(until)},
    )
    assert resp.status_code == 302
    e.refresh_from_db()
    assert (e.reason, e.document, e.until) == ("论文抄袭（经核实）", "川人社函〔2026〕9号", until)
    before = snapshot(e)
    resp = c.post(reverse("certificates:blacklist_edit", args=[e.pk]), {"reason": "", "document": "x", "until": ""})
    assert resp.status_code == 400 and snapshot(e) == before


def test_lift_asks_for_a_reason_on_a_confirmation_page_and_keeps_the_history(world):
    idn = next_id_number()
    add(world, id_number=idn)
    e = entry_of(idn)
    c = client_for(world.root_op)
    url = reverse("certificates:blacklist_lift", args=[e.pk])
    page = c.get(url)
    assert page.status_code == 200 and "确定解除" in text(page.content)

    before = snapshot(e)
    resp = c.post(url, {"reason": "  "})
    assert resp.status_code == 400 and "请填写解除原因" in text(resp.content)
    assert snapshot(e) == before

    assert c.post(url, {"reason": "处分期满"}).status_code == 302
    e.refresh_from_db()
    assert e.lifted_at is not None and e.lifted_by_id == world.root_op.pk and e.lift_reason == "处分期满"
    assert not e.in_force
    # Lifted entries can be neither edited nor lifted again; the record stays.
    assert c.post(url, {"reason": "再次解除"}).status_code == 302
    assert BlacklistEntry.objects.get(pk=e.pk).lift_reason == "处分期满"
    assert "已解除" in text(c.get(reverse("certificates:blacklist_detail", args=[e.pk])).content)


# --------------------------------------------------------------------------------------------- list / export
def test_the_list_searches_by_name_id_and_status_and_exports_the_query(world):
    a, b = next_id_number(), next_id_number()
    add(world, name="查询甲", id_number=a, reason='=HYPERLINK("http://x")')  # exported as text, not a formula
    add(world, name="查询乙", id_number=b)
    client_for(world.root_op).post(
        reverse("certificates:blacklist_lift", args=[entry_of(b).pk]), {"reason": "撤销处分"}
    )
    c = client_for(world.root_op)
    url = reverse("certificates:blacklist")

    by_name = text(c.get(url, {"q": "查询甲"}).content)
    assert a in by_name and b not in by_name
    by_id = text(c.get(url, {"q": b}).content)
    assert b in by_id and a not in by_id
    in_force = text(c.get(url, {"q": "查询", "status": "in_force"}).content)
    assert a in in_force and b not in in_force
    lifted = text(c.get(url, {"q": "查询", "status": "lifted"}).content)
    assert b in lifted and a not in lifted

    resp = c.get(reverse("certificates:blacklist_export"), {"q": "查询", "status": "in_force"})
    assert resp.status_code == 200 and resp["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "身份证号", "列入原因")
    assert [r[:2] for r in rows[1:]] == [("查询甲", a)]
    assert rows[1][8] == "生效中" and rows[1][2] == '\'=HYPERLINK("http://x")'
    everything = load_workbook(
        io.BytesIO(c.get(reverse("certificates:blacklist_export"), {"q": "查询"}).content)
    ).active
    assert {r[1] for r in everything.iter_rows(min_row=2, values_only=True)} == {a, b}


# --------------------------------------------------------------------------------------------- permissions
def test_applicants_and_anonymous_users_may_not_use_the_blacklist_pages(world, client):
    idn = next_id_number()
    add(world, id_number=idn)
    e = entry_of(idn)
    applicant = client_for(new_applicant())
    for name, args in (
        ("blacklist", []),
        ("blacklist_add", []),
        ("blacklist_export", []),
        ("blacklist_detail", [e.pk]),
        ("blacklist_edit", [e.pk]),
        ("blacklist_lift", [e.pk]),
    ):
        url = reverse(f"certificates:{name}", args=args)
        assert applicant.get(url).status_code in (403, 404), name
        anon = client.get(url)
        assert anon.status_code == 302 and "login" in anon["Location"], name
    before = snapshot(e)
    assert applicant.post(reverse("certificates:blacklist_lift", args=[e.pk]), {"reason": "x"}).status_code in (
        403,
        404,
    )
    assert snapshot(e) == before
    resp = client_for(new_applicant()).post(
        reverse("certificates:blacklist_add"),
        {"org": world.root.pk, "name": "x", "id_number": next_id_number(), "reason": "x"},
    )
    assert resp.status_code in (403, 404)


def test_a_city_bureau_sees_the_province_entry_but_may_not_edit_or_lift_it_while_the_province_may_lift_the_citys(world):
    city_op, city = world.ops[CITY_HR], world.orgs[CITY_HR]
    province_idn, city_idn = next_id_number(), next_id_number()
    add(world, id_number=province_idn)
    province_entry = entry_of(province_idn)
    c = client_for(city_op)

    assert province_idn in text(c.get(reverse("certificates:blacklist")).content)  # province-wide list
    assert c.get(reverse("certificates:blacklist_detail", args=[province_entry.pk])).status_code == 200
    before = snapshot(province_entry)
    assert c.get(reverse("certificates:blacklist_edit", args=[province_entry.pk])).status_code == 404
    assert (
        c.post(reverse("certificates:blacklist_lift", args=[province_entry.pk]), {"reason": "市局解除"}).status_code
        == 404
    )
    assert (
        c.post(
            reverse("certificates:blacklist_edit", args=[province_entry.pk]),
            {"reason": "市局修改", "document": "", "until": ""},
        ).status_code
        == 404
    )
    assert snapshot(province_entry) == before

    # The city registers in its own name only (the province is not among its orgs) …
    assert add(world, user=city_op, org=world.root, id_number=city_idn).status_code == 400
    assert add(world, user=city_op, org=city, id_number=city_idn).status_code == 302
    city_entry = entry_of(city_idn)
    assert city_entry.org_id == city.pk
    # … and the province, above it, may lift the city's entry.
    assert (
        client_for(world.root_op)
        .post(reverse("certificates:blacklist_lift", args=[city_entry.pk]), {"reason": "省厅复核后解除"})
        .status_code
        == 302
    )
    assert BlacklistEntry.objects.get(pk=city_entry.pk).lifted_by_id == world.root_op.pk


# --------------------------------------------------------------------------------------------- DCL-7
def test_a_blacklisted_applicant_cannot_start_a_declaration_until_the_entry_is_lifted(world):
    applicant = new_applicant("拟申报人")
    e = blacklist(world, applicant, reason="伪造工作年限证明")
    c = client_for(applicant)
    data = start_data(unit=world.orgs[UNIT], committee=world.engineering)
    before = Declaration.objects.filter(applicant=applicant).count()
    resp = c.post(reverse("declarations:start"), data)
    assert resp.status_code != 302
    assert "您已被列入职称申报黑名单（原因：伪造工作年限证明），不能申报。" in text(resp.content)
    assert Declaration.objects.filter(applicant=applicant).count() == before

    client_for(world.root_op).post(reverse("certificates:blacklist_lift", args=[e.pk]), {"reason": "处分期满"})
    assert c.post(reverse("declarations:start"), data).status_code == 302
    assert Declaration.objects.filter(applicant=applicant).count() == before + 1


def test_a_blacklisted_applicant_cannot_submit_a_complete_draft_and_can_after_the_lift(world):
    applicant, c, d = draft(world, world.orgs[UNIT])
    e = blacklist(world, applicant, reason="论文代写")
    resp = submit(c, d)
    assert resp.status_code == 400
    assert "您已被列入职称申报黑名单（原因：论文代写），不能申报。" in text(resp.content)
    d.refresh_from_db()
    assert d.status == Declaration.Status.DRAFT and d.submitted_at is None

    assert (
        client_for(world.root_op)
        .post(reverse("certificates:blacklist_lift", args=[e.pk]), {"reason": "复核无误"})
        .status_code
        == 302
    )
    assert submit(c, d).status_code == 302
    d.refresh_from_db()
    assert d.status == Declaration.Status.SUBMITTED


def test_an_entry_past_its_limit_date_no_longer_blocks(world):
    applicant = new_applicant()
    blacklist(world, applicant)
    BlacklistEntry.objects.filter(id_number=applicant.id_number).update(
        until=timezone.localdate() - dt.timedelta(days=1)
    )
    resp = client_for(applicant).post(
        reverse("declarations:start"), start_data(unit=world.orgs[UNIT], committee=world.engineering)
    )
    assert resp.status_code == 302
