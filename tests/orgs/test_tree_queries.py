"""ORG-1/ORG-4: subtree and ancestors come from the materialised path in a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import services
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.factories import create_unit, province_root

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_levels():
    """眉山市人社局 → {东坡区人社局 → {东坡区教育局, 东坡区某私营企业}, 眉山市交通运输局 → 眉山市公路事务中心}."""
    root, root_op = province_root()
    P, p_op = create_unit(actor=root_op, parent=root, kind=OrgKind.HR_CITY, name="眉山市人力资源和社会保障局")
    A, a_op = create_unit(actor=p_op, parent=P, kind=OrgKind.HR_COUNTY, name="东坡区人力资源和社会保障局")
    B, b_op = create_unit(actor=p_op, parent=P, kind=OrgKind.CITY_DEPT, name="眉山市交通运输局")
    C, _ = create_unit(actor=a_op, parent=A, kind=OrgKind.COUNTY_DEPT, name="东坡区教育局")
    D, _ = create_unit(actor=a_op, parent=A, kind=OrgKind.COUNTY_PRIVATE, name="东坡区某科技有限公司")
    B1, _ = create_unit(actor=b_op, parent=B, kind=OrgKind.CITY_AFFILIATE, name="眉山市公路事务中心")
    return {"root": root, "P": P, "A": A, "B": B, "C": C, "D": D, "B1": B1, "p_op": p_op}


def test_the_subtree_of_a_three_level_tree_is_one_query(three_levels, django_assert_num_queries):
    t = three_levels
    with django_assert_num_queries(1):
        names = [o.name for o in t["P"].subtree()]
    assert set(names) == {t[k].name for k in ("P", "A", "B", "C", "D", "B1")}

    with django_assert_num_queries(1):
        below = set(t["P"].subtree(include_self=False).values_list("pk", flat=True))
    assert below == {t[k].pk for k in ("A", "B", "C", "D", "B1")}

    with django_assert_num_queries(1):
        a_branch = set(t["A"].subtree().values_list("pk", flat=True))
    assert a_branch == {t["A"].pk, t["C"].pk, t["D"].pk}  # the sibling branch B is not in A's subtree


def test_the_subtree_query_is_a_path_prefix_match_not_a_walk(three_levels):
    sql = str(three_levels["P"].subtree().query)
    assert "LIKE" in sql.upper() and '"path"' in sql


def test_the_ancestors_are_one_query_in_order_from_the_root(three_levels, django_assert_num_queries):
    t = three_levels
    with django_assert_num_queries(1):
        chain = list(t["C"].ancestors())
    assert chain == [t["root"], t["P"], t["A"]]

    with django_assert_num_queries(1):
        assert list(t["B1"].ancestors()) == [t["root"], t["P"], t["B"]]
    with django_assert_num_queries(0):
        assert list(t["root"].ancestor_paths()) == []
    assert list(t["root"].ancestors()) == []


def _units_under(parent: Org, operator, n: int) -> None:
    """n units under 眉山市人社局, half of them one level deeper (under the first city department)."""
    dept, dept_op = create_unit(actor=operator, parent=parent, kind=OrgKind.CITY_DEPT, name="眉山市财政局")
    for i in range(n - 1):
        if i % 2:
            create_unit(actor=operator, parent=parent, kind=OrgKind.CITY_PRIVATE, name=f"眉山市民营企业{i}")
        else:
            create_unit(actor=dept_op, parent=dept, kind=OrgKind.CITY_AFFILIATE, name=f"眉山市财政局下属单位{i}")


def _list_queries(operator, url: str = "/orgs/") -> tuple[int, str]:
    client = Client()
    client.force_login(operator)
    client.get("/")  # settle the session so both measured requests start alike
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.content.decode()


def _listed_pks(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/orgs/(\d+)/edit/"', page)}


@pytest.mark.parametrize("url", ["/orgs/", "/orgs/?q=眉山市", "/orgs/?page=2"])
def test_the_org_list_runs_the_same_number_of_queries_for_5_and_for_40_units(url):
    root, root_op = province_root()
    small_city, small_op = create_unit(actor=root_op, parent=root, kind=OrgKind.HR_CITY, name="眉山市人社局")
    _units_under(small_city, small_op, 5)
    big_city, big_op = create_unit(
        actor=root_op, parent=root, kind=OrgKind.HR_CITY, name="成都市人社局", second_region=True
    )
    _units_under(big_city, big_op, 40)
    assert small_city.subtree(include_self=False).count() == 5
    assert big_city.subtree(include_self=False).count() == 40

    few, few_page = _list_queries(small_op, url)
    many, many_page = _list_queries(big_op, url)

    assert few == many
    if "page=2" not in url:
        assert len(_listed_pks(few_page)) == 5
        assert len(_listed_pks(many_page)) == 20  # the first page of 40
    else:
        assert len(_listed_pks(many_page)) == 20


# --------------------------------------------------------------------------------------------- fuzzy search
@pytest.fixture
def water():
    root, root_op = province_root()
    slt, slt_op = create_unit(actor=root_op, parent=root, kind=OrgKind.PROV_DEPT, name="四川省水利厅")
    jtt, _ = create_unit(actor=root_op, parent=root, kind=OrgKind.PROV_DEPT, name="四川省交通运输厅")
    yjy, _ = create_unit(actor=slt_op, parent=slt, kind=OrgKind.PROV_AFFILIATE, name="四川省水利科学研究院")
    sdj, _ = create_unit(actor=slt_op, parent=slt, kind=OrgKind.PROV_ENTERPRISE, name="四川省水电投资经营集团有限公司")
    services.org_set_active(actor=slt_op, org=yjy, active=False)
    client = Client()
    client.force_login(root_op)
    return client, {"水利厅": slt, "交通厅": jtt, "水科院": yjy, "水电集团": sdj}


def _found(client, query: str) -> set[int]:
    response = client.get(f"/orgs/{query}")
    assert response.status_code == 200
    return _listed_pks(response.content.decode())


def test_fuzzy_name_search_finds_every_unit_whose_name_contains_the_words(water):
    client, o = water
    assert _found(client, "?q=水利") == {o["水利厅"].pk, o["水科院"].pk}
    assert _found(client, "?q=水利厅") == {o["水利厅"].pk}
    assert _found(client, "?q=四川 研究院") == {o["水科院"].pk}  # every word must occur
    assert _found(client, "?q=厅") == {o["水利厅"].pk, o["交通厅"].pk}
    assert _found(client, "?q=  水利  ") == {o["水利厅"].pk, o["水科院"].pk}
    assert _found(client, "?q=") == set(p.pk for p in o.values())
    assert _found(client, "?q=不存在的单位") == set()
    page = client.get("/orgs/?q=水利").content.decode()
    assert 'value="水利"' in page  # the search box keeps the words


def test_the_search_filters_by_kind_and_by_active(water):
    client, o = water
    assert _found(client, f"?q=水利&kind={OrgKind.PROV_DEPT}") == {o["水利厅"].pk}
    assert _found(client, f"?kind={OrgKind.PROV_AFFILIATE}") == {o["水科院"].pk}
    assert _found(client, "?q=水利&active=1") == {o["水利厅"].pk}
    assert _found(client, "?q=水利&active=0") == {o["水科院"].pk}
    assert _found(client, f"?q=四川&kind={OrgKind.PROV_ENTERPRISE}&active=1") == {o["水电集团"].pk}
    assert _found(client, f"?kind={OrgKind.PROV_ENTERPRISE}&active=0") == set()
    assert _found(client, "?active=junk") == set(p.pk for p in o.values())


def test_the_search_never_reaches_beyond_the_operators_own_subtree(water):
    _, o = water
    slt_op = o["水利厅"].members.get(is_unit_admin=True)
    client = Client()
    client.force_login(slt_op)
    assert _found(client, "?q=四川") == {o["水科院"].pk, o["水电集团"].pk}
    assert _found(client, "?q=厅") == set()
