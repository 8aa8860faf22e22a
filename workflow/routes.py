"""Route computation (WFL-1, ORG-5, ORG-6) and path diagnosis (003 §1.28).

route_compute() is the one place that turns (unit, series, level, specialty, committee) into the ordered list
of (step kind, org). Defaults follow seed 000 §6.1; configured industry departments fill the 行业主管部门
steps; approved audit-path edges override the next org after a given org.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from orgs.kinds import OrgKind
from orgs.models import Org, Region
from titles.models import Committee, Series, Specialty

from .models import AuditPathEdge, IndustryDepartment
from .steps import COUNTY, PRE_OFFICE_STEPS, StepKind, step_label

COUNTY_DEPT_KINDS = {OrgKind.COUNTY_DEPT, OrgKind.HR_COUNTY}
CITY_DEPT_KINDS = {OrgKind.CITY_DEPT, OrgKind.HR_CITY}
PROV_DEPT_KINDS = {OrgKind.PROV_DEPT}


@dataclass
class Step:
    kind: str
    label: str
    org: Org | None
    level: str | None = None
    problem: str = ""  # why no org could be found (the break explanation)
    via_edge: bool = False

    def as_data(self) -> dict:
        return {"kind": self.kind, "label": self.label, "org": self.org.pk if self.org else None,
                "org_name": self.org.name if self.org else "", "via_edge": self.via_edge}


@dataclass
class Route:
    steps: list[Step] = field(default_factory=list)

    @property
    def broken(self) -> Step | None:
        return next((s for s in self.steps if s.org is None or s.problem), None)

    @property
    def ok(self) -> bool:
        return self.broken is None

    def explanation(self) -> str:
        b = self.broken
        if b is None:
            return ""
        i = self.steps.index(b) + 1
        return f"审核路径在第{i}步“{b.label}”中断：{b.problem}"


def _regions_of(unit: Org) -> dict[str, Region | None]:
    """The county and city of the unit's title-business locality (职称业务归属地, not its location)."""
    loc = unit.locality
    county = loc if loc.level == "county" else None
    if loc.level == "county":
        city = Region.objects.filter(path=loc.path[: -Region.steplen]).first()
    elif loc.level == "city":
        city = loc
    else:
        city = None
    return {"county": county, "city": city}


def industry_department(*, region: Region, series: Series, specialty: Specialty) -> Org | None:
    """The most specific configuration: this specialty or its nearest ancestor, else the whole series."""
    paths = [specialty.path[: i * Specialty.steplen] for i in range(1, specialty.depth + 1)]
    rows = list(IndustryDepartment.objects.filter(region=region, series=series)
                .filter(Q(specialty__isnull=True) | Q(specialty__path__in=paths))
                .select_related("org", "specialty"))
    rows.sort(key=lambda r: -(r.specialty.depth if r.specialty else 0))
    return rows[0].org if rows else None


def hr_bureau(region: Region) -> Org | None:
    kind = OrgKind.HR_COUNTY if region.level == "county" else OrgKind.HR_CITY
    return Org.objects.filter(kind=kind, region=region, is_active=True).order_by("pk").first()


def _pre_office_step(kind: str, level: str | None, unit: Org, regions, series, specialty) -> Step:
    label = step_label(kind, level)
    if kind in (StepKind.COMPETENT, StepKind.PROVINCIAL):
        parent = unit.parent
        if parent is None or not parent.is_active:
            return Step(kind, label, None, level, "申报单位没有启用中的上级主管部门，请先维护单位的上级单位。")
        return Step(kind, label, parent, level)
    region = regions[level]
    if region is None:
        return Step(kind, label, None, level,
                    f"申报单位的职称业务归属地“{unit.locality.name}”不是{'县(区)' if level == COUNTY else '市(州)'}级区域。")
    if kind == StepKind.INDUSTRY:
        org = industry_department(region=region, series=series, specialty=specialty)
        if org is None:
            return Step(kind, label, None, level,
                        f"未配置{region.name}“{series.name}·{specialty.name}”的行业主管部门（请人社部门在“行业主管部门配置”中设置）。")
        if not org.is_active:
            return Step(kind, label, None, level, f"{region.name}的行业主管部门“{org.name}”已停用。")
        return Step(kind, label, org, level)
    org = hr_bureau(region)
    if org is None:
        return Step(kind, label, None, level, f"{region.name}没有启用中的人社部门。")
    return Step(kind, label, org, level)


def route_compute(*, unit: Org, series: Series, level: str, specialty: Specialty,
                  committee: Committee | None) -> Route:
    regions = _regions_of(unit)
    steps = [Step(StepKind.UNIT, step_label(StepKind.UNIT), unit)]
    for kind, lvl in PRE_OFFICE_STEPS.get(unit.kind, ()):
        steps.append(_pre_office_step(kind, lvl, unit, regions, series, specialty))
    if committee is not None:
        group = committee.level_group
        for kind in (StepKind.OFFICE, StepKind.COMMITTEE):
            steps.append(Step(kind, step_label(kind, level_group=group), committee.office))
        final = committee.final_org
        steps.append(Step(StepKind.FINAL, step_label(StepKind.FINAL), final,
                          problem="" if final and final.is_active else "评委会的终审单位未设置或已停用。"))
    else:
        # 初定/认定 (002 §2.2.1.2): no committee — the last HR department on the route (or the province) approves.
        if not any(s.kind == StepKind.HR for s in steps):
            root = Org.objects.filter(kind=OrgKind.HR_PROVINCE, depth=1).first()
            steps.append(Step(StepKind.FINAL, step_label(StepKind.FINAL), root))
    _apply_edges(steps, series=series, level=level)
    for s in steps:
        if s.org is not None and not s.org.is_active and not s.problem:
            s.problem = f"审核单位“{s.org.name}”已停用。"
    return Route(steps)


def _apply_edges(steps: list[Step], *, series: Series, level: str) -> None:
    """Approved edges from a step's org replace the org of the step that follows it."""
    orgs = [s.org.pk for s in steps if s.org is not None]
    edges = (AuditPathEdge.objects.filter(status=AuditPathEdge.Status.APPROVED, from_org_id__in=orgs)
             .filter(Q(series__isnull=True) | Q(series=series)).filter(Q(level="") | Q(level=level))
             .select_related("to_org"))
    best: dict[int, AuditPathEdge] = {}
    for e in edges:  # the most specific edge wins: series and level set beats blanks
        score = (e.series_id is not None) + (e.level != "")
        cur = best.get(e.from_org_id)
        if cur is None or score > (cur.series_id is not None) + (cur.level != ""):
            best[e.from_org_id] = e
    for i in range(len(steps) - 1):
        src, nxt = steps[i], steps[i + 1]
        if src.org is None or src.org.pk not in best or nxt.kind in (StepKind.COMMITTEE, StepKind.FINAL):
            continue
        edge = best[src.org.pk]
        if nxt.org is None or nxt.org.pk != edge.to_org_id:
            nxt.org, nxt.problem, nxt.via_edge = edge.to_org, "", True


def route_for_declaration(declaration) -> Route:
    return route_compute(unit=declaration.unit, series=declaration.series, level=declaration.level,
                         specialty=declaration.specialty, committee=declaration.committee)
