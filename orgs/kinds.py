"""Org kinds and the who-creates-whom table (seed 000 §3.1.1.1) — the one place this data lives.

The services that create orgs (accounts.services.org_create_with_operator) and the forms that offer
kinds both read CREATION_RULES; nothing else decides which kind may create which.
"""

from django.db import models


class Level(models.TextChoices):
    CENTRAL = "central", "中央"
    PROVINCE = "province", "省级"
    CITY = "city", "市(州)级"
    COUNTY = "county", "县(区)级"


class OrgKind(models.TextChoices):
    # The 12 unit categories of 000 §3.1.1.1 (numbered 1–13; 8 is unused in the seed).
    CENTRAL = "central", "中央在川单位"
    PROV_DEPT = "prov_dept", "省级部门单位"
    PROV_AFFILIATE = "prov_affiliate", "省级部门所属单位"
    PROV_ENTERPRISE = "prov_enterprise", "省级企业"
    CITY_DEPT = "city_dept", "市(州)部门单位"
    CITY_AFFILIATE = "city_affiliate", "市(州)部门所属单位"
    CITY_SOE = "city_soe", "市(州)国营企业"
    CITY_PRIVATE = "city_private", "市(州)私营企业"
    COUNTY_DEPT = "county_dept", "县(区)部门单位"
    COUNTY_AFFILIATE = "county_affiliate", "县(区)部门所属单位"
    COUNTY_SOE = "county_soe", "县(区)国营企业"
    COUNTY_PRIVATE = "county_private", "县(区)私营企业"
    # HR departments at the three levels.
    HR_PROVINCE = "hr_province", "省人社厅"
    HR_CITY = "hr_city", "市(州)人社局"
    HR_COUNTY = "hr_county", "县(区)人社局"
    # A committee office (评委会办事机构) that is an org of its own, e.g. 四川省知识产权服务促进中心.
    COMMITTEE_OFFICE = "committee_office", "评委会办事机构"


# Seed numbering of the unit categories (000 §3.1.1.1 序号).
KIND_SEQ = {
    OrgKind.CENTRAL: 1,
    OrgKind.PROV_DEPT: 2,
    OrgKind.PROV_AFFILIATE: 3,
    OrgKind.PROV_ENTERPRISE: 4,
    OrgKind.CITY_DEPT: 5,
    OrgKind.CITY_AFFILIATE: 6,
    OrgKind.CITY_SOE: 7,
    OrgKind.CITY_PRIVATE: 9,
    OrgKind.COUNTY_DEPT: 10,
    OrgKind.COUNTY_AFFILIATE: 11,
    OrgKind.COUNTY_SOE: 12,
    OrgKind.COUNTY_PRIVATE: 13,
}

UNIT_KINDS = frozenset(KIND_SEQ)
HR_KINDS = frozenset({OrgKind.HR_PROVINCE, OrgKind.HR_CITY, OrgKind.HR_COUNTY})

KIND_LEVEL = {
    OrgKind.CENTRAL: Level.CENTRAL,
    OrgKind.PROV_DEPT: Level.PROVINCE,
    OrgKind.PROV_AFFILIATE: Level.PROVINCE,
    OrgKind.PROV_ENTERPRISE: Level.PROVINCE,
    OrgKind.HR_PROVINCE: Level.PROVINCE,
    OrgKind.COMMITTEE_OFFICE: Level.PROVINCE,
    OrgKind.CITY_DEPT: Level.CITY,
    OrgKind.CITY_AFFILIATE: Level.CITY,
    OrgKind.CITY_SOE: Level.CITY,
    OrgKind.CITY_PRIVATE: Level.CITY,
    OrgKind.HR_CITY: Level.CITY,
    OrgKind.COUNTY_DEPT: Level.COUNTY,
    OrgKind.COUNTY_AFFILIATE: Level.COUNTY,
    OrgKind.COUNTY_SOE: Level.COUNTY,
    OrgKind.COUNTY_PRIVATE: Level.COUNTY,
    OrgKind.HR_COUNTY: Level.COUNTY,
}

# Which administrative-region level an org of each org level sits in.
REGION_LEVEL_FOR = {
    Level.CENTRAL: "province",
    Level.PROVINCE: "province",
    Level.CITY: "city",
    Level.COUNTY: "county",
}

K = OrgKind
# Who creates whom (000 §3.1.1.1 and its cases 1–13). Key: the creating org's kind; value: the kinds it may create.
# Two readings of the seed are recorded here:
# * 市(州)人社局 also creates 市(州)私营企业 — case 7 has 宜宾市人社局 create 四川惊雷科技股份有限公司, a private
#   enterprise having no competent department (the county rule lists 县(区)私营企业 under 县(区)人社局 the same way).
# * 省人社厅 creates committee offices (评委会办事机构) that are orgs of their own (000 §6.1.1.5).
CREATION_RULES: dict[str, frozenset[str]] = {
    K.HR_PROVINCE: frozenset({K.CENTRAL, K.PROV_DEPT, K.HR_CITY, K.COMMITTEE_OFFICE}),
    K.PROV_DEPT: frozenset({K.PROV_AFFILIATE, K.PROV_ENTERPRISE}),
    K.HR_CITY: frozenset({K.CITY_DEPT, K.HR_COUNTY, K.CITY_PRIVATE}),
    K.CITY_DEPT: frozenset({K.CITY_AFFILIATE, K.CITY_SOE, K.CITY_PRIVATE}),
    K.HR_COUNTY: frozenset({K.COUNTY_DEPT, K.COUNTY_PRIVATE}),
    K.COUNTY_DEPT: frozenset({K.COUNTY_AFFILIATE, K.COUNTY_SOE, K.COUNTY_PRIVATE}),
}


def creatable_kinds(creator_kind: str) -> frozenset[str]:
    return CREATION_RULES.get(creator_kind, frozenset())


def may_create(creator_kind: str, kind: str) -> bool:
    return kind in creatable_kinds(creator_kind)
