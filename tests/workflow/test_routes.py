"""WFL-1 / ORG-5 / ORG-6: routes as data. Every unit kind of seed 000 §6.1 routes exactly as the seed says, one
dossier each driven through HTTP step by step as the right operator; a broken route refuses the submission
with the same explanation the diagnosis page shows; audit-path edges override the next org."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from declarations.models import Declaration
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.factories import create_unit
from titles.catalogue import Level
from titles.models import Series, Specialty
from workflow.models import AuditPathEdge, Decision, IndustryDepartment, ReviewProcess

from .conftest import IP_CENTER, ROOT
from .helpers import (
    approve,
    client_for,
    draft,
    messages_of,
    new_applicant,
    process_of,
    snapshot,
    submit,
    submitted,
    task_ids_in,
    task_of,
    text,
)

K = OrgKind
INBOX = reverse("workflow:inbox")
DIAGNOSE = reverse("workflow:diagnose")
PATHS = reverse("workflow:paths")

# Seed 000 §6.1.1.1–6.1.1.4, copied verbatim.
SEED_ROUTES = {
    K.COUNTY_PRIVATE: "个人申报——单位审核——县(区)所申报专业行业主管部门审核——县(区)人社部门审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.COUNTY_SOE: "个人申报——单位审核——县(区)主管部门审核——县(区)所申报专业行业主管部门审核——县(区)人社部门审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.COUNTY_AFFILIATE: "个人申报——单位审核——县(区)主管部门审核——县(区)所申报专业行业主管部门审核——县(区)人社部门审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.COUNTY_DEPT: "个人申报——单位审核——县(区)所申报专业行业主管部门审核——县(区)人社部门审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.CITY_PRIVATE: "个人申报——单位审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.CITY_SOE: "个人申报——单位审核——市(州)主管部门审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查（四川省人力资源和社会保障厅）——高评委评审——省人社厅审核",
    K.CITY_AFFILIATE: "个人申报——单位审核——市(州)主管部门审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查（四川省人力资源和社会保障厅）——高评委评审——省人社厅审核",
    K.CITY_DEPT: "个人申报——单位审核——市(州)所申报专业行业主管部门审核——市(州)人社部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.PROV_ENTERPRISE: "个人申报——单位审核——省级部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.PROV_AFFILIATE: "个人申报——单位审核——省级部门审核——高评办资格审查——高评委评审——省人社厅审核",
    K.PROV_DEPT: "个人申报——单位审核——高评办资格审查——高评委评审——省人社厅审核",
    K.CENTRAL: "个人申报——单位审核——高评办资格审查——高评委评审——省人社厅审核",
}

# The org each step goes to in the test world (conftest): competent dept = the unit's parent; industry depts as
# configured for 东坡区/眉山市 and 工程系列; HR bureaus of the unit's locality; 000 §6.1.1.5 note 2 for the last.
ORG_OF_STEP = {
    "县(区)主管部门审核": "东坡区经济和信息化局",
    "县(区)所申报专业行业主管部门审核": "东坡区水利局",
    "县(区)人社部门审核": "眉山市东坡区人力资源和社会保障局",
    "市(州)主管部门审核": "眉山市经济和信息化局",
    "市(州)所申报专业行业主管部门审核": "眉山市水务局",
    "市(州)人社部门审核": "眉山市人力资源和社会保障局",
    "省级部门审核": "四川省水利厅",
    "高评办资格审查": ROOT,
    "高评委评审": ROOT,
    "省人社厅审核": ROOT,
}


def seed_steps(kind: str) -> list[tuple[str, str | None]]:
    """(step name, org named in the seed or None) after 个人申报."""
    out = []
    for part in SEED_ROUTES[kind].split("——")[1:]:
        m = re.fullmatch(r"(.+?)(?:（(.+)）)?", part)
        out.append((m.group(1), m.group(2)))
    return out


def expected_route(kind: str, unit: Org) -> list[tuple[str, str]]:
    rows = []
    for label, seed_org in seed_steps(kind):
        org = unit.name if label == "单位审核" else ORG_OF_STEP[label]
        if seed_org:
            assert org == seed_org
        rows.append((label, org))
    return rows


def drive(world, d: Declaration, expected: list[tuple[str, str]], outsiders=()) -> None:
    """Each operator up the chain finds the dossier in the 待办, opens it and approves, in the seed's order.
    `outsiders` may open no step but their own."""
    ops_by_name = {o.name: world.op_of(o) for o in world.orgs.values()}
    office_index = next(i for i, (lb, _) in enumerate(expected) if lb.endswith("资格审查"))
    for i, (label, org_name) in enumerate(expected):
        p = process_of(d)
        assert p.state == ReviewProcess.State.REVIEWING
        assert (p.position, p.current_step["label"], p.current_org.name) == (i, label, org_name)
        op = ops_by_name[org_name]
        t = task_of(d)
        inbox = client_for(op).get(INBOX)
        assert t.pk in task_ids_in(inbox.content), (label, org_name)
        assert f"{d.applicant.name} {d.unit.name}" in text(inbox.content)
        assert f"{label} {org_name} 审核中" in text(inbox.content)  # 当前环节, 当前审核单位, 状态
        if i in (0, office_index):  # the task page: the step, the dossier, the default next org
            page = client_for(op).get(reverse("workflow:task", args=[t.pk]))
            assert page.status_code == 200
            assert f"{label} · {d.applicant.name}" in text(page.content)
            assert f"默认下一审核单位：{expected[i + 1][0]} · {expected[i + 1][1]}" in text(page.content)
        if i + 1 < len(expected):
            nxt = ops_by_name[expected[i + 1][1]]
            if nxt.pk != op.pk:  # not yet theirs
                assert client_for(nxt).get(reverse("workflow:task", args=[t.pk])).status_code == 404
        for other in outsiders:
            if other.pk != op.pk:
                assert client_for(other).get(reverse("workflow:task", args=[t.pk])).status_code == 404
        # DCL-6: the 申报表 flag is set by the 资格审查 approval, not before
        assert Declaration.objects.get(pk=d.pk).qualification_passed is (i > office_index)
        approve(op, d, opinion=f"{label}：同意")
    d.refresh_from_db()
    assert d.status == Declaration.Status.APPROVED
    assert d.qualification_passed
    p = process_of(d)
    assert p.state == ReviewProcess.State.APPROVED and task_of(d) is None
    approvals = list(
        Decision.objects.filter(process=p, action=Decision.Action.APPROVE)
        .order_by("pk")
        .values_list("step_label", "org__name")
    )
    assert approvals == expected


@pytest.mark.parametrize("kind", list(SEED_ROUTES))
def test_each_unit_kind_routes_as_seed_000_section_6_1_step_by_step(world, kind):
    unit = world.unit_of_kind[kind]
    expected = expected_route(kind, unit)
    _, client, d = submitted(world, unit)
    p = process_of(d)
    assert [(s["label"], s["org_name"]) for s in p.route] == expected
    assert [s["org"] for s in p.route] == [Org.objects.get(name=n).pk for _, n in expected]
    drive(world, d, expected)
    progress = text(client_for(d.applicant).get(reverse("workflow:progress", args=[d.pk])).content)
    assert "状态：已通过" in progress


def test_the_ip_route_goes_to_the_ip_centre_for_office_and_committee_and_the_hr_department_last(world):
    """000 §6.1.1.5: 高级知识产权师 — 高评办资格审查 and 高评委评审 at 四川省知识产权服务促进中心, the industry
    departments of the 知识产权系列, and 省人社厅审核 at 四川省人力资源和社会保障厅."""
    unit = world.unit_of_kind[K.COUNTY_PRIVATE]
    _, _, d = submitted(world, unit, ip=True)
    expected = [
        ("单位审核", unit.name),
        ("县(区)所申报专业行业主管部门审核", "东坡区经济和信息化局"),
        ("县(区)人社部门审核", "眉山市东坡区人力资源和社会保障局"),
        ("市(州)所申报专业行业主管部门审核", "眉山市市场监督管理局"),
        ("市(州)人社部门审核", "眉山市人力资源和社会保障局"),
        ("高评办资格审查", IP_CENTER),
        ("高评委评审", IP_CENTER),
        ("省人社厅审核", ROOT),
    ]
    assert [(s["label"], s["org_name"]) for s in process_of(d).route] == expected
    # the province's own office operator (office_senior in 省人社厅) may not run the IP committee's steps
    drive(world, d, expected, outsiders=[world.root_op])


# --------------------------------------------------------------------------------------------- breaks
def diagnose_url(unit: Org, *, committee, series="GC", level=Level.VICE_SENIOR, specialty="GC01") -> str:
    return (
        DIAGNOSE
        + "?"
        + urlencode(
            {
                "unit": unit.pk,
                "series": Series.objects.get(code=series).pk,
                "level": level,
                "specialty": Specialty.objects.get(code=specialty).pk,
                "committee": committee.pk,
            }
        )
    )


def xindu_private(world) -> Org:
    """A county private enterprise whose title-business locality is 新都区 (nothing configured there)."""
    hr = world.org("眉山市东坡区人力资源和社会保障局")
    org, op = create_unit(
        actor=world.op_of(hr), parent=hr, kind=K.COUNTY_PRIVATE, name="新都区某私营企业", second_region=True
    )
    assert org.locality.name == "新都区"
    world.ops[org.name] = op
    return org


def assert_refused_with(world, unit: Org, explanation: str) -> None:
    applicant, client, d = draft(world, unit)
    before = snapshot(d)
    resp = submit(client, d)
    assert resp.status_code == 400
    assert explanation in " ".join(messages_of(resp))
    assert snapshot(d) == before and d.status == Declaration.Status.DRAFT
    assert not ReviewProcess.objects.filter(declaration=d).exists()
    # the diagnosis page says the same, for the same inputs and for the dossier itself
    hr_page = client_for(world.root_op).get(diagnose_url(unit, committee=world.engineering))
    assert hr_page.status_code == 200 and explanation in text(hr_page.content)
    own = client.get(DIAGNOSE + f"?declaration={d.pk}")
    assert own.status_code == 200 and explanation in text(own.content)


def test_missing_industry_department_refuses_the_submission_and_names_the_step(world):
    unit = xindu_private(world)
    assert_refused_with(
        world,
        unit,
        "审核路径在第2步“县(区)所申报专业行业主管部门审核”中断：未配置新都区“工程系列·水利水电工程”的行业主管部门",
    )


def test_missing_hr_bureau_refuses_the_submission_and_names_the_step(world):
    unit = xindu_private(world)
    IndustryDepartment.objects.create(
        region=unit.locality, series=Series.objects.get(code="GC"), org=world.org("东坡区水利局")
    )
    assert_refused_with(world, unit, "审核路径在第3步“县(区)人社部门审核”中断：新都区没有启用中的人社部门。")


def test_an_inactive_competent_department_refuses_the_submission(world):
    unit = world.unit_of_kind[K.COUNTY_SOE]
    applicant, client, d = draft(world, unit)
    Org.objects.filter(name="东坡区经济和信息化局").update(is_active=False)
    before = snapshot(d)
    resp = submit(client, d)
    assert resp.status_code == 400
    explanation = "审核路径在第2步“县(区)主管部门审核”中断：申报单位没有启用中的上级主管部门"
    assert explanation in " ".join(messages_of(resp))
    assert snapshot(d) == before
    assert explanation in text(client.get(DIAGNOSE + f"?declaration={d.pk}").content)
    assert explanation in text(client_for(world.root_op).get(diagnose_url(unit, committee=world.engineering)).content)


def test_an_inactive_industry_department_or_final_org_breaks_the_route_too(world):
    unit = world.unit_of_kind[K.CITY_PRIVATE]
    Org.objects.filter(name="眉山市水务局").update(is_active=False)
    page = text(client_for(world.root_op).get(diagnose_url(unit, committee=world.engineering)).content)
    assert "审核路径在第2步“市(州)所申报专业行业主管部门审核”中断：眉山市的行业主管部门“眉山市水务局”已停用。" in page


def test_the_diagnosis_shows_the_full_route_when_configured(world):
    unit = world.unit_of_kind[K.COUNTY_SOE]
    page = client_for(world.op("眉山市东坡区人力资源和社会保障局")).get(diagnose_url(unit, committee=world.engineering))
    assert page.status_code == 200
    body = text(page.content)
    assert "路径完整：共 9 个审核环节" in body
    steps = re.findall(r"<li class=\"ok\"><strong>(.+?)</strong>：(.+?)(?:<|（)", page.content.decode())
    assert steps == expected_route(K.COUNTY_SOE, unit)


def test_the_diagnosis_of_a_dossier_is_open_to_its_applicant_and_reviewers_not_to_another_applicant(world):
    unit = world.unit_of_kind[K.COUNTY_PRIVATE]
    applicant, client, d = submitted(world, unit)
    url = DIAGNOSE + f"?declaration={d.pk}"
    for user in (applicant, world.op_of(unit), world.op("东坡区水利局"), world.root_op):
        resp = client_for(user).get(url)
        assert resp.status_code == 200, user.name
        assert "路径完整" in text(resp.content)
    assert client_for(new_applicant("李旁人")).get(url).status_code == 404
    # an applicant without any reviewing role may not diagnose arbitrary units
    assert client_for(new_applicant("王旁人")).get(diagnose_url(unit, committee=world.engineering)).status_code == 404


# --------------------------------------------------------------------------------------------- audit paths
def edge_post(user, action: str, **data):
    return client_for(user).post(PATHS, {"action": action, **data})


def test_an_hr_configured_edge_overrides_the_next_org(world):
    """003 §1.4–1.8: 眉山市人社局 configures "东坡区人社局's 工程系列 副高级 declarations go next to 眉山市经信局"."""
    city_hr_op = world.op("眉山市人力资源和社会保障局")
    county_hr = world.org("眉山市东坡区人力资源和社会保障局")
    target = world.org("眉山市经济和信息化局")
    gc = Series.objects.get(code="GC")
    resp = edge_post(
        city_hr_op, "configure", from_org=county_hr.pk, to_org=target.pk, series=gc.pk, level=Level.VICE_SENIOR
    )
    assert resp.status_code == 302
    edge = AuditPathEdge.objects.get(from_org=county_hr)
    assert edge.status == AuditPathEdge.Status.APPROVED and edge.to_org == target
    unit = world.unit_of_kind[K.COUNTY_PRIVATE]
    page = text(client_for(world.root_op).get(diagnose_url(unit, committee=world.engineering)).content)
    assert "市(州)所申报专业行业主管部门审核：眉山市经济和信息化局（路径配置）" in page
    # another level keeps the default
    other = text(
        client_for(world.root_op).get(diagnose_url(unit, committee=world.engineering, level=Level.SENIOR)).content
    )
    assert "市(州)所申报专业行业主管部门审核：眉山市水务局" in other
    # a dossier submitted now follows the edge: after 东坡区人社局 approves, 眉山市经信局 has it
    _, _, d = submitted(world, unit)
    route = process_of(d).route
    assert route[3]["org_name"] == target.name and route[3]["via_edge"]
    for org_name in (unit.name, "东坡区水利局", county_hr.name):
        approve(world.op(org_name), d)
    assert task_of(d).pk in task_ids_in(client_for(world.op_of(target)).get(INBOX).content)
    assert task_of(d).pk not in task_ids_in(client_for(world.op("眉山市水务局")).get(INBOX).content)


def test_only_hr_operators_configure_edges_and_only_in_their_own_subtree(world):
    county_water_op = world.op("东坡区水利局")
    resp = edge_post(
        county_water_op, "configure", from_org=world.org("东坡区水利局").pk, to_org=world.org("眉山市水务局").pk
    )
    assert not AuditPathEdge.objects.filter(status=AuditPathEdge.Status.APPROVED).exists()
    assert AuditPathEdge.objects.count() == 0, "a refused configuration must not turn into a request either"
    assert "您没有为该单位配置审核路径的权限。" in " ".join(messages_of(resp))
    # the county HR bureau may not configure the path of a city org above it
    county_hr_op = world.op("眉山市东坡区人力资源和社会保障局")
    resp = edge_post(
        county_hr_op, "configure", from_org=world.org("眉山市水务局").pk, to_org=world.org("眉山市经济和信息化局").pk
    )
    assert AuditPathEdge.objects.count() == 0
    # the service refuses too, whatever a form would offer
    from django.core.exceptions import PermissionDenied

    from workflow.services import edge_configure

    with pytest.raises(PermissionDenied):
        edge_configure(user=county_hr_op, from_org=world.org("眉山市水务局"), to_org=world.org("眉山市经济和信息化局"))


def test_a_lower_units_path_request_is_approved_by_the_target_org(world):
    """004 §2.5–2.6: 东坡区私营企业 asks to report to 东坡区经信局; until 东坡区经信局 approves nothing changes."""
    unit = world.unit_of_kind[K.COUNTY_PRIVATE]
    target = world.org("东坡区经济和信息化局")
    resp = edge_post(world.op_of(unit), "request", from_org=unit.pk, to_org=target.pk, reason="本企业归口经信局管理")
    assert resp.status_code == 302
    edge = AuditPathEdge.objects.get(from_org=unit)
    assert edge.status == AuditPathEdge.Status.REQUESTED
    url = diagnose_url(unit, committee=world.engineering)
    assert "县(区)所申报专业行业主管部门审核：东坡区水利局" in text(client_for(world.root_op).get(url).content)
    # another org may not decide it
    edge_post(world.op("东坡区水利局"), "approve", edge=edge.pk)
    edge.refresh_from_db()
    assert edge.status == AuditPathEdge.Status.REQUESTED
    # the target sees it with the buttons and approves
    page = client_for(world.op_of(target)).get(PATHS)
    assert f'name="edge" value="{edge.pk}"' in page.content.decode()
    edge_post(world.op_of(target), "approve", edge=edge.pk)
    edge.refresh_from_db()
    assert edge.status == AuditPathEdge.Status.APPROVED and edge.decided_by == world.op_of(target)
    assert "县(区)所申报专业行业主管部门审核：东坡区经济和信息化局（路径配置）" in text(
        client_for(world.root_op).get(url).content
    )


def test_refusing_a_path_request_requires_a_reason(world):
    unit = world.unit_of_kind[K.COUNTY_PRIVATE]
    target = world.org("东坡区经济和信息化局")
    edge_post(world.op_of(unit), "request", from_org=unit.pk, to_org=target.pk)
    edge = AuditPathEdge.objects.get(from_org=unit)
    resp = client_for(world.op_of(target)).post(
        PATHS, {"action": "refuse", "edge": edge.pk, "reason": " "}, follow=True
    )
    assert "请填写原因" in " ".join(messages_of(resp))
    edge.refresh_from_db()
    assert edge.status == AuditPathEdge.Status.REQUESTED
    edge_post(world.op_of(target), "refuse", edge=edge.pk, reason="不属于本部门管理")
    edge.refresh_from_db()
    assert (edge.status, edge.reason) == (AuditPathEdge.Status.REFUSED, "不属于本部门管理")
    assert "县(区)所申报专业行业主管部门审核：东坡区水利局" in text(
        client_for(world.root_op).get(diagnose_url(unit, committee=world.engineering)).content
    )


def test_industry_departments_are_configured_by_hr_operators_per_region_and_series(world):
    """The 行业主管部门 page: an HR operator names one for a county of their region; others get 404."""
    unit = xindu_private(world)
    url = reverse("workflow:industry")
    assert client_for(world.op("东坡区水利局")).get(url).status_code == 404
    gc = Series.objects.get(code="GC")
    resp = client_for(world.root_op).post(
        url, {"region": unit.locality.pk, "series": gc.pk, "specialty": "", "org": world.org("东坡区水利局").pk}
    )
    assert resp.status_code == 302
    assert IndustryDepartment.objects.filter(region=unit.locality, series=gc, org__name="东坡区水利局").exists()
    page = text(client_for(world.root_op).get(diagnose_url(unit, committee=world.engineering)).content)
    assert "审核路径在第3步“县(区)人社部门审核”中断" in page
    # a county HR bureau cannot configure a region outside its own
    before = IndustryDepartment.objects.count()
    client_for(world.op("眉山市东坡区人力资源和社会保障局")).post(
        url, {"region": world.city.pk, "series": gc.pk, "specialty": "", "org": world.org("东坡区水利局").pk}
    )
    assert IndustryDepartment.objects.count() == before
    assert IndustryDepartment.objects.get(region=world.city, series=gc).org.name == "眉山市水务局"
