"""TTL-1/TTL-2 through HTTP: the provincial HR operator maintains series, the specialty tree and qualification
names; a node in use is retired, never deleted; nobody else reaches these pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orgs.kinds import OrgKind
from tests.factories import create_unit, make_user, province_root
from titles.catalogue import EvaluationMode, Level
from titles.models import QualificationName, Series, Specialty

from .conftest import client_for
from .helpers import labels, text, titles_state

pytestmark = pytest.mark.django_db

IN_USE = "已被使用"
ONLY_RETIRE = "不能删除，只能停用"


def node_url(kind: str, pk: int, action: str) -> str:
    return reverse("titles:node_action", args=[kind, pk, action])


def add_series(client, code="GC", name="工程系列", sort=1):
    return client.post(reverse("titles:catalogue"), {"code": code, "name": name, "sort": sort})


def add_specialty(client, series: Series, code: str, name: str, parent: Specialty | None = None):
    return client.post(
        reverse("titles:series", args=[series.pk]),
        {"action": "add_specialty", "sp-parent": parent.pk if parent else "", "sp-code": code, "sp-name": name},
    )


def add_qualification(
    client,
    series: Series,
    *,
    level: str,
    name: str,
    national: str,
    review=True,
    initial=False,
    recognition=False,
    specialties=(),
):
    data = {
        "action": "add_qualification",
        "q-level": level,
        "q-name": name,
        "q-national_title": national,
        "q-specialties": [s.pk for s in specialties],
    }
    for field, on in (("allows_review", review), ("allows_initial", initial), ("allows_recognition", recognition)):
        if on:
            data[f"q-{field}"] = "on"
    return client.post(reverse("titles:series", args=[series.pk]), data)


@pytest.fixture
def hr_client(hr):
    return client_for(hr[1])


@pytest.fixture
def engineering(hr_client):
    """工程系列 with 水利水电工程 → 水工建筑, 电子信息, and 高级工程师 — built through the pages."""
    assert add_series(hr_client).status_code == 302
    gc = Series.objects.get(code="GC")
    add_specialty(hr_client, gc, "GC01", "水利水电工程")
    add_specialty(hr_client, gc, "GC0101", "水工建筑", parent=Specialty.objects.get(code="GC01"))
    add_specialty(hr_client, gc, "GC02", "电子信息")
    add_qualification(hr_client, gc, level=Level.VICE_SENIOR, name="高级工程师", national="高级工程师")
    return gc


# --------------------------------------------------------------------------------------------- building the tree
def test_hr_operator_builds_series_specialty_tree_and_qualifications_through_the_pages(hr_client):
    resp = add_series(hr_client)
    gc = Series.objects.get(code="GC")
    assert resp.status_code == 302 and resp.url == reverse("titles:series", args=[gc.pk])
    assert (gc.name, gc.sort, gc.is_active) == ("工程系列", 1, True)

    assert add_specialty(hr_client, gc, "GC01", "水利水电工程").status_code == 302
    root = Specialty.objects.get(series=gc, code="GC01")
    assert add_specialty(hr_client, gc, "GC0101", "水工建筑", parent=root).status_code == 302
    child = Specialty.objects.get(series=gc, code="GC0101")
    assert root.depth == 1 and child.depth == 2 and child.path.startswith(root.path)

    resp = add_qualification(
        hr_client, gc, level=Level.VICE_SENIOR, name="高级工程师", national="高级工程师", specialties=[root]
    )
    assert resp.status_code == 302
    q = QualificationName.objects.get(name="高级工程师")
    assert (q.series_id, q.level, q.national_title) == (gc.pk, Level.VICE_SENIOR, "高级工程师")
    assert (q.allows_review, q.allows_initial, q.allows_recognition) == (True, False, False)
    assert list(q.specialties.values_list("code", flat=True)) == ["GC01"]

    page = text(hr_client.get(reverse("titles:series", args=[gc.pk])).content)
    assert "GC01 水利水电工程" in page and "GC0101 水工建筑" in page
    assert "副高级 高级工程师 高级工程师 评审 水利水电工程" in page
    assert "工程系列" in text(hr_client.get(reverse("titles:catalogue")).content)


def test_qualification_maps_each_evaluation_mode_it_allows(hr_client, engineering):
    add_qualification(
        hr_client,
        engineering,
        level=Level.ASSISTANT,
        name="助理工程师",
        national="助理工程师",
        review=True,
        initial=True,
    )
    q = QualificationName.objects.get(name="助理工程师")
    assert q.allows(EvaluationMode.REVIEW) and q.allows(EvaluationMode.INITIAL)
    assert not q.allows(EvaluationMode.RECOGNITION)


def test_duplicate_specialty_code_in_the_same_series_is_refused_in_chinese(hr_client, engineering):
    before = titles_state()
    resp = add_specialty(hr_client, engineering, "GC01", "另一个专业")
    assert resp.status_code == 200
    assert "专业代码“GC01”在本系列中已存在。" in text(resp.content)
    assert titles_state() == before


def test_same_specialty_code_is_allowed_in_another_series(hr_client, engineering):
    add_series(hr_client, code="WS", name="卫生系列", sort=2)
    ws = Series.objects.get(code="WS")
    assert add_specialty(hr_client, ws, "GC01", "临床医学").status_code == 302
    assert Specialty.objects.filter(code="GC01").count() == 2


def test_a_parent_specialty_of_another_series_is_refused(hr_client, engineering):
    add_series(hr_client, code="WS", name="卫生系列", sort=2)
    ws = Series.objects.get(code="WS")
    before = titles_state()
    resp = add_specialty(hr_client, ws, "WS01", "临床医学", parent=Specialty.objects.get(code="GC01"))
    assert resp.status_code == 200
    assert "选择一个有效的选项" in text(resp.content)
    assert titles_state() == before


def test_duplicate_series_code_is_refused(hr_client, engineering):
    before = titles_state()
    resp = add_series(hr_client, code="GC", name="另一个工程系列")
    assert resp.status_code == 200
    assert "系列代码" in text(resp.content) and "已存在" in text(resp.content)
    assert titles_state() == before


def test_rename_specialty_keeps_its_place_in_the_tree(hr_client, engineering):
    node = Specialty.objects.get(code="GC0101")
    resp = hr_client.get(reverse("titles:specialty_edit", args=[node.pk]))
    assert resp.status_code == 200 and 'value="水工建筑"' in resp.content.decode()
    resp = hr_client.post(reverse("titles:specialty_edit", args=[node.pk]), {"code": "GC0101", "name": "水工结构"})
    assert resp.status_code == 302
    node.refresh_from_db()
    assert node.name == "水工结构" and node.depth == 2
    assert node.path.startswith(Specialty.objects.get(code="GC01").path)


def test_rename_to_a_code_already_used_in_the_series_is_refused(hr_client, engineering):
    node = Specialty.objects.get(code="GC0101")
    before = titles_state()
    resp = hr_client.post(reverse("titles:specialty_edit", args=[node.pk]), {"code": "GC02", "name": "水工建筑"})
    assert resp.status_code == 200
    assert "专业代码“GC02”在本系列中已存在。" in text(resp.content)
    assert titles_state() == before


def test_edit_qualification_changes_name_national_title_and_modes(hr_client, engineering):
    q = QualificationName.objects.get(name="高级工程师")
    resp = hr_client.post(
        reverse("titles:qualification_edit", args=[q.pk]),
        {
            "level": Level.VICE_SENIOR,
            "name": "高级工程师（副高）",
            "national_title": "高级工程师",
            "allows_review": "on",
            "allows_recognition": "on",
        },
    )
    assert resp.status_code == 302
    q.refresh_from_db()
    assert (q.name, q.allows_review, q.allows_initial, q.allows_recognition) == (
        "高级工程师（副高）",
        True,
        False,
        True,
    )


# --------------------------------------------------------------------------------------------- retire
def test_retired_specialty_and_its_children_disappear_from_the_cascade(hr_client, engineering):
    gc = engineering
    piece = reverse("titles:choose_piece")
    params = {"mode": EvaluationMode.REVIEW, "series": gc.pk, "level": Level.VICE_SENIOR}
    assert labels(hr_client.get(piece, params).content.decode(), "specialty") == [
        "水利水电工程",
        "水工建筑",
        "电子信息",
    ]

    node = Specialty.objects.get(code="GC01")
    resp = hr_client.post(node_url("specialty", node.pk, "retire"))
    assert resp.status_code == 302
    assert not Specialty.objects.get(code="GC01").is_active and not Specialty.objects.get(code="GC0101").is_active
    assert labels(hr_client.get(piece, params).content.decode(), "specialty") == ["电子信息"]
    page = text(hr_client.get(reverse("titles:series", args=[gc.pk])).content)
    assert "水利水电工程 已停用" in page

    # Reactivating the node brings it back (its child was retired with it and stays retired).
    hr_client.post(node_url("specialty", node.pk, "activate"))
    assert labels(hr_client.get(piece, params).content.decode(), "specialty") == ["水利水电工程", "电子信息"]


def test_retired_series_and_qualification_leave_the_cascade(hr_client, engineering):
    gc = engineering
    piece = reverse("titles:choose_piece")
    q = QualificationName.objects.get(name="高级工程师")
    params = {
        "mode": EvaluationMode.REVIEW,
        "series": gc.pk,
        "level": Level.VICE_SENIOR,
        "specialty": Specialty.objects.get(code="GC02").pk,
    }
    assert labels(hr_client.get(piece, params).content.decode(), "qualification") == ["高级工程师"]
    hr_client.post(node_url("qualification", q.pk, "retire"))
    assert not QualificationName.objects.get(pk=q.pk).is_active
    html = hr_client.get(piece, params).content.decode()
    assert labels(html, "qualification") == [] and labels(html, "series") == []

    hr_client.post(node_url("qualification", q.pk, "activate"))
    hr_client.post(node_url("series", gc.pk, "retire"))
    assert not Series.objects.get(pk=gc.pk).is_active
    assert labels(hr_client.get(piece, {"mode": EvaluationMode.REVIEW}).content.decode(), "series") == []


# --------------------------------------------------------------------------------------------- delete
def test_get_on_delete_only_shows_a_confirmation_page(hr_client, engineering):
    node = Specialty.objects.get(code="GC02")
    before = titles_state()
    resp = hr_client.get(node_url("specialty", node.pk, "delete"))
    assert resp.status_code == 200
    page = text(resp.content)
    assert "确定删除“电子信息”吗？" in page and "已被使用的节点不能删除，只能停用。" in page
    assert titles_state() == before


def test_deleting_an_unused_specialty_works(hr_client, engineering):
    node = Specialty.objects.get(code="GC02")
    resp = hr_client.post(node_url("specialty", node.pk, "delete"), follow=True)
    assert "已删除“电子信息”。" in text(resp.content)
    assert not Specialty.objects.filter(code="GC02").exists()
    assert Specialty.objects.get(code="GC01").numchild == 1  # the rest of the tree is intact


def test_deleting_an_unused_leaf_updates_its_parent(hr_client, engineering):
    node = Specialty.objects.get(code="GC0101")
    hr_client.post(node_url("specialty", node.pk, "delete"))
    assert not Specialty.objects.filter(code="GC0101").exists()
    assert Specialty.objects.get(code="GC01").numchild == 0


def test_deleting_an_unused_qualification_and_an_empty_series_works(hr_client, engineering):
    q = QualificationName.objects.get(name="高级工程师")
    hr_client.post(node_url("qualification", q.pk, "delete"))
    assert not QualificationName.objects.filter(pk=q.pk).exists()
    add_series(hr_client, code="TMP", name="临时系列", sort=9)
    tmp = Series.objects.get(code="TMP")
    resp = hr_client.post(node_url("series", tmp.pk, "delete"))
    assert resp.status_code == 302 and resp.url == reverse("titles:catalogue")
    assert not Series.objects.filter(code="TMP").exists()


def _refused_delete(client, kind, pk, *, name, where):
    before = titles_state()
    resp = client.post(node_url(kind, pk, "delete"), follow=True)
    page = text(resp.content)
    assert f"“{name}”{IN_USE}（" in page and ONLY_RETIRE in page, page
    assert where in page
    assert titles_state() == before


def test_deleting_a_specialty_with_children_is_refused(hr_client, engineering):
    _refused_delete(
        hr_client, "specialty", Specialty.objects.get(code="GC01").pk, name="水利水电工程", where="有下级专业"
    )


def test_deleting_a_specialty_named_in_a_qualification_limit_is_refused(hr_client, engineering):
    node = Specialty.objects.get(code="GC02")
    add_qualification(
        hr_client, engineering, level=Level.MIDDLE, name="工程师（电子）", national="工程师", specialties=[node]
    )
    _refused_delete(hr_client, "specialty", node.pk, name="电子信息", where="资格名称")


def test_deleting_a_specialty_reviewed_by_a_committee_is_refused(demo):
    client = client_for(demo.hr_op)
    _refused_delete(client, "specialty", demo.spec("JS02").pk, name="数学", where="评委会")


def test_deleting_a_series_with_specialties_is_refused(hr_client, engineering):
    _refused_delete(hr_client, "series", engineering.pk, name="工程系列", where="专业")


def test_deleting_a_series_used_by_committees_and_qualifications_is_refused(demo):
    client = client_for(demo.hr_op)
    _refused_delete(client, "series", demo.series("ZSCQ").pk, name="知识产权系列", where="评委会")


def test_refused_delete_leaves_the_node_retirable(hr_client, engineering):
    node = Specialty.objects.get(code="GC01")
    hr_client.post(node_url("specialty", node.pk, "delete"))
    assert Specialty.objects.filter(pk=node.pk).exists()
    hr_client.post(node_url("specialty", node.pk, "retire"))
    assert not Specialty.objects.get(pk=node.pk).is_active


# --------------------------------------------------------------------------------------------- who may
@pytest.fixture
def outsiders(hr):
    """A county private enterprise operator (created down the real chain) and an applicant of that unit."""
    root, op = hr
    city, city_op = create_unit(actor=op, parent=root, kind=OrgKind.HR_CITY)
    county, county_op = create_unit(actor=city_op, parent=city, kind=OrgKind.HR_COUNTY)
    firm, firm_op = create_unit(actor=county_op, parent=county, kind=OrgKind.COUNTY_PRIVATE)
    applicant = make_user(org=firm, name="申报人", roles=("applicant",))
    return {"city HR operator": city_op, "county enterprise operator": firm_op, "applicant": applicant}


def management_urls(demo) -> list[str]:
    c = demo.committees["四川省工程技术高级职称评审委员会"]
    a = c.activities.first()
    gc, spec, q = demo.series("GC"), demo.spec("GC01"), demo.qual("高级工程师")
    return [
        reverse("titles:catalogue"),
        reverse("titles:series", args=[gc.pk]),
        node_url("series", gc.pk, "delete"),
        node_url("specialty", spec.pk, "retire"),
        node_url("qualification", q.pk, "delete"),
        reverse("titles:specialty_edit", args=[spec.pk]),
        reverse("titles:qualification_edit", args=[q.pk]),
        reverse("titles:export"),
        reverse("titles:import"),
        reverse("titles:committees"),
        reverse("titles:committee_create"),
        reverse("titles:committee", args=[c.pk]),
        reverse("titles:committee_edit", args=[c.pk]),
        reverse("titles:committee_deregister", args=[c.pk]),
        reverse("titles:activities"),
        reverse("titles:activity_create", args=[c.pk]),
        reverse("titles:activity", args=[a.pk]),
        reverse("titles:activity_edit", args=[a.pk]),
    ]


@pytest.mark.parametrize("who", ["city HR operator", "county enterprise operator", "applicant"])
def test_operators_without_the_hr_or_office_role_get_404_on_every_management_page(demo, outsiders, who):
    client = client_for(outsiders[who])
    for url in management_urls(demo):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["county enterprise operator", "applicant"])
def test_forged_posts_from_an_operator_without_the_role_change_nothing(demo, outsiders, who):
    client = client_for(outsiders[who])
    c = demo.committees["四川省工程技术高级职称评审委员会"]
    a = c.activities.first()
    gc, spec, q = demo.series("GC"), demo.spec("GC01"), demo.qual("高级工程师")
    before = titles_state()
    posts = [
        (reverse("titles:catalogue"), {"code": "X", "name": "伪造系列"}),
        (reverse("titles:series", args=[gc.pk]), {"action": "add_specialty", "sp-code": "X1", "sp-name": "伪造"}),
        (node_url("series", gc.pk, "delete"), {}),
        (node_url("specialty", spec.pk, "retire"), {}),
        (node_url("qualification", q.pk, "delete"), {}),
        (reverse("titles:specialty_edit", args=[spec.pk]), {"code": "GC01", "name": "伪造"}),
        (reverse("titles:qualification_edit", args=[q.pk]), {"level": "senior", "name": "伪造", "national_title": "x"}),
        (reverse("titles:import"), {"action": "confirm"}),
        (reverse("titles:committee_create"), {"name": "伪造评委会"}),
        (reverse("titles:committee_deregister", args=[c.pk]), {"reason": "伪造"}),
        (reverse("titles:committee_reactivate", args=[c.pk]), {}),
        (reverse("titles:activity_edit", args=[a.pk]), {"title": "伪造"}),
        (reverse("titles:activity_publish", args=[a.pk]), {}),
        (reverse("titles:activity_close_date", args=[a.pk]), {"closes_on": "2099-01-01"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert titles_state() == before


def test_anonymous_visitor_is_sent_to_the_login_page(demo):
    client = client_for(None)
    for url in [*management_urls(demo), reverse("titles:choose"), reverse("titles:choose_piece")]:
        resp = client.get(url)
        assert resp.status_code == 302 and resp.url.startswith(reverse("login") + "?next="), url


def test_every_logged_in_user_may_use_the_choice_but_sees_no_catalogue_menu(demo, outsiders):
    client = client_for(outsiders["applicant"])
    resp = client.get(reverse("titles:choose"))
    assert resp.status_code == 200
    assert "职称目录" not in text(resp.content)
    assert "职称目录" in text(client_for(demo.hr_op).get(reverse("titles:choose")).content)


def test_second_root_operator_with_hr_role_may_maintain_the_catalogue(demo):
    root, _ = province_root()
    other = make_user(org=root, name="省厅另一经办", roles=("hr_province",))
    assert client_for(other).get(reverse("titles:catalogue")).status_code == 200


def test_deleting_a_node_referenced_without_a_reverse_accessor_is_refused(demo):
    """workflow's industry-department configuration points at series and specialty with related_name="+"."""
    from workflow.models import IndustryDepartment

    client = client_for(demo.hr_op)
    node = Specialty.objects.add_root(instance=Specialty(series=demo.series("JJ"), code="JJ09", name="旅游经济"))
    IndustryDepartment.objects.create(region=demo.root.region, series=demo.series("JJ"), specialty=node, org=demo.root)
    _refused_delete(client, "specialty", node.pk, name="旅游经济", where="行业主管部门配置")
    assert Specialty.objects.filter(pk=node.pk).exists()


def test_deleting_a_qualification_or_series_named_in_a_declaration_is_refused(demo):
    from declarations.models import Declaration

    client = client_for(demo.hr_op)
    applicant = make_user(org=demo.root, name="申报人", roles=("applicant",))
    q = QualificationName.objects.create(
        series=demo.series("JJ"), level=Level.SENIOR, name="正高级经济师（试点）", national_title="正高级经济师"
    )
    Declaration.objects.create(
        applicant=applicant,
        unit=demo.root,
        year=2099,
        mode=EvaluationMode.REVIEW,
        series=demo.series("JJ"),
        level=Level.SENIOR,
        specialty=demo.spec("JJ01"),
        qualification=q,
    )
    _refused_delete(client, "qualification", q.pk, name="正高级经济师（试点）", where="职称申报")
    _refused_delete(client, "series", demo.series("JJ").pk, name="经济系列", where="职称申报")
