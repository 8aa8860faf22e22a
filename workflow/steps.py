"""Step kinds of the review chain (SPEC WFL-2) and the standard routes of seed 000 §6.1, as data."""

from __future__ import annotations

from django.db import models

from orgs.kinds import OrgKind
from titles.catalogue import LevelGroup


class StepKind(models.TextChoices):
    UNIT = "unit", "单位审核"
    COMPETENT = "competent", "主管部门审核"
    INDUSTRY = "industry", "所申报专业行业主管部门审核"
    HR = "hr", "人社部门审核"
    PROVINCIAL = "provincial", "省级部门审核"
    EXTRA = "extra", "加审"
    OFFICE = "office", "评办资格审查"
    COMMITTEE = "committee", "评委会评审"
    FINAL = "final", "省人社厅审核"


# Steps run by a committee office (orgs.run_committee); every other step by reviewers (orgs.review_declarations).
OFFICE_KINDS = frozenset({StepKind.OFFICE, StepKind.COMMITTEE})
PERMISSION_FOR = {kind: ("run_committee" if kind in OFFICE_KINDS else "review_declarations") for kind in StepKind}

K = OrgKind
COUNTY, CITY = "county", "city"

# 000 §6.1.1.1–6.1.1.4: the steps between 单位审核 and the committee office, per unit kind.
# (kind, level) — level says which region the step's org is looked up in.
PRE_OFFICE_STEPS: dict[str, tuple[tuple[str, str | None], ...]] = {
    K.COUNTY_PRIVATE: ((StepKind.INDUSTRY, COUNTY), (StepKind.HR, COUNTY), (StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.COUNTY_SOE: ((StepKind.COMPETENT, COUNTY), (StepKind.INDUSTRY, COUNTY), (StepKind.HR, COUNTY),
                   (StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.COUNTY_AFFILIATE: ((StepKind.COMPETENT, COUNTY), (StepKind.INDUSTRY, COUNTY), (StepKind.HR, COUNTY),
                         (StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.COUNTY_DEPT: ((StepKind.INDUSTRY, COUNTY), (StepKind.HR, COUNTY), (StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.CITY_PRIVATE: ((StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.CITY_SOE: ((StepKind.COMPETENT, CITY), (StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.CITY_AFFILIATE: ((StepKind.COMPETENT, CITY), (StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.CITY_DEPT: ((StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.PROV_ENTERPRISE: ((StepKind.PROVINCIAL, None),),
    K.PROV_AFFILIATE: ((StepKind.PROVINCIAL, None),),
    K.PROV_DEPT: (),
    K.CENTRAL: (),
    # Staff of HR bureaus and committee offices declare like the department units of their level.
    K.HR_COUNTY: ((StepKind.INDUSTRY, COUNTY), (StepKind.HR, COUNTY), (StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.HR_CITY: ((StepKind.INDUSTRY, CITY), (StepKind.HR, CITY)),
    K.HR_PROVINCE: (),
    K.COMMITTEE_OFFICE: (),
}

LEVEL_PREFIX = {COUNTY: "县(区)", CITY: "市(州)"}
COMMITTEE_PREFIX = {LevelGroup.SENIOR: "高", LevelGroup.MIDDLE: "中", LevelGroup.JUNIOR: "初"}


def step_label(kind: str, level: str | None = None, level_group: str | None = None) -> str:
    """The seed's step names: 县(区)主管部门审核, 市(州)所申报专业行业主管部门审核, 高评办资格审查 …"""
    if kind in (StepKind.COMPETENT, StepKind.INDUSTRY, StepKind.HR) and level:
        return LEVEL_PREFIX[level] + StepKind(kind).label
    if kind == StepKind.OFFICE:
        return f"{COMMITTEE_PREFIX.get(level_group, '高')}评办资格审查"
    if kind == StepKind.COMMITTEE:
        return f"{COMMITTEE_PREFIX.get(level_group, '高')}评委评审"
    return StepKind(kind).label
