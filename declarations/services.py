"""Every state change on declarations and the personal info centre. Each checks its own permission.

Refusals raise PermissionDenied / Http404-worthy lookups (selectors) or ValidationError with the Chinese
messages below, and change nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from common.uploads import CheckedFile, check_photo, check_upload
from orgs.kinds import UNIT_KINDS
from orgs.models import Org
from titles import services as title_services
from titles.catalogue import EvaluationMode

from . import sections as S
from .models import (
    YEAR_LOST_STATUSES,
    Attachment,
    BasicInfo,
    Commitment,
    CommitmentAcceptance,
    Declaration,
    HealthInfo,
    Profile,
    Summary,
    TeacherInfo,
    WorkExperience,
)
from .signals import declaration_submitted, declaration_submitting, declaration_withdrawing

COMMITMENT_VERSION = "2026-1"
MAX_DOSSIER_BYTES = 200 * 1024 * 1024

MSG_COMMITMENT = "请先阅读并同意申报承诺书。"
MSG_NOT_OWNER = "只能操作本人的申报。"
MSG_FROZEN = "申报已提交，材料已锁定，不能修改。如需修改请在单位审核前撤回，或等待审核单位退回。"
MSG_OPEN_EXISTS = "您在{year}年已有一份{level}的申报（{status}），同一年度同一层级只能有一份进行中的申报。"
MSG_YEAR_LOST = "您{year}年的申报已被{status}，当年不能再申报。"
MSG_UNIT = "请选择已在系统中开通、状态正常的工作单位。"
MSG_ENTRUST_PROOF = "委托评审必须上传委托证明材料。"
MSG_BREAK = "申报方式为破格时，请选择符合的破格条件。"
MSG_BREAK_ONLY = "只有申报方式为破格时才能选择破格条件。"
MSG_INCOMPLETE = "申报材料还不完整，请按清单补充后再提交。"
MSG_ACTIVITY_CLOSED = "评审活动已截止或已关闭，不能提交。"
MSG_WITHDRAW_ACTED = "审核单位已开始审核，不能撤回；如需修改请联系审核单位退回。"
MSG_WITHDRAW_STATE = "只有已提交、尚未审核的申报可以撤回。"
MSG_ABANDON_STATE = "只有草稿可以废弃。"
MSG_LOCKED_ROW = "该工作经历属于已通过的申报，不能修改或删除。"
MSG_DOSSIER_FULL = "本次申报的附件总大小不能超过 {mb} MB。"
MSG_RETURN_DEADLINE = "退回修改的截止日期（{date}）已过，不能再提交。"


# --------------------------------------------------------------------------------------------- commitment
def commitment_accepted(user) -> bool:
    return CommitmentAcceptance.objects.filter(user=user, version=COMMITMENT_VERSION).exists()


@transaction.atomic
def commitment_accept(*, user, ip_address: str | None = None) -> CommitmentAcceptance:
    acc, _ = CommitmentAcceptance.objects.get_or_create(
        user=user, version=COMMITMENT_VERSION, defaults={"ip_address": ip_address})
    return acc


# --------------------------------------------------------------------------------------------- eligibility
def eligibility_check(*, user, year: int, level: str, exclude_pk: int | None = None) -> None:
    """DCL-7, the one place: one open declaration per person, year and level; none after 作废/不通过 that year;
    none while the person's resident ID is on the blacklist (CRT-7)."""
    from accounts.services import MSG_BLACKLIST_DECLARE, blacklist_entry_in_force

    entry = blacklist_entry_in_force(user.id_number or "")
    if entry is not None:
        raise ValidationError(MSG_BLACKLIST_DECLARE.format(reason=entry.reason), code="blacklisted")
    qs = Declaration.objects.filter(applicant=user, year=year)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    lost = qs.filter(status__in=YEAR_LOST_STATUSES).first()
    if lost is not None:
        raise ValidationError(MSG_YEAR_LOST.format(year=year, status=lost.get_status_display()), code="year_lost")
    open_ = qs.filter(level=level, status__in=("draft", "submitted", "in_review", "returned")).first()
    if open_ is not None:
        raise ValidationError(MSG_OPEN_EXISTS.format(year=year, level=open_.get_level_display(),
                                                     status=open_.get_status_display()), code="open_exists")


def declarable_units():
    """Units an applicant may pick as work unit: active units of the 12 unit kinds (and HR bureaus' own staff)."""
    return Org.objects.filter(is_active=True, kind__in=[*UNIT_KINDS, "hr_province", "hr_city", "hr_county",
                                                          "committee_office"])


# --------------------------------------------------------------------------------------------- start
@dataclass
class StartChoice:
    unit: Org
    mode: str
    series: object
    level: str
    specialty: object
    qualification: object
    committee: object | None
    method: str
    break_conditions: list
    entrusted: bool


def _copy_profile_rows(profile: Profile, declaration: Declaration) -> None:
    for section in S.PROFILE_SECTIONS:
        model = section.model
        rows = []
        for row in S.rows_qs(section, profile=profile):
            row.pk = None
            row.id = None
            row.profile = None
            row.declaration = declaration
            rows.append(row)
        model.objects.bulk_create(rows)


def _attachment_new(*, user, declaration, section: str, row_id=None, field: str = "", checked: CheckedFile,
                    pending: bool = False) -> Attachment:
    from django.core.files.base import ContentFile

    if declaration is not None:
        used = declaration.attachments.aggregate(total=Sum("size"))["total"] or 0
        if used + len(checked.content) > MAX_DOSSIER_BYTES:
            raise ValidationError(MSG_DOSSIER_FULL.format(mb=MAX_DOSSIER_BYTES // (1024 * 1024)), code="dossier_full")
    att = Attachment(owner=user, declaration=declaration, section=section, row_id=row_id, field=field,
                     pending=pending, display_name=checked.display_name, content_type=checked.content_type,
                     extension=checked.extension, size=len(checked.content), sha256=checked.sha256)
    att.file.save(f"upload{checked.extension}", ContentFile(checked.content), save=False)
    att.save()
    return att


@transaction.atomic
def attachment_stash(*, user, upload) -> Attachment:
    """Keep a checked upload of a form that has not been saved yet (the start form's entrustment proof), so a
    failed form does not lose it. It belongs to no declaration until the form succeeds."""
    return _attachment_new(user=user, declaration=None, section="start", field="entrust_proof",
                           checked=check_upload(upload), pending=True)


@transaction.atomic
def declaration_start(*, user, choice: StartChoice, stashed_proof: Attachment | None = None,
                      today: dt.date | None = None) -> Declaration:
    """DCL-1: a new draft from the unit, the catalogue choice and the committee; the profile is copied in."""
    today = today or timezone.localdate()
    if not commitment_accepted(user):
        raise PermissionDenied(MSG_COMMITMENT)
    if not declarable_units().filter(pk=choice.unit.pk).exists():
        raise ValidationError({"unit": MSG_UNIT})
    activity = title_services.choice_validate(
        mode=choice.mode, series=choice.series, level=choice.level, specialty=choice.specialty,
        qualification=choice.qualification, committee=choice.committee, today=today,
        locality=choice.unit.locality if choice.mode == EvaluationMode.REVIEW else None,
    )
    if choice.method == Declaration.Method.BREAK:
        allowed = set(activity.break_conditions.values_list("pk", flat=True)) if activity else set()
        if not choice.break_conditions or any(b.pk not in allowed for b in choice.break_conditions):
            raise ValidationError({"break_conditions": MSG_BREAK})
    elif choice.break_conditions:
        raise ValidationError({"break_conditions": MSG_BREAK_ONLY})
    if choice.entrusted and (stashed_proof is None or stashed_proof.owner_id != user.pk
                             or stashed_proof.declaration_id is not None or not stashed_proof.pending):
        raise ValidationError({"entrust_proof": MSG_ENTRUST_PROOF})
    year = activity.year if activity else today.year
    eligibility_check(user=user, year=year, level=choice.level)

    d = Declaration(applicant=user, unit=choice.unit, year=year, mode=choice.mode, series=choice.series,
                    level=choice.level, specialty=choice.specialty, qualification=choice.qualification,
                    committee=choice.committee if activity else None, activity=activity, method=choice.method,
                    entrusted=choice.entrusted)
    try:
        with transaction.atomic():
            d.save()
    except IntegrityError as exc:  # two tabs at once: the database rule holds
        raise ValidationError(MSG_OPEN_EXISTS.format(year=year, level=d.get_level_display(), status="进行中")) from exc
    d.break_conditions.set(choice.break_conditions)
    profile, _ = Profile.objects.get_or_create(user=user)
    basic_fields = [f.name for f in BasicInfo._meta.fields if f.name not in ("id", "declaration")]
    BasicInfo.objects.create(declaration=d, **{f: getattr(profile, f) for f in basic_fields})
    Commitment.objects.create(declaration=d, signer="", signed_on=today)
    Summary.objects.create(declaration=d)
    if activity and activity.teacher_section:
        TeacherInfo.objects.create(declaration=d)
    if activity and activity.health_section:
        HealthInfo.objects.create(declaration=d)
    _copy_profile_rows(profile, d)
    if choice.entrusted:
        Attachment.objects.filter(pk=stashed_proof.pk).update(declaration=d, pending=False)
    return d


# --------------------------------------------------------------------------------------------- editing
def require_editable(*, user, declaration: Declaration) -> None:
    if declaration.applicant_id != user.pk:
        raise PermissionDenied(MSG_NOT_OWNER)
    if not declaration.is_editable:
        raise ValidationError(MSG_FROZEN, code="frozen")


def _lock(declaration: Declaration) -> Declaration:
    return Declaration.objects.select_for_update().get(pk=declaration.pk)


@transaction.atomic
def section_save(*, user, declaration: Declaration, section: S.Section, instance, data: dict, pending_ids=()):
    """Save the single-object section (commitment, basic info, summary, teacher, health); the uploads kept as
    pending while the form failed (`pending_ids`) become the section's attachments — a new photo replaces the old."""
    declaration = _lock(declaration)
    require_editable(user=user, declaration=declaration)
    if instance.declaration_id != declaration.pk:
        raise PermissionDenied(MSG_NOT_OWNER)
    for k, v in data.items():
        setattr(instance, k, v)
    instance.full_clean()
    instance.save()
    pending = list(Attachment.objects.filter(pk__in=pending_ids, declaration=declaration, owner=user,
                                             section=section.key, pending=True).order_by("pk"))
    if any(a.field == "photo" for a in pending):  # one photo: the newest upload wins
        newest = max(a.pk for a in pending if a.field == "photo")
        for old in Attachment.objects.filter(declaration=declaration, field="photo").exclude(pk=newest):
            _attachment_remove(old)
        pending = [a for a in pending if a.field != "photo" or a.pk == newest]
    Attachment.objects.filter(pk__in=[a.pk for a in pending]).update(pending=False)
    return instance


def _row_owner_check(*, user, section: S.Section, row, declaration, profile) -> None:
    if declaration is not None:
        if row.declaration_id != declaration.pk:
            raise PermissionDenied(MSG_NOT_OWNER)
    elif row.profile_id != profile.pk or profile.user_id != user.pk:
        raise PermissionDenied(MSG_NOT_OWNER)
    if isinstance(row, WorkExperience) and row.locked:
        raise ValidationError(MSG_LOCKED_ROW, code="locked")


@transaction.atomic
def row_save(*, user, section: S.Section, row=None, data: dict, declaration: Declaration | None = None,
             profile: Profile | None = None, pending_ids=()):
    """Add or edit a row of a multi-row section, in a dossier (declaration) or in the info centre (profile)."""
    if declaration is not None:
        declaration = _lock(declaration)
        require_editable(user=user, declaration=declaration)
    elif profile is None or profile.user_id != user.pk:
        raise PermissionDenied(MSG_NOT_OWNER)
    if row is None:
        row = section.model(declaration=declaration, profile=profile)
        if section.key in S.ACHIEVEMENT_PHASE:
            row.phase = S.ACHIEVEMENT_PHASE[section.key]
        qs = S.rows_qs(section, declaration=declaration, profile=profile)
        row.sort = (qs.order_by("-sort").values_list("sort", flat=True).first() or 0) + 1
    else:
        _row_owner_check(user=user, section=section, row=row, declaration=declaration, profile=profile)
    for k, v in data.items():
        setattr(row, k, v)
    row.full_clean()
    row.save()
    if declaration is not None and pending_ids:
        Attachment.objects.filter(pk__in=pending_ids, declaration=declaration, owner=user, section=section.key,
                                  pending=True).update(pending=False, row_id=row.pk)
    return row


@transaction.atomic
def row_delete(*, user, section: S.Section, row, declaration: Declaration | None = None,
               profile: Profile | None = None) -> None:
    if declaration is not None:
        declaration = _lock(declaration)
        require_editable(user=user, declaration=declaration)
    elif profile is None or profile.user_id != user.pk:
        raise PermissionDenied(MSG_NOT_OWNER)
    _row_owner_check(user=user, section=section, row=row, declaration=declaration, profile=profile)
    if declaration is not None:
        for att in Attachment.objects.filter(declaration=declaration, section=section.key, row_id=row.pk):
            _attachment_remove(att)
    row.delete()


@transaction.atomic
def profile_save(*, user, data: dict) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    for k, v in data.items():
        setattr(profile, k, v)
    profile.full_clean()
    profile.save()
    return profile


# --------------------------------------------------------------------------------------------- attachments
@transaction.atomic
def attachment_add(*, user, declaration: Declaration, section: str, upload, row_id=None, field: str = "",
                   pending: bool = False) -> Attachment:
    """Check an upload by content and store it under a generated key (DCL-3). Photos: image only, ≤ 500 KB."""
    declaration = _lock(declaration)
    require_editable(user=user, declaration=declaration)
    checked = check_photo(upload) if field == "photo" else check_upload(upload)
    if field == "photo" and not pending:  # one photo: a new one replaces the old (a pending one when saved)
        for old in Attachment.objects.filter(declaration=declaration, field="photo"):
            _attachment_remove(old)
    return _attachment_new(user=user, declaration=declaration, section=section, row_id=row_id, field=field,
                           checked=checked, pending=pending)


@transaction.atomic
def attachment_store(*, user, declaration: Declaration, section: str, upload, row_id=None,
                     field: str = "") -> Attachment:
    """Store a reviewer's step attachment (recommendation, publicity proof …) on a dossier, checked by content.
    The caller (the review chain) has checked the reviewer's right; the dossier itself stays frozen."""
    return _attachment_new(user=user, declaration=declaration, section=section, row_id=row_id, field=field,
                           checked=check_upload(upload))


def _attachment_remove(att: Attachment) -> None:
    name = att.file.name
    att.delete()
    transaction.on_commit(lambda: att.file.storage.delete(name))


@transaction.atomic
def attachment_delete(*, user, attachment: Attachment) -> None:
    declaration = _lock(attachment.declaration)
    require_editable(user=user, declaration=declaration)
    _attachment_remove(attachment)


# --------------------------------------------------------------------------------------------- completeness
@dataclass
class Missing:
    section: S.Section
    problems: list[str]


def completeness(declaration: Declaration) -> list[Missing]:
    """Per section, what is still missing for submission (DCL-4)."""
    out: list[Missing] = []
    atts = list(declaration.attachments.filter(pending=False))
    for section in S.sections_for(declaration):
        problems: list[str] = []
        if section.key == "materials":
            have = {a.field for a in atts if a.section == "materials"}
            for mat in declaration.activity.materials.all() if declaration.activity else []:
                if mat.required and f"material:{mat.pk}" not in have:
                    problems.append(f"未上传必传材料“{mat.name}”")
        elif section.key == "social_insurance":
            pass
        elif section.many:
            rows = list(S.rows_qs(section, declaration=declaration))
            if len(rows) < section.min_rows:
                problems.append(f"至少填写 {section.min_rows} 条")
            for i, row in enumerate(rows, start=1):
                empty = [S.field_label(section, f) for f in section.required if getattr(row, f) in (None, "", False)]
                if isinstance(row, WorkExperience) and not row.end_date and not row.until_now:
                    empty.append("结束时间（或勾选至今）")
                if empty:
                    problems.append(f"第{i}条缺少：{'、'.join(empty)}")
            if section.key == "others":
                with_file = {a.row_id for a in atts if a.section == "others"}
                for i, row in enumerate(rows, start=1):
                    if row.pk not in with_file:
                        problems.append(f"第{i}条未上传附件")
        else:
            obj = getattr(declaration, section.key, None)
            empty = [S.field_label(section, f) for f in section.required
                     if obj is None or getattr(obj, f) in (None, "", False)]
            if empty:
                problems.append(f"缺少：{'、'.join(empty)}")
            if section.key == "basic" and not any(a.field == "photo" for a in atts):
                problems.append("未上传照片")
            if section.key == "summary" and obj is not None and obj.text and len(obj.text.strip()) < S.SUMMARY_MIN_CHARS:
                problems.append(f"业绩综述不少于 {S.SUMMARY_MIN_CHARS} 字")
        if problems:
            out.append(Missing(section, problems))
    if declaration.entrusted and not any(a.field == "entrust_proof" for a in atts):
        out.append(Missing(S.BY_KEY["materials"], [MSG_ENTRUST_PROOF]))
    return out


# --------------------------------------------------------------------------------------------- lifecycle
def _write_back_profile(declaration: Declaration) -> None:
    """The dossier's personal sections become the profile's (unlocked rows replaced), for next year's copy."""
    profile, _ = Profile.objects.get_or_create(user=declaration.applicant)
    basic = declaration.basic
    for f in BasicInfo._meta.fields:
        if f.name not in ("id", "declaration"):
            setattr(profile, f.name, getattr(basic, f.name))
    profile.save()
    for section in S.PROFILE_SECTIONS:
        model = section.model
        locked = model.objects.filter(profile=profile, locked=True) if model is WorkExperience else model.objects.none()
        locked_keys = {(r.start_date, r.unit_name) for r in locked}
        model.objects.filter(profile=profile).exclude(pk__in=locked.values("pk")).delete()
        copies = []
        for row in S.rows_qs(section, declaration=declaration):
            if model is WorkExperience and (row.start_date, row.unit_name) in locked_keys:
                continue
            row.pk = row.id = None
            row.declaration, row.profile = None, profile
            copies.append(row)
        model.objects.bulk_create(copies)


@transaction.atomic
def declaration_submit(*, user, declaration: Declaration, today: dt.date | None = None) -> Declaration:
    """DCL-5: freeze the dossier and emit `declaration_submitted` once, after commit."""
    today = today or timezone.localdate()
    declaration = _lock(declaration)
    require_editable(user=user, declaration=declaration)
    resubmission = declaration.status == Declaration.Status.RETURNED
    if resubmission and declaration.return_deadline and declaration.return_deadline < today:
        raise ValidationError(MSG_RETURN_DEADLINE.format(date=declaration.return_deadline), code="deadline")
    if not resubmission and declaration.activity and not declaration.activity.is_open_on(today):
        raise ValidationError(MSG_ACTIVITY_CLOSED, code="closed")
    if completeness(declaration):
        raise ValidationError(MSG_INCOMPLETE, code="incomplete")
    eligibility_check(user=user, year=declaration.year, level=declaration.level, exclude_pk=declaration.pk)
    declaration.status = Declaration.Status.SUBMITTED if not resubmission else Declaration.Status.IN_REVIEW
    declaration.submitted_at = timezone.now()
    declaration.save(update_fields=["status", "submitted_at", "updated_at"])
    _write_back_profile(declaration)
    declaration_submitting.send(sender=Declaration, declaration=declaration, user=user, resubmission=resubmission)
    for att in Attachment.objects.filter(declaration=declaration, pending=True):  # uploads of forms never saved
        _attachment_remove(att)
    pk = declaration.pk
    transaction.on_commit(lambda: declaration_submitted.send(sender=Declaration, declaration_id=pk,
                                                             resubmission=resubmission))
    return declaration


@transaction.atomic
def declaration_withdraw(*, user, declaration: Declaration) -> Declaration:
    """Withdraw a submitted dossier back to draft while no reviewer has acted (000 §4.1.1.18)."""
    declaration = _lock(declaration)
    if declaration.applicant_id != user.pk:
        raise PermissionDenied(MSG_NOT_OWNER)
    if declaration.status != Declaration.Status.SUBMITTED:
        raise ValidationError(MSG_WITHDRAW_STATE, code="state")
    if declaration.review_started:
        raise ValidationError(MSG_WITHDRAW_ACTED, code="acted")
    declaration_withdrawing.send(sender=Declaration, declaration=declaration, user=user)
    declaration.status = Declaration.Status.DRAFT
    declaration.submitted_at = None
    declaration.save(update_fields=["status", "submitted_at", "updated_at"])
    return declaration


@transaction.atomic
def declaration_abandon(*, user, declaration: Declaration) -> Declaration:
    """废弃 a draft (002 §2.2.2): it stops counting as open; its data stays for the record."""
    declaration = _lock(declaration)
    if declaration.applicant_id != user.pk:
        raise PermissionDenied(MSG_NOT_OWNER)
    if declaration.status != Declaration.Status.DRAFT:
        raise ValidationError(MSG_ABANDON_STATE, code="state")
    declaration.status = Declaration.Status.ABANDONED
    declaration.save(update_fields=["status", "updated_at"])
    return declaration


@transaction.atomic
def profile_lock_approved_work(*, declaration: Declaration) -> int:
    """Called by the review chain when a declaration is finally approved: the profile's work experience that
    was in it and has ended is locked; the current job (至今) stays editable (002 item 7 note)."""
    profile, _ = Profile.objects.get_or_create(user=declaration.applicant)
    keys = {(r.start_date, r.unit_name) for r in WorkExperience.objects.filter(declaration=declaration)
            if r.end_date and not r.until_now}
    ids = [r.pk for r in WorkExperience.objects.filter(profile=profile) if (r.start_date, r.unit_name) in keys]
    return WorkExperience.objects.filter(pk__in=ids).update(locked=True)
