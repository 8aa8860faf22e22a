"""The 17 system roles (000 §3.1.2.1) and the org-kind ↔ role table (000 §3.1.2.2) — data in one place.

The data migration that creates the roles, the role picker and the role-assignment service all read this.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgs.kinds import HR_KINDS, UNIT_KINDS, OrgKind

K = OrgKind

# Object permissions on Org (orgs.Org Meta.permissions) that a role grants in the org it is held in.
P_MANAGE_SUBUNITS = "manage_subunits"
P_MANAGE_STAFF = "manage_staff"
P_REVIEW = "review_declarations"
P_COMMITTEE = "run_committee"
P_PATHS = "configure_paths"
P_CATALOGUE = "manage_catalogue"
P_DECLARE = "declare"
P_CERTIFICATES = "manage_certificates"

ORG_PERMISSION_LABELS = {
    P_MANAGE_SUBUNITS: "管理下级单位",
    P_MANAGE_STAFF: "管理本单位人员",
    P_REVIEW: "审核申报材料",
    P_COMMITTEE: "评委会办公室业务",
    P_PATHS: "配置审核路径",
    P_CATALOGUE: "维护职称目录",
    P_DECLARE: "申报职称",
    P_CERTIFICATES: "证书管理",
}


@dataclass(frozen=True)
class RoleDef:
    seq: int
    code: str
    name: str
    category: str  # "special" | "normal"
    permissions: tuple[str, ...]


_OPERATOR = (P_MANAGE_SUBUNITS, P_REVIEW)  # department units: they create subordinate units
_UNIT = (P_REVIEW,)  # units that create nothing (orgs.kinds.CREATION_RULES): review only
_HR = (P_MANAGE_SUBUNITS, P_REVIEW, P_PATHS, P_CERTIFICATES)

SYSTEM_ROLES: tuple[RoleDef, ...] = (
    RoleDef(1, "hr_province", "省人社厅经办人员(职称)", "special", (*_HR, P_CATALOGUE)),
    RoleDef(2, "hr_city", "市(州)人社局经办人员(职称)", "special", _HR),
    RoleDef(3, "hr_county", "县(区)人社局经办人员(职称)", "special", _HR),
    RoleDef(4, "office_senior", "高评办经办人员(职称)", "special", (P_COMMITTEE, P_REVIEW)),
    RoleDef(5, "office_middle", "中评办经办人员(职称)", "special", (P_COMMITTEE, P_REVIEW)),
    RoleDef(6, "office_junior", "初评办经办人员(职称)", "special", (P_COMMITTEE, P_REVIEW)),
    RoleDef(7, "central_unit", "中央在川单位经办人员(职称)", "normal", _UNIT),
    RoleDef(8, "prov_dept", "省级部门经办人员(职称)", "normal", _OPERATOR),
    RoleDef(9, "prov_affiliate", "省级部门所属单位经办人员(职称)", "normal", _UNIT),
    RoleDef(10, "prov_enterprise", "省级企业经办人员(职称)", "normal", _UNIT),
    RoleDef(11, "city_dept", "市(州)部门经办人员(职称)", "normal", _OPERATOR),
    RoleDef(12, "city_affiliate", "市(州)部门所属单位经办人员(职称)", "normal", _UNIT),
    RoleDef(13, "city_enterprise", "市(州)企业经办人员(职称)", "normal", _UNIT),
    RoleDef(14, "county_dept", "县(区)部门经办人员(职称)", "normal", _OPERATOR),
    RoleDef(15, "county_affiliate", "县(区)部门所属单位经办人员(职称)", "normal", _UNIT),
    RoleDef(16, "county_enterprise", "县(区)企业经办人员(职称)", "normal", _UNIT),
    RoleDef(17, "applicant", "申报人(职称)", "normal", (P_DECLARE,)),
)
ROLE_BY_CODE = {r.code: r for r in SYSTEM_ROLES}

APPLICANT = "applicant"
OFFICE_ROLES = ("office_senior", "office_middle", "office_junior")

# 000 §3.1.2.2: the operator role of each org kind.
KIND_OPERATOR_ROLE: dict[str, str] = {
    K.CENTRAL: "central_unit",
    K.PROV_DEPT: "prov_dept",
    K.PROV_AFFILIATE: "prov_affiliate",
    K.PROV_ENTERPRISE: "prov_enterprise",
    K.HR_PROVINCE: "hr_province",
    K.HR_CITY: "hr_city",
    K.CITY_DEPT: "city_dept",
    K.CITY_AFFILIATE: "city_affiliate",
    K.CITY_SOE: "city_enterprise",
    K.CITY_PRIVATE: "city_enterprise",
    K.HR_COUNTY: "hr_county",
    K.COUNTY_DEPT: "county_dept",
    K.COUNTY_AFFILIATE: "county_affiliate",
    K.COUNTY_SOE: "county_enterprise",
    K.COUNTY_PRIVATE: "county_enterprise",
    K.COMMITTEE_OFFICE: "office_senior",
}

# Note 1 of §3.1.2.2: 市(州)/县(区)人社局 are also department units of their level and may hold that role too.
_EXTRA_ROLES: dict[str, tuple[str, ...]] = {
    K.HR_CITY: ("city_dept",),
    K.HR_COUNTY: ("county_dept",),
}


def roles_allowed_for_kind(kind: str) -> tuple[str, ...]:
    """Role codes that users of an org of this kind may hold in it.

    The kind's operator role; note 1's department role for city/county HR bureaus; the three committee-office
    roles (note 2: a committee may sit at any level); and 申报人 for units whose staff declare.
    """
    roles: list[str] = [KIND_OPERATOR_ROLE[kind], *_EXTRA_ROLES.get(kind, ())]
    for r in OFFICE_ROLES:
        if r not in roles:
            roles.append(r)
    if kind in UNIT_KINDS or kind in HR_KINDS or kind == K.COMMITTEE_OFFICE:
        roles.append(APPLICANT)
    return tuple(roles)
