"""State changes on the catalogue, committees and activities. Each checks its own permission.

Who may do what (org object permissions, see accounts/roles.py):
* catalogue and committees — operators holding `manage_catalogue` (省人社厅经办人员) in some org;
* activities of a committee — operators holding `run_committee` in that committee's office org.
"""

from __future__ import annotations

import datetime as dt

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from orgs.access import has_org_perm, orgs_with_perm
from orgs.models import Org, Region

from .catalogue import LEVEL_GROUP, MODES_WITH_COMMITTEE, EvaluationMode, Level
from .models import (
    AchievementTemplate,
    Activity,
    ActivityMaterial,
    BreakCondition,
    Committee,
    CommitteeFee,
    QualificationName,
    Series,
    Specialty,
)

MSG_NO_CATALOGUE_RIGHT = "只有省人社厅经办人员可以维护职称目录和评委会。"
MSG_NO_OFFICE_RIGHT = "只有该评委会办事机构的评办经办人员可以管理其评审活动。"
MSG_IN_USE = "“{name}”已被使用（{where}），不能删除，只能停用。"
MSG_COMMITTEE_NO_SPECIALTY = "评委会至少要有一个可评审专业。"
MSG_COMMITTEE_SPECIALTY_SERIES = "可评审专业必须属于评委会的系列“{series}”。"
MSG_REASON_REQUIRED = "请填写注销原因。"
MSG_DATES = "申报截止日期不能早于申报开始日期。"
MSG_PUBLISHED_LOCKED = "评审活动已发布，申报规则（需求材料、业绩成果模板、破格条件、专用信息项、日期、通知）不能再修改。"
MSG_PUBLISH_INCOMPLETE = "发布前请至少设置一项评委会需求材料。"
MSG_COMMITTEE_INACTIVE = "评委会已注销，不能新建或发布评审活动。"
MSG_CLOSE_BEFORE_OPEN = "新的截止日期不能早于申报开始日期。"
MSG_SPECIALTY_PARENT_SERIES = "上级专业必须属于同一系列。"
MSG_DUP_CODE = "专业代码“{code}”在本系列中已存在。"
MSG_QUAL_SPECIALTY_SERIES = "限定专业必须属于资格名称的系列。"
MSG_RETIRED = "“{name}”已停用，不能选择。"

# Rich text allowed in activity notices (TTL-4): structure and emphasis, links — never script, style or events.
NOTICE_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "table", "thead", "tbody",
               "tr", "th", "td", "a", "span", "blockquote"}
NOTICE_ATTRS = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def sanitize_notice(html: str) -> str:
    return nh3.clean(html or "", tags=NOTICE_TAGS, attributes=NOTICE_ATTRS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")


# --------------------------------------------------------------------------------------------- rights
def can_manage_catalogue(user) -> bool:
    return orgs_with_perm(user, "manage_catalogue").exists()


def can_run_committee(user, committee: Committee) -> bool:
    return has_org_perm(user, "run_committee", committee.office)


def _require_catalogue(actor) -> None:
    if not can_manage_catalogue(actor):
        raise PermissionDenied(MSG_NO_CATALOGUE_RIGHT)


def _require_office(actor, committee: Committee) -> None:
    if not can_run_committee(actor, committee):
        raise PermissionDenied(MSG_NO_OFFICE_RIGHT)


def _saved(obj):
    obj.full_clean()
    obj.save()
    return obj


# --------------------------------------------------------------------------------------------- catalogue
@transaction.atomic
def series_save(*, actor, series: Series | None = None, code: str, name: str, sort: int = 0) -> Series:
    _require_catalogue(actor)
    series = series or Series()
    series.code, series.name, series.sort = code.strip(), name.strip(), sort
    return _saved(series)


@transaction.atomic
def specialty_add(*, actor, series: Series, parent: Specialty | None, code: str, name: str) -> Specialty:
    _require_catalogue(actor)
    code = code.strip()
    if parent is not None and parent.series_id != series.pk:
        raise ValidationError({"parent": MSG_SPECIALTY_PARENT_SERIES})
    if Specialty.objects.filter(series=series, code=code).exists():
        raise ValidationError({"code": MSG_DUP_CODE.format(code=code)})
    node = Specialty(series=series, code=code, name=name.strip())
    node.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return Specialty.objects.add_root(instance=node)
    return Specialty.objects.add_child(Specialty.objects.select_for_update().get(pk=parent.pk), instance=node)


@transaction.atomic
def specialty_rename(*, actor, specialty: Specialty, code: str, name: str) -> Specialty:
    _require_catalogue(actor)
    code = code.strip()
    if Specialty.objects.filter(series=specialty.series_id, code=code).exclude(pk=specialty.pk).exists():
        raise ValidationError({"code": MSG_DUP_CODE.format(code=code)})
    specialty.code, specialty.name = code, name.strip()
    specialty.full_clean(exclude=["path", "depth", "numchild"])
    specialty.save(update_fields=["code", "name"])
    return specialty


def _uses(node) -> list[str]:
    """What refers to a catalogue node: every reverse relation (committees, qualifications, and the later
    apps' declarations and certificates), plus child specialties in the tree."""
    uses = []
    if isinstance(node, Specialty) and Specialty.objects.filter(path__startswith=node.path).exclude(pk=node.pk).exists():
        uses.append("有下级专业")
    # include_hidden: relations declared with related_name="+" (e.g. workflow's industry departments, a
    # declaration's series) have no accessor and are left out of _meta.related_objects, yet they PROTECT the node.
    for rel in node._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation) or rel.related_model._meta.auto_created:
            continue  # forward fields, and the hidden FKs of auto-created m2m tables (seen through the m2m itself)
        label = str(rel.related_model._meta.verbose_name)
        if label not in uses and rel.related_model._base_manager.filter(**{rel.field.name: node}).exists():
            uses.append(label)
    return uses


@transaction.atomic
def catalogue_node_delete(*, actor, node) -> None:
    """Delete a series, specialty or qualification name that nothing uses; a node in use is refused."""
    _require_catalogue(actor)
    uses = _uses(node)
    if uses:
        raise ValidationError(MSG_IN_USE.format(name=node.name, where="、".join(uses)))
    try:
        node.delete()
    except ProtectedError as exc:  # a reference _uses could not see: still refused, never a server error
        where = "、".join(sorted({str(o._meta.verbose_name) for o in exc.protected_objects}))
        raise ValidationError(MSG_IN_USE.format(name=node.name, where=where)) from None


@transaction.atomic
def catalogue_node_set_active(*, actor, node, active: bool) -> None:
    """Retire (停用) or reactivate a series, specialty (with its subtree) or qualification name."""
    _require_catalogue(actor)
    if isinstance(node, Specialty):
        qs = Specialty.objects.filter(path__startswith=node.path, series=node.series_id)
        if active:
            qs = qs.filter(pk=node.pk)  # reactivating a node does not revive children retired on their own
        qs.update(is_active=active)
    else:
        node.is_active = active
        node.save(update_fields=["is_active"])


@transaction.atomic
def qualification_save(
    *, actor, qualification: QualificationName | None = None, series: Series, level: str, name: str,
    national_title: str, allows_review: bool, allows_initial: bool, allows_recognition: bool,
    specialties=(),
) -> QualificationName:
    _require_catalogue(actor)
    if level not in Level.values:
        raise ValidationError({"level": "层级无效。"})
    specialties = list(specialties)
    if any(s.series_id != series.pk for s in specialties):
        raise ValidationError({"specialties": MSG_QUAL_SPECIALTY_SERIES})
    q = qualification or QualificationName()
    q.series, q.level, q.name, q.national_title = series, level, name.strip(), national_title.strip()
    q.allows_review, q.allows_initial, q.allows_recognition = allows_review, allows_initial, allows_recognition
    _saved(q)
    q.specialties.set(specialties)
    return q


# --------------------------------------------------------------------------------------------- committees
def _committee_check(*, series: Series, specialties) -> list[Specialty]:
    specialties = list(specialties)
    if not specialties:
        raise ValidationError({"specialties": MSG_COMMITTEE_NO_SPECIALTY})
    if any(s.series_id != series.pk for s in specialties):
        raise ValidationError({"specialties": MSG_COMMITTEE_SPECIALTY_SERIES.format(series=series.name)})
    return specialties


def default_final_org() -> Org | None:
    """省人社厅审核 is always 四川省人力资源和社会保障厅 (000 §6.1.1.5 note 2): the root HR department."""
    return Org.objects.filter(kind="hr_province", depth=1).first()


@transaction.atomic
def committee_save(
    *, actor, committee: Committee | None = None, name: str, level_group: str, series: Series, specialties,
    organisers, office: Org, final_org: Org | None = None, region_scope: Region, scope_text: str = "",
    contact_person: str = "", contact_phone: str = "", fees: list[tuple[str, object]] | None = None,
) -> Committee:
    _require_catalogue(actor)
    specialties = _committee_check(series=series, specialties=specialties)
    organisers = list(organisers)
    if not organisers:
        raise ValidationError({"organisers": "请至少选择一个组建单位。"})
    c = committee or Committee()
    c.name, c.level_group, c.series, c.office = name.strip(), level_group, series, office
    c.final_org = final_org or default_final_org()
    c.region_scope, c.scope_text = region_scope, scope_text
    c.contact_person, c.contact_phone = contact_person, contact_phone
    _saved(c)
    c.specialties.set(specialties)
    c.organisers.set(organisers)
    if fees is not None:
        c.fees.all().delete()
        CommitteeFee.objects.bulk_create([CommitteeFee(committee=c, item=i, amount=a) for i, a in fees if i])
    return c


@transaction.atomic
def committee_deregister(*, actor, committee: Committee, reason: str) -> Committee:
    _require_catalogue(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    committee.status = Committee.Status.DEREGISTERED
    committee.deregister_reason = reason.strip()
    committee.deregistered_at = timezone.now()
    committee.save(update_fields=["status", "deregister_reason", "deregistered_at"])
    return committee


@transaction.atomic
def committee_reactivate(*, actor, committee: Committee) -> Committee:
    _require_catalogue(actor)
    committee.status = Committee.Status.ACTIVE
    committee.save(update_fields=["status"])
    return committee


# --------------------------------------------------------------------------------------------- activities
def _lock_check(activity: Activity) -> None:
    if activity.pk and Activity.objects.filter(pk=activity.pk, status=Activity.Status.PUBLISHED).exists():
        raise ValidationError(MSG_PUBLISHED_LOCKED)


@transaction.atomic
def activity_save(
    *, actor, committee: Committee, activity: Activity | None = None, year: int, title: str, notice: str,
    opens_on: dt.date, closes_on: dt.date, edit_deadline_days: int = 7, teacher_section: bool = False,
    health_section: bool = False,
) -> Activity:
    _require_office(actor, committee)
    if not committee.is_active:
        raise ValidationError(MSG_COMMITTEE_INACTIVE)
    if activity is not None:
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.committee_id != committee.pk:
            raise PermissionDenied(MSG_NO_OFFICE_RIGHT)
        _lock_check(activity)
    if closes_on < opens_on:
        raise ValidationError({"closes_on": MSG_DATES})
    a = activity or Activity(committee=committee)
    a.year, a.title, a.notice = year, title.strip(), sanitize_notice(notice)
    a.opens_on, a.closes_on, a.edit_deadline_days = opens_on, closes_on, edit_deadline_days
    a.teacher_section, a.health_section = teacher_section, health_section
    return _saved(a)


@transaction.atomic
def activity_rules_set(*, actor, activity: Activity, materials=(), templates=(), conditions=()) -> Activity:
    """Replace the draft activity's rules: materials (name, required, description), achievement templates
    (category, name, fields_text) and 破格 conditions (text). Refused once published."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_office(actor, activity.committee)
    _lock_check(activity)
    activity.materials.all().delete()
    activity.achievement_templates.all().delete()
    activity.break_conditions.all().delete()
    ActivityMaterial.objects.bulk_create([
        ActivityMaterial(activity=activity, name=m["name"].strip(), required=bool(m.get("required")),
                         description=m.get("description", ""), sort=i)
        for i, m in enumerate(materials) if m.get("name", "").strip()
    ])
    AchievementTemplate.objects.bulk_create([
        AchievementTemplate(activity=activity, category=t["category"].strip(), name=t["name"].strip(),
                            fields_text=t.get("fields_text", ""), sort=i)
        for i, t in enumerate(templates) if t.get("name", "").strip()
    ])
    BreakCondition.objects.bulk_create([
        BreakCondition(activity=activity, text=c["text"].strip(), sort=i)
        for i, c in enumerate(conditions) if c.get("text", "").strip()
    ])
    return activity


@transaction.atomic
def activity_publish(*, actor, activity: Activity) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_office(actor, activity.committee)
    _lock_check(activity)
    if not activity.committee.is_active:
        raise ValidationError(MSG_COMMITTEE_INACTIVE)
    if not activity.materials.exists():
        raise ValidationError(MSG_PUBLISH_INCOMPLETE)
    activity.status = Activity.Status.PUBLISHED
    activity.published_at = timezone.now()
    activity.save(update_fields=["status", "published_at"])
    return activity


@transaction.atomic
def activity_set_close_date(*, actor, activity: Activity, closes_on: dt.date) -> Activity:
    """The one change allowed after publishing: extend or bring forward the close date."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_office(actor, activity.committee)
    if closes_on < activity.opens_on:
        raise ValidationError({"closes_on": MSG_CLOSE_BEFORE_OPEN})
    activity.closes_on = closes_on
    activity.save(update_fields=["closes_on"])
    return activity


# --------------------------------------------------------------------------------------------- choosing
MSG_CHOICE = {
    "mode": "请选择有效的评价方式。",
    "series": "所选系列不可用于该评价方式。",
    "level": "所选层级在该系列中没有可申报的资格。",
    "specialty": "所选专业不属于该系列或已停用。",
    "qualification": "所选资格名称与系列、层级、专业或评价方式不匹配。",
    "committee": "所选评委会不能评审该专业/层级，或当前没有正在进行的评审活动。",
    "no_committee": "所选评价方式不经评委会评审，不能选择评委会。",
}


def choice_validate(
    *, mode: str, series: Series, level: str, specialty: Specialty, qualification: QualificationName,
    committee: Committee | None = None, today: dt.date | None = None, locality: Region | None = None,
) -> Activity | None:
    """Refuse any combination the cascading selection would not have offered (a forged POST).

    Returns the open activity of the chosen committee (None for modes without a committee).
    """
    from . import selectors

    if mode not in EvaluationMode.values:
        raise ValidationError({"mode": MSG_CHOICE["mode"]})
    if not series.is_active or not selectors.qualifications_for(mode=mode, series=series).exists():
        raise ValidationError({"series": MSG_CHOICE["series"]})
    if level not in Level.values or not selectors.qualifications_for(mode=mode, series=series, level=level).exists():
        raise ValidationError({"level": MSG_CHOICE["level"]})
    if specialty.series_id != series.pk or not specialty.is_active:
        raise ValidationError({"specialty": MSG_CHOICE["specialty"]})
    if not selectors.qualifications_for(mode=mode, series=series, level=level, specialty=specialty).filter(
        pk=qualification.pk
    ).exists():
        raise ValidationError({"qualification": MSG_CHOICE["qualification"]})
    if mode not in MODES_WITH_COMMITTEE:
        if committee is not None:
            raise ValidationError({"committee": MSG_CHOICE["no_committee"]})
        return None
    if committee is None:
        raise ValidationError({"committee": MSG_CHOICE["committee"]})
    open_ = selectors.committees_open_for(series=series, level=level, specialty=specialty, today=today,
                                          locality=locality)
    match = next((c for c in open_ if c.pk == committee.pk), None)
    if match is None or LEVEL_GROUP[level] != match.level_group:
        raise ValidationError({"committee": MSG_CHOICE["committee"]})
    return match.open_activities[0]
