"""Read queries for the catalogue pages and the cascading declaration choice (002 §2.2.1.1.1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from orgs.models import Region

from .catalogue import LEVEL_GROUP, LEVEL_ORDER, EvaluationMode, Level
from .models import Activity, Committee, QualificationName, Series, Specialty


def qualifications_for(
    *, mode: str, series: Series | None = None, level: str | None = None, specialty: Specialty | None = None
) -> QuerySet[QualificationName]:
    """Active qualification names allowing `mode`, narrowed by each choice made so far."""
    if mode not in EvaluationMode.values:
        return QualificationName.objects.none()
    qs = QualificationName.objects.filter(is_active=True, series__is_active=True,
                                          **{QualificationName.mode_field(mode): True})
    if series is not None:
        qs = qs.filter(series=series)
    if level:
        qs = qs.filter(level=level)
    if specialty is not None:
        # A qualification limited to some specialties applies to those and to their sub-specialties.
        ancestor_paths = [specialty.path[: i * Specialty.steplen] for i in range(1, specialty.depth + 1)]
        qs = qs.filter(Q(specialties__isnull=True) | Q(specialties__path__in=ancestor_paths)).distinct()
    return qs


@dataclass
class ChoiceOptions:
    modes: list[tuple[str, str]]
    series: list[Series]
    levels: list[tuple[str, str]]
    specialties: list[Specialty]
    qualifications: list[QualificationName]


def choice_options(
    *, mode: str = "", series: Series | None = None, level: str = "", specialty: Specialty | None = None
) -> ChoiceOptions:
    """Each list filtered by the choices before it: mode → series → level → specialty → qualification."""
    modes = list(EvaluationMode.choices)
    series_list: list[Series] = []
    levels: list[tuple[str, str]] = []
    specialties: list[Specialty] = []
    quals: list[QualificationName] = []
    if mode in EvaluationMode.values:
        series_ids = qualifications_for(mode=mode).values_list("series_id", flat=True)
        series_list = list(Series.objects.filter(pk__in=series_ids, is_active=True).order_by("sort", "code"))
    if series is not None and series in series_list:
        have = set(qualifications_for(mode=mode, series=series).values_list("level", flat=True))
        levels = sorted(((lv, lbl) for lv, lbl in Level.choices if lv in have), key=lambda x: LEVEL_ORDER[x[0]])
        if level in have:
            candidates = list(Specialty.objects.filter(series=series, is_active=True).order_by("path"))
            limited = qualifications_for(mode=mode, series=series, level=level)
            if limited.filter(specialties__isnull=True).exists():
                specialties = candidates
            else:
                allowed_paths = list(limited.values_list("specialties__path", flat=True))
                specialties = [s for s in candidates if any(s.path.startswith(p) for p in allowed_paths if p)]
            if specialty is not None and specialty in specialties:
                quals = list(qualifications_for(mode=mode, series=series, level=level, specialty=specialty))
    return ChoiceOptions(modes, series_list, levels, specialties, quals)


def committees_open_for(
    *, series: Series, level: str, specialty: Specialty, today: dt.date | None = None, locality: Region | None = None
) -> list[Committee]:
    """Active committees of the series and level group that review the specialty (or one of its ancestors) and
    have a published activity open today; each carries `open_activities`. Optionally limited to committees
    whose region scope contains the applicant unit's title-business locality."""
    today = today or timezone.localdate()
    ancestor_paths = [specialty.path[: i * Specialty.steplen] for i in range(1, specialty.depth + 1)]
    open_q = Q(status=Activity.Status.PUBLISHED, opens_on__lte=today, closes_on__gte=today)
    qs = (
        Committee.objects.filter(
            status=Committee.Status.ACTIVE, series=series, level_group=LEVEL_GROUP[level],
            specialties__path__in=ancestor_paths,
        )
        .filter(activities__in=Activity.objects.filter(open_q))
        .distinct()
        .select_related("office", "final_org", "region_scope")
        .prefetch_related(
            Prefetch("activities", queryset=Activity.objects.filter(open_q).order_by("-opens_on"),
                     to_attr="open_activities"),
            "fees",
        )
        .order_by("name")
    )
    if locality is not None:
        locality_paths = [locality.path[: i * Region.steplen] for i in range(1, locality.depth + 1)]
        qs = qs.filter(region_scope__path__in=locality_paths)
    return list(qs)


def specialty_tree(series: Series) -> list[Specialty]:
    return list(Specialty.objects.filter(series=series).order_by("path"))


def committees_for_office(user, *, office_orgs) -> QuerySet[Committee]:
    return Committee.objects.filter(office__in=office_orgs).select_related("series", "office").order_by("name")
