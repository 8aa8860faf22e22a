"""TTL-3 and ORG-6 through HTTP: the provincial HR operator forms review committees (specialties, organisers,
office, final org, region scope, fees, contacts) and deregisters them with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from orgs.kinds import OrgKind
from tests.factories import create_unit, regions
from titles.catalogue import EvaluationMode, Level, LevelGroup
from titles.models import Committee

from .conftest import ENGINEERING_COMMITTEE, IP_CENTER, IP_COMMITTEE, PROVINCE_HR, Demo, client_for
from .helpers import labels, text, titles_state

pytestmark = pytest.mark.django_db

NEW_NAME = "四川省水利工程中级职称评审委员会"


def committee_data(demo: Demo, **over) -> dict:
    data = {
        "name": NEW_NAME,
        "level_group": LevelGroup.MIDDLE,
        "series": demo.series("GC").pk,
        "specialties": [demo.spec("GC01").pk, demo.spec("GC0102").pk],
        "organisers": [demo.root.pk, demo.ip_center.pk],
        "office": demo.root.pk,
        "final_org": "",
        "region_scope": regions()["city"].pk,
        "scope_text": "眉山市水利行业专业技术人员",
        "contact_person": "王老师",
        "contact_phone": "028-38100000",
        "fees": "评审费 300\n答辩费 150.50",
    }
    data.update(over)
    return data


def create(client, data):
    return client.post(reverse("titles:committee_create"), data)


def choice_committees(client, demo: Demo, *, series: str, level: str, specialty: str, qualification: str):
    html = client.get(
        reverse("titles:choose_piece"),
        {
            "mode": EvaluationMode.REVIEW,
            "series": demo.series(series).pk,
            "level": level,
            "specialty": demo.spec(specialty).pk,
            "qualification": demo.qual(qualification).pk,
        },
    ).content.decode()
    return text(html)


@pytest.fixture
def hr_client(demo):
    return client_for(demo.hr_op)


# --------------------------------------------------------------------------------------------- create / edit
def test_hr_operator_creates_a_committee_with_everything_it_needs(demo, hr_client):
    assert hr_client.get(reverse("titles:committee_create")).status_code == 200
    resp = create(hr_client, committee_data(demo))
    c = Committee.objects.get(name=NEW_NAME)
    assert resp.status_code == 302 and resp.url == reverse("titles:committee", args=[c.pk])
    assert (c.level_group, c.series.code, c.office, c.region_scope.name) == (
        LevelGroup.MIDDLE,
        "GC",
        demo.root,
        "眉山市",
    )
    assert sorted(c.specialties.values_list("code", flat=True)) == ["GC01", "GC0102"]
    assert set(c.organisers.all()) == {demo.root, demo.ip_center}
    # The final org defaults to the root 省人社厅.
    assert c.final_org == demo.root and c.final_org.name == PROVINCE_HR
    assert [(f.item, f.amount) for f in c.fees.all()] == [("评审费", Decimal("300")), ("答辩费", Decimal("150.50"))]
    assert (c.contact_person, c.contact_phone, c.status) == ("王老师", "028-38100000", Committee.Status.ACTIVE)

    page = text(hr_client.get(resp.url).content)
    for shown in (
        "评委会级别 中级",
        "系列 工程系列",
        "GC01 水利水电工程",
        "GC0102 水文水资源",
        f"评办（资格审查） {PROVINCE_HR}",
        f"终审单位 {PROVINCE_HR}",
        "评审范围 眉山市：眉山市水利行业专业技术人员",
        "王老师 028-38100000",
        "评审费 300.00 元；答辩费 150.50 元",
    ):
        assert shown in page, shown
    assert f"{PROVINCE_HR}、{IP_CENTER}" in page or f"{IP_CENTER}、{PROVINCE_HR}" in page
    assert NEW_NAME in text(hr_client.get(reverse("titles:committees")).content)


def test_hr_operator_edits_a_committee_specialties_fees_and_final_org(demo, hr_client):
    create(hr_client, committee_data(demo))
    c = Committee.objects.get(name=NEW_NAME)
    form = hr_client.get(reverse("titles:committee_edit", args=[c.pk])).content.decode()
    assert f'value="{NEW_NAME}"' in form and "评审费 300.00" in form
    resp = hr_client.post(
        reverse("titles:committee_edit", args=[c.pk]),
        committee_data(
            demo,
            specialties=[demo.spec("GC02").pk],
            final_org=demo.ip_center.pk,
            fees="评审费 280",
            contact_phone="110",
        ),
    )
    assert resp.status_code == 302
    c.refresh_from_db()
    assert list(c.specialties.values_list("code", flat=True)) == ["GC02"]
    assert c.final_org == demo.ip_center and c.contact_phone == "110"
    assert [(f.item, f.amount) for f in c.fees.all()] == [("评审费", Decimal("280"))]


def test_committee_without_specialties_is_refused_and_keeps_what_was_typed(demo, hr_client):
    before = titles_state()
    resp = create(hr_client, committee_data(demo, specialties=[]))
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "评委会至少要有一个可评审专业。" in text(page)
    assert f'value="{NEW_NAME}"' in page and "眉山市水利行业专业技术人员" in page and "答辩费 150.50" in page
    assert not Committee.objects.filter(name=NEW_NAME).exists()
    assert titles_state() == before


def test_editing_a_committee_to_no_specialties_is_refused_and_changes_nothing(demo, hr_client):
    c = demo.committees[ENGINEERING_COMMITTEE]
    before = titles_state()
    data = committee_data(demo, name=c.name, level_group=LevelGroup.SENIOR, specialties=[])
    resp = hr_client.post(reverse("titles:committee_edit", args=[c.pk]), data)
    assert resp.status_code == 200 and "评委会至少要有一个可评审专业。" in text(resp.content)
    assert titles_state() == before


def test_specialties_of_another_series_are_refused(demo, hr_client):
    before = titles_state()
    resp = create(hr_client, committee_data(demo, specialties=[demo.spec("GC01").pk, demo.spec("WS02").pk]))
    assert resp.status_code == 200
    assert "可评审专业必须属于评委会的系列“工程系列”。" in text(resp.content)
    assert titles_state() == before


def test_a_committee_without_organiser_is_refused(demo, hr_client):
    before = titles_state()
    resp = create(hr_client, committee_data(demo, organisers=[]))
    assert resp.status_code == 200 and "这个字段是必填项。" in text(resp.content)
    assert titles_state() == before


def test_a_malformed_fee_line_is_refused_in_chinese(demo, hr_client):
    before = titles_state()
    resp = create(hr_client, committee_data(demo, fees="评审费 300\n评审费三百"))
    assert resp.status_code == 200 and "第2行格式应为“缴费项目 金额”。" in text(resp.content)
    assert titles_state() == before


def test_a_duplicate_committee_name_is_refused(demo, hr_client):
    before = titles_state()
    resp = create(hr_client, committee_data(demo, name=ENGINEERING_COMMITTEE))
    assert resp.status_code == 200 and "已存在" in text(resp.content)
    assert titles_state() == before


# --------------------------------------------------------------------------------------------- deregister
def test_deregistering_requires_a_reason(demo, hr_client):
    c = demo.committees[ENGINEERING_COMMITTEE]
    before = titles_state()
    page = hr_client.get(reverse("titles:committee_deregister", args=[c.pk]))
    assert "请填写注销原因" in text(page.content)
    resp = hr_client.post(reverse("titles:committee_deregister", args=[c.pk]), {"reason": "   "})
    assert resp.status_code == 200 and "请填写注销原因。" in text(resp.content)
    assert titles_state() == before


def test_deregistered_committee_shows_the_reason_and_leaves_the_choice(demo, hr_client):
    c = demo.committees[ENGINEERING_COMMITTEE]
    args = {"series": "GC", "level": Level.VICE_SENIOR, "specialty": "GC01", "qualification": "高级工程师"}
    assert ENGINEERING_COMMITTEE in choice_committees(hr_client, demo, **args)

    resp = hr_client.post(
        reverse("titles:committee_deregister", args=[c.pk]), {"reason": "机构改革，职能并入新评委会"}, follow=True
    )
    page = text(resp.content)
    assert f"评委会“{ENGINEERING_COMMITTEE}”已注销。" in page
    assert f"{ENGINEERING_COMMITTEE} 已注销" in page and "注销原因 机构改革，职能并入新评委会" in page
    c.refresh_from_db()
    assert c.status == Committee.Status.DEREGISTERED and c.deregistered_at is not None
    assert f"{ENGINEERING_COMMITTEE} 高级 工程系列" in text(hr_client.get(reverse("titles:committees")).content)

    listed = choice_committees(hr_client, demo, **args)
    assert ENGINEERING_COMMITTEE not in listed and "没有符合所选条件且正在进行评审活动的评委会" in listed

    # Reactivated, it is offered again.
    hr_client.post(reverse("titles:committee_reactivate", args=[c.pk]))
    assert Committee.objects.get(pk=c.pk).is_active
    assert ENGINEERING_COMMITTEE in choice_committees(hr_client, demo, **args)


# --------------------------------------------------------------------------------------------- ORG-6
def test_ip_committee_office_and_organiser_are_the_ip_centre_and_final_org_is_the_province(demo, hr_client):
    c = Committee.objects.get(name=IP_COMMITTEE)
    assert c.office.name == IP_CENTER and c.office.kind == OrgKind.COMMITTEE_OFFICE
    assert [o.name for o in c.organisers.all()] == [IP_CENTER]
    assert c.final_org.name == PROVINCE_HR and c.final_org.depth == 1
    assert (c.series.code, c.level_group) == ("ZSCQ", LevelGroup.SENIOR)
    page = text(hr_client.get(reverse("titles:committee", args=[c.pk])).content)
    assert f"评办（资格审查） {IP_CENTER}" in page and f"终审单位 {PROVINCE_HR}" in page
    # The other demo committees are run by the province itself.
    assert demo.committees[ENGINEERING_COMMITTEE].office == demo.root

    listed = choice_committees(
        hr_client, demo, series="ZSCQ", level=Level.VICE_SENIOR, specialty="ZS01", qualification="高级知识产权师"
    )
    assert IP_COMMITTEE in listed and f"评办 {IP_CENTER}" in listed


def test_ip_centre_operator_sees_only_its_own_committee_and_cannot_edit_it(demo):
    client = client_for(demo.ip_op)
    ip = demo.committees[IP_COMMITTEE]
    listing = text(client.get(reverse("titles:committees")).content)
    assert IP_COMMITTEE in listing and ENGINEERING_COMMITTEE not in listing and "新增评委会" not in listing
    detail = client.get(reverse("titles:committee", args=[ip.pk])).content.decode()
    assert "新建评审活动" in text(detail)
    assert reverse("titles:committee_edit", args=[ip.pk]) not in detail
    assert reverse("titles:committee_deregister", args=[ip.pk]) not in detail
    assert client.get(reverse("titles:committee", args=[demo.committees[ENGINEERING_COMMITTEE].pk])).status_code == 404
    assert client.get(reverse("titles:committee_edit", args=[ip.pk])).status_code == 404
    assert client.get(reverse("titles:committee_deregister", args=[ip.pk])).status_code == 404


def test_committee_pages_are_404_for_a_unit_operator(demo):
    firm, firm_op = create_unit(actor=demo.hr_op, parent=demo.root, kind=OrgKind.PROV_DEPT)
    client = client_for(firm_op)
    before = titles_state()
    assert client.get(reverse("titles:committees")).status_code == 404
    assert client.post(reverse("titles:committee_create"), committee_data(demo)).status_code == 404
    c = demo.committees[ENGINEERING_COMMITTEE]
    assert client.post(reverse("titles:committee_deregister", args=[c.pk]), {"reason": "x"}).status_code == 404
    assert titles_state() == before


def test_demo_catalogue_offers_the_five_series_for_review(demo, hr_client):
    html = hr_client.get(reverse("titles:choose_piece"), {"mode": EvaluationMode.REVIEW}).content.decode()
    assert labels(html, "series") == ["工程系列", "卫生系列", "中小学教师系列", "经济系列", "知识产权系列"]
    assert len(demo.committees) == 5
    assert all(c.activities.filter(status="published").count() == 1 for c in demo.committees.values())
