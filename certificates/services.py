"""Every state change of certificates (CRT-1 … CRT-4): issuing-unit codes, number ranges, issuing, the PDF
outbox, revocation and the ministry report. Each function checks permission itself and runs in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import permissions as P
from declarations.models import Attachment, Declaration
from orgs.models import Org

from .models import Certificate, IssueBatch, IssuingUnit, MinistryReport, NumberRange
from .selectors import issuable_declarations

log = logging.getLogger(__name__)

AUTO_RANGE_SIZE = 1000

MSG_NO_RIGHT = "您没有此单位的证书管理权限。"
MSG_CODE_TAKEN = "发证单位编码“{code}”已被使用。"
MSG_ORG_HAS_CODE = "单位“{org}”已配置发证单位编码。"
MSG_CANCEL_REASON = "请填写注销原因。"
MSG_RANGE_OVERLAP = "序号段{start}–{end}与已有编号库{a}–{b}重叠。"
MSG_NO_ISSUING_UNIT = "本单位尚未配置有效的发证单位编码，请先在“发证单位编码”中配置。"
MSG_NOTHING_SELECTED = "请先勾选要发放证书的人员。"
MSG_NOT_APPROVED = "“{name}”的申报尚未评审通过，不能发放证书。"
MSG_ALREADY_ISSUED = "“{name}”的证书已经发放（证书编号 {number}），不能重复发放。"
MSG_NOT_YOURS = "“{name}”的申报不由本单位发证。"
MSG_REVOKE_REASON = "请填写撤销原因。"
MSG_ALREADY_REVOKED = "该证书已撤销。"
MSG_NUMBERS_EXHAUSTED = "证书编号已用完（序号最大999999）。"


def require_right(ok: bool, message: str = MSG_NO_RIGHT) -> None:
    if not ok:
        raise PermissionDenied(message)


# --------------------------------------------------------------------------------------------- issuing units
@transaction.atomic
def issuing_unit_create(*, user, org: Org, code: str) -> IssuingUnit:
    """发证单位编码 (003 §1.9): configured by a certificate manager of the org or an org above it."""
    require_right(P.can_manage_certificates_of(user, org))
    code = (code or "").strip()
    if IssuingUnit.objects.filter(code=code).exists():
        raise ValidationError({"code": MSG_CODE_TAKEN.format(code=code)})
    if IssuingUnit.objects.filter(org=org).exists():
        raise ValidationError({"org": MSG_ORG_HAS_CODE.format(org=org.name)})
    unit = IssuingUnit(code=code, org=org)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def issuing_unit_cancel(*, user, unit: IssuingUnit, reason: str) -> IssuingUnit:
    require_right(P.can_manage_certificates_of(user, unit.org))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_CANCEL_REASON})
    unit.is_active, unit.cancel_reason, unit.cancelled_at = False, reason, timezone.now()
    unit.save(update_fields=["is_active", "cancel_reason", "cancelled_at"])
    return unit


# --------------------------------------------------------------------------------------------- numbers
@transaction.atomic
def number_range_create(*, user, issuing_unit: IssuingUnit, year: int, start: int, end: int) -> NumberRange:
    """批量生成证号 (003 §1.16): a range of sequence numbers; ranges of one unit and year never overlap."""
    require_right(P.can_manage_certificates_of(user, issuing_unit.org))
    rng = NumberRange(issuing_unit=issuing_unit, year=year, start=start, end=end, next_seq=start)
    rng.full_clean()
    for other in NumberRange.objects.select_for_update().filter(issuing_unit=issuing_unit, year=year):
        if start <= other.end and other.start <= end:
            raise ValidationError(MSG_RANGE_OVERLAP.format(start=start, end=end, a=other.start, b=other.end))
    rng.save()
    return rng


def format_number(unit: IssuingUnit, year: int, seq: int) -> str:
    return f"{year}{unit.code}{seq:06d}"


def numbers_take(*, issuing_unit: IssuingUnit, year: int, count: int) -> list[str]:
    """Take `count` certificate numbers in order, under row locks on the unit's ranges; when the ranges run out a
    new range is added after the highest one (the pool extends itself, 003 §1.16). Must run inside the caller's
    transaction. Uniqueness is finally guaranteed by the unique constraint on Certificate.number."""
    assert transaction.get_connection().in_atomic_block, "numbers_take must run inside a transaction"
    # Lock the issuing unit row first: ranges may not exist yet, and two first issues must not both create one.
    IssuingUnit.objects.select_for_update().filter(pk=issuing_unit.pk).first()
    taken: list[str] = []
    while len(taken) < count:
        rng = (
            NumberRange.objects.select_for_update()
            .filter(issuing_unit=issuing_unit, year=year, next_seq__lte=F("end"))
            .order_by("start")
            .first()
        )
        if rng is None:
            top = (
                NumberRange.objects.filter(issuing_unit=issuing_unit, year=year)
                .order_by("-end")
                .values_list("end", flat=True)
                .first()
            ) or 0
            if top >= 999999:
                raise ValidationError(MSG_NUMBERS_EXHAUSTED)
            size = max(AUTO_RANGE_SIZE, count - len(taken))
            rng = NumberRange.objects.create(
                issuing_unit=issuing_unit,
                year=year,
                start=top + 1,
                end=min(999999, top + size),
                next_seq=top + 1,
                auto=True,
            )
        n = min(count - len(taken), rng.end - rng.next_seq + 1)
        taken += [format_number(issuing_unit, year, s) for s in range(rng.next_seq, rng.next_seq + n)]
        NumberRange.objects.filter(pk=rng.pk).update(next_seq=F("next_seq") + n)
    return taken


# --------------------------------------------------------------------------------------------- issuing
def _photo_keys(ids: list[int]) -> dict[int, str]:
    """Each declaration's photo (the newest kept upload), in one query."""
    keys: dict[int, str] = {}
    for decl_id, name in (
        Attachment.objects.filter(declaration_id__in=ids, field="photo", pending=False)
        .order_by("pk")
        .values_list("declaration_id", "file")
    ):
        keys[decl_id] = name  # ordered by pk: the newest wins
    return keys


def issuing_unit_for(org: Org) -> IssuingUnit:
    """The org's active issuing-unit code, or a refusal saying to configure one."""
    unit = IssuingUnit.objects.filter(org=org, is_active=True).first()
    if unit is None:
        raise ValidationError(MSG_NO_ISSUING_UNIT)
    return unit


@transaction.atomic
def certificates_issue(*, user, org: Org, declaration_ids: Iterable[int], document_number: str = "") -> IssueBatch:
    """发放证书 (003 §1.17): one certificate per selected approved declaration that this org finally approved.
    All or nothing: one refused declaration refuses the batch. The PDFs are made after commit by Celery."""
    require_right(P.can_issue_in(user, org))
    ids = sorted({int(i) for i in declaration_ids})
    if not ids:
        raise ValidationError(MSG_NOTHING_SELECTED)
    unit = issuing_unit_for(org)
    # Lock the declarations: two operators pressing 发放 at once must not both issue (the one-to-one
    # constraint on Certificate.declaration is the final guard).
    decls = list(
        Declaration.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("applicant", "unit", "series", "specialty", "qualification", "committee", "basic")
        .order_by("pk")
    )
    if len(decls) != len(ids):
        raise ValidationError(MSG_NOT_APPROVED.format(name="所选记录"))
    issued = {c.declaration_id: c.number for c in Certificate.objects.filter(declaration_id__in=ids)}
    # pk → time of the approval that ended the review here (only declarations this org finally approved).
    allowed = dict(issuable_declarations(org=org).filter(pk__in=ids).values_list("pk", "approved_at"))
    for d in decls:
        name = d.applicant.name
        if d.pk in issued:
            raise ValidationError(MSG_ALREADY_ISSUED.format(name=name, number=issued[d.pk]))
        if d.status != Declaration.Status.APPROVED:
            raise ValidationError(MSG_NOT_APPROVED.format(name=name))
        if d.pk not in allowed:
            raise ValidationError(MSG_NOT_YOURS.format(name=name))
    today = timezone.localdate()
    numbers = numbers_take(issuing_unit=unit, year=today.year, count=len(decls))
    batch = IssueBatch.objects.create(org=org, created_by=user)
    now = timezone.now()
    photos = _photo_keys(ids)
    certs = []
    for d, number in zip(decls, numbers, strict=True):
        approved_at = allowed[d.pk]
        basic = getattr(d, "basic", None)
        certs.append(
            Certificate(
                number=number,
                declaration=d,
                holder=d.applicant,
                holder_name=d.applicant.name,
                holder_id_number=d.applicant.id_number or d.applicant.username,
                gender=basic.get_gender_display() if basic and basic.gender else "",
                work_unit=d.unit.name,
                series=d.series.name,
                specialty=d.specialty.name,
                level=d.level,
                qualification=d.qualification.name,
                committee=d.committee.name if d.committee else "",
                approved_on=timezone.localdate(approved_at) if approved_at else today,
                issued_on=today,
                document_number=document_number.strip(),
                issuing_unit=unit,
                issuing_org_name=org.name,
                photo=photos.get(d.pk, ""),
                source=Certificate.Source.REVIEW,
                batch=batch,
                issued_by=user,
                pdf_enqueued_at=now,
            )
        )
    try:
        with transaction.atomic():
            Certificate.objects.bulk_create(certs)
    except IntegrityError as e:  # a concurrent issue won the race
        raise ValidationError("所选人员中有证书已被他人同时发放，请刷新后重试。") from e
    pdf_jobs_enqueue_on_commit(Certificate.objects.filter(batch=batch).values_list("pk", flat=True))
    return batch


# --------------------------------------------------------------------------------------------- PDF outbox
def task_send(task, *args) -> bool:
    """Send a Celery task for an outbox row (a PDF job, an import job). A broker that is down is logged, not
    raised: the row stays as it is and the beat sweeper sends it again later. Eagerly (no Redis) errors raise."""
    try:
        task.apply_async(args=list(args), retry=False)
        return True
    except Exception:  # noqa: BLE001 — broker down: the outbox row waits for the sweeper
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.warning("could not enqueue %s%r; the sweeper will retry", task.name, args, exc_info=True)
        return False


def pdf_jobs_enqueue(ids: Iterable[int]) -> int:
    """Send the PDF jobs to Celery in chunks (one WeasyPrint document per chunk); returns how many were sent."""
    from .tasks import certificates_render

    ids = list(ids)
    size = max(1, settings.CERT_PDF_BATCH)
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    return sum(len(chunk) for chunk in chunks if task_send(certificates_render, chunk))


def pdf_jobs_enqueue_on_commit(ids: Iterable[int]) -> None:
    ids = list(ids)
    transaction.on_commit(lambda: pdf_jobs_enqueue(ids))


@transaction.atomic
def certificates_pdf_retry(*, user, certificates: Iterable[Certificate]) -> int:
    """Retry failed PDF jobs (the batch page's 重试)."""
    certificates = list(certificates)
    for org in {c.issuing_unit.org for c in certificates}:
        require_right(P.can_manage_certificates_of(user, org))
    ids = [c.pk for c in certificates]
    n = Certificate.objects.filter(pk__in=ids, pdf_state=Certificate.PdfState.FAILED).update(
        pdf_state=Certificate.PdfState.PENDING, pdf_attempts=0, pdf_error="", pdf_enqueued_at=timezone.now()
    )
    pdf_jobs_enqueue_on_commit(
        Certificate.objects.filter(pk__in=ids, pdf_state=Certificate.PdfState.PENDING).values_list("pk", flat=True)
    )
    return n


def pdf_jobs_sweep(*, now=None) -> int:
    """Re-enqueue stale jobs: pending ones sent long ago (lost message, broker was down) and running ones whose
    worker died (claimed long ago), and failed ones with attempts left. Returns how many were sent."""
    now = now or timezone.now()
    requeue = now - timezone.timedelta(seconds=settings.CERT_PDF_REQUEUE_SECONDS)
    stale = now - timezone.timedelta(seconds=settings.CERT_PDF_STALE_SECONDS)
    S = Certificate.PdfState
    q = (
        (Q(pdf_state=S.PENDING) & (Q(pdf_enqueued_at__isnull=True) | Q(pdf_enqueued_at__lt=requeue)))
        | (Q(pdf_state=S.RUNNING) & Q(pdf_claimed_at__lt=stale))
        | (Q(pdf_state=S.FAILED) & Q(pdf_attempts__lt=settings.CERT_PDF_MAX_ATTEMPTS) & Q(pdf_enqueued_at__lt=requeue))
    )
    ids = list(Certificate.objects.filter(q).order_by("pk").values_list("pk", flat=True)[:5000])
    if not ids:
        return 0
    Certificate.objects.filter(pk__in=ids).update(pdf_enqueued_at=now)
    return pdf_jobs_enqueue(ids)


# --------------------------------------------------------------------------------------------- revocation
@transaction.atomic
def certificate_revoke(*, user, certificate: Certificate, reason: str) -> Certificate:
    """证书撤销 (003 §1.19) with a reason; the public page then shows the certificate revoked."""
    cert = (
        Certificate.objects.select_for_update(of=("self",)).select_related("issuing_unit__org").get(pk=certificate.pk)
    )
    require_right(P.can_manage_certificates_of(user, cert.issuing_unit.org))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REVOKE_REASON})
    if cert.status == Certificate.Status.REVOKED:
        raise ValidationError(MSG_ALREADY_REVOKED)
    cert.status, cert.revoke_reason, cert.revoked_at, cert.revoked_by = (
        Certificate.Status.REVOKED,
        reason,
        timezone.now(),
        user,
    )
    cert.save(update_fields=["status", "revoke_reason", "revoked_at", "revoked_by"])
    return cert


# --------------------------------------------------------------------------------------------- ministry report
MSG_REPORT_NONE = "没有可上报的证书。"
MSG_REPORT_TWICE = "所选证书中有已上报的证书（{numbers}），如需再次上报请勾选“重新上报”。"


@transaction.atomic
def certificates_report(*, user, org: Org, ids: Iterable[int] | None = None, rereport: bool = False) -> MinistryReport:
    """证书报送人社部 (003 §1.18): selected certificates (批量上报) or all unreported ones (全部上报) in the user's
    scope are written to a report and marked reported. Never twice, unless re-reported on purpose."""
    require_right(P.can_manage_certificates_of(user, org))
    scope = Certificate.objects.select_for_update().filter(issuing_unit__org__path__startswith=org.path)
    if ids is None:
        chosen = scope.filter(reported_at__isnull=True)
    else:
        wanted = {int(i) for i in ids}
        chosen = scope.filter(pk__in=wanted)
        if chosen.count() != len(wanted):
            raise PermissionDenied(MSG_NO_RIGHT)
        done = list(chosen.filter(reported_at__isnull=False).values_list("number", flat=True)[:5])
        if done and not rereport:
            raise ValidationError(MSG_REPORT_TWICE.format(numbers="、".join(done)))
    pks = list(chosen.values_list("pk", flat=True))
    if not pks:
        raise ValidationError(MSG_REPORT_NONE)
    report = MinistryReport.objects.create(org=org, created_by=user, count=len(pks), rereport=rereport)
    Certificate.objects.filter(pk__in=pks).update(reported_at=timezone.now(), report=report)
    return report
