"""Shared set-up for the review-chain tests (issue 5; WFL-1…10, ORG-5, ORG-6).

`world` is the org tree of seed 000 §3.1.3 / §6.1, built once per module through the real services (inside an
outer transaction rolled back at the end; each test runs in a savepoint of its own):

    四川省人力资源和社会保障厅 (root; its operator holds hr_province AND office_senior: it runs the engineering
    │                          高评办/高评委 and the final 省人社厅审核)
    ├─ 四川省知识产权服务促进中心 (committee office of the 知识产权 committee, 000 §6.1.1.5)
    ├─ 四川省水利厅 (省级部门) ─┬─ 四川省水利发展集团有限公司 (省级企业)
    │                          └─ 四川省水文水资源勘测局 (省级部门所属单位)
    ├─ 中国工程物理研究院 (中央在川单位)
    └─ 眉山市人力资源和社会保障局 (市 HR) ─┬─ 眉山市水务局 (市部门; 市 industry dept of 工程系列)
                                          ├─ 眉山市市场监督管理局 (市部门; 市 industry dept of 知识产权系列)
                                          ├─ 眉山市经济和信息化局 (市部门单位; competent dept of the city SOE/affiliate)
                                          │    ├─ 眉山市国营企业 (市国营企业) ├─ 眉山市所属单位 (市部门所属单位)
                                          ├─ 眉山市私营企业 (市私营企业)
                                          └─ 眉山市东坡区人力资源和社会保障局 (县 HR)
                                               ├─ 东坡区水利局 (县部门; 县 industry dept of 工程系列)
                                               ├─ 东坡区经济和信息化局 (县部门单位; competent dept of the county SOE/affiliate)
                                               │    ├─ 东坡区国营企业  ├─ 东坡区所属单位
                                               └─ 东坡区私营企业 (县私营企业)

Regions: 四川省 → 眉山市 → 东坡区 (configured), 成都市 → 新都区 (nothing configured: used for route breaks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from accounts.models import User
from accounts.services import user_roles_set
from orgs.kinds import OrgKind
from orgs.models import Org, Region
from tests.factories import create_unit, module_world, province_root, regions
from titles.demo import committees_load
from titles.models import Committee, Series
from workflow.models import IndustryDepartment

K = OrgKind
ENGINEERING = "四川省工程技术高级职称评审委员会"
IP_COMMITTEE = "四川省知识产权高级职称评审委员会"
ROOT = "四川省人力资源和社会保障厅"
IP_CENTER = "四川省知识产权服务促进中心"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """An empty storage directory of this test's own."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@dataclass
class World:
    orgs: dict[str, Org] = field(default_factory=dict)  # by name
    ops: dict[str, User] = field(default_factory=dict)  # first operator of each org, by org name
    committees: dict[str, Committee] = field(default_factory=dict)
    unit_of_kind: dict[str, Org] = field(default_factory=dict)  # one applicant unit per unit kind (000 §6.1)

    def org(self, name: str) -> Org:
        return self.orgs[name]

    def op(self, name: str) -> User:
        return self.ops[name]

    @property
    def root(self) -> Org:
        return self.orgs[ROOT]

    @property
    def root_op(self) -> User:
        return self.ops[ROOT]

    @property
    def engineering(self) -> Committee:
        return self.committees[ENGINEERING]

    @property
    def ip_committee(self) -> Committee:
        return self.committees[IP_COMMITTEE]

    @property
    def county(self) -> Region:
        return regions()["county"]

    @property
    def city(self) -> Region:
        return regions()["city"]

    def op_of(self, org: Org) -> User:
        return self.ops[org.name]


def build_world() -> World:
    w = World()
    r = regions()
    root, op = province_root()
    user_roles_set(actor=op, user=op, org=root, role_codes=["hr_province", "office_senior"])
    w.orgs[ROOT], w.ops[ROOT] = root, op

    def add(actor_org: str, kind: str, name: str, *, second: bool = False) -> Org:
        org, first_op = create_unit(
            actor=w.ops[actor_org], parent=w.orgs[actor_org], kind=kind, name=name, second_region=second
        )
        w.orgs[name], w.ops[name] = org, first_op
        return org

    ip = add(ROOT, K.COMMITTEE_OFFICE, IP_CENTER)
    w.committees = {c.name: c for c in committees_load(province=root, ip_center=ip, region=r["province"])}
    add(ROOT, K.PROV_DEPT, "四川省水利厅")
    add("四川省水利厅", K.PROV_ENTERPRISE, "四川省水利发展集团有限公司")
    add("四川省水利厅", K.PROV_AFFILIATE, "四川省水文水资源勘测局")
    add(ROOT, K.CENTRAL, "中国工程物理研究院")
    add(ROOT, K.HR_CITY, "眉山市人力资源和社会保障局")
    add("眉山市人力资源和社会保障局", K.CITY_DEPT, "眉山市水务局")
    add("眉山市人力资源和社会保障局", K.CITY_DEPT, "眉山市市场监督管理局")
    add("眉山市人力资源和社会保障局", K.CITY_DEPT, "眉山市经济和信息化局")
    add("眉山市经济和信息化局", K.CITY_SOE, "眉山市国营企业")
    add("眉山市经济和信息化局", K.CITY_AFFILIATE, "眉山市经信局所属单位")
    add("眉山市人力资源和社会保障局", K.CITY_PRIVATE, "眉山市私营企业")
    add("眉山市人力资源和社会保障局", K.HR_COUNTY, "眉山市东坡区人力资源和社会保障局")
    add("眉山市东坡区人力资源和社会保障局", K.COUNTY_DEPT, "东坡区水利局")
    add("眉山市东坡区人力资源和社会保障局", K.COUNTY_DEPT, "东坡区经济和信息化局")
    add("东坡区经济和信息化局", K.COUNTY_SOE, "东坡区国营企业")
    add("东坡区经济和信息化局", K.COUNTY_AFFILIATE, "东坡区经信局所属单位")
    add("眉山市东坡区人力资源和社会保障局", K.COUNTY_PRIVATE, "东坡区私营企业")

    w.unit_of_kind = {
        K.COUNTY_PRIVATE: w.orgs["东坡区私营企业"],
        K.COUNTY_SOE: w.orgs["东坡区国营企业"],
        K.COUNTY_AFFILIATE: w.orgs["东坡区经信局所属单位"],
        K.COUNTY_DEPT: w.orgs["东坡区经济和信息化局"],
        K.CITY_PRIVATE: w.orgs["眉山市私营企业"],
        K.CITY_SOE: w.orgs["眉山市国营企业"],
        K.CITY_AFFILIATE: w.orgs["眉山市经信局所属单位"],
        K.CITY_DEPT: w.orgs["眉山市经济和信息化局"],
        K.PROV_ENTERPRISE: w.orgs["四川省水利发展集团有限公司"],
        K.PROV_AFFILIATE: w.orgs["四川省水文水资源勘测局"],
        K.PROV_DEPT: w.orgs["四川省水利厅"],
        K.CENTRAL: w.orgs["中国工程物理研究院"],
    }

    # 行业主管部门 of the declared specialty, per region and series (WFL-1).
    gc, ip_series = Series.objects.get(code="GC"), Series.objects.get(code="ZSCQ")
    for region, series, org in (
        (r["county"], gc, "东坡区水利局"),
        (r["city"], gc, "眉山市水务局"),
        (r["county"], ip_series, "东坡区经济和信息化局"),
        (r["city"], ip_series, "眉山市市场监督管理局"),
    ):
        IndustryDepartment.objects.create(region=region, series=series, specialty=None, org=w.orgs[org])
    return w


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """Built once per module inside an outer transaction rolled back afterwards; each test runs in a savepoint
    inside it (pytest-django's `db`). Tests change world rows through querysets only."""
    with module_world(django_db_blocker, build_world) as w:
        yield w


@pytest.fixture
def world(_module_world, db) -> World:
    return _module_world
