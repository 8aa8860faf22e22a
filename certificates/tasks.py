"""Celery tasks of certificates: render (claim → WeasyPrint batch → sign → store under a fixed key with its
SHA-256 → mark done, only if still ours) and the sweeper that re-enqueues stale outbox rows. Both are safe to run
twice: a certificate whose PDF is done is never rendered again, and a claim that went stale is taken over."""

from __future__ import annotations

import hashlib
import logging
import uuid

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F, Q
from django.utils import timezone

from .models import Certificate

log = logging.getLogger(__name__)
S = Certificate.PdfState


def pdf_key(cert: Certificate) -> str:
    """The fixed storage key of a certificate's PDF (a re-render overwrites it)."""
    return f"certificates/{cert.issuing_unit.code}/{cert.number}.pdf"


def _claim(ids: list[int]) -> tuple[uuid.UUID, list[Certificate]]:
    now = timezone.now()
    stale = now - timezone.timedelta(seconds=settings.CERT_PDF_STALE_SECONDS)
    claim = uuid.uuid4()
    Certificate.objects.filter(pk__in=ids).filter(
        Q(pdf_state__in=[S.PENDING, S.FAILED]) | Q(pdf_state=S.RUNNING, pdf_claimed_at__lt=stale)
    ).update(pdf_state=S.RUNNING, pdf_claim=claim, pdf_claimed_at=now, pdf_attempts=F("pdf_attempts") + 1)
    certs = list(
        Certificate.objects.filter(pdf_claim=claim, pdf_state=S.RUNNING).select_related("issuing_unit").order_by("pk")
    )
    return claim, certs


def _store(cert: Certificate, claim: uuid.UUID, data: bytes) -> bool:
    # Re-check the claim right before writing: a worker whose claim went stale must not overwrite the new owner.
    if not Certificate.objects.filter(pk=cert.pk, pdf_claim=claim, pdf_state=S.RUNNING).exists():
        return False
    key = pdf_key(cert)
    if default_storage.exists(key):
        default_storage.delete(key)
    stored = default_storage.save(key, ContentFile(data))
    n = Certificate.objects.filter(pk=cert.pk, pdf_claim=claim, pdf_state=S.RUNNING).update(
        pdf_state=S.DONE,
        pdf_file=stored,
        pdf_sha256=hashlib.sha256(data).hexdigest(),
        pdf_size=len(data),
        pdf_done_at=timezone.now(),
        pdf_error="",
    )
    return n == 1


def _fail(cert: Certificate, claim: uuid.UUID, error: str) -> None:
    Certificate.objects.filter(pk=cert.pk, pdf_claim=claim, pdf_state=S.RUNNING).update(
        pdf_state=S.FAILED, pdf_error=error[:500], pdf_enqueued_at=timezone.now()
    )


def _render_and_sign(certs: list[Certificate]) -> list[bytes]:
    from .pdf import render_certificates
    from .signing import sign_pdf

    pdfs = render_certificates(certs, base_url=settings.SITE_URL)
    return [sign_pdf(data, issuing_code=c.issuing_unit.code, org_name=c.issuing_org_name) for c, data in zip(certs, pdfs, strict=True)]


@shared_task(acks_late=True, reject_on_worker_lost=True)
def certificates_render(ids: list[int]) -> int:
    """Render, sign and store the PDFs of these certificates. Returns how many this run completed."""
    claim, certs = _claim(ids)
    if not certs:
        return 0
    done = 0
    try:
        pdfs = _render_and_sign(certs)
    except Exception:  # noqa: BLE001 — one bad certificate must not sink the batch: fall back to one by one
        log.exception("certificate batch render failed; rendering one by one")
        pdfs = None
    for i, cert in enumerate(certs):
        try:
            data = pdfs[i] if pdfs is not None else _render_and_sign([cert])[0]
            done += _store(cert, claim, data)
        except Exception as e:  # noqa: BLE001
            log.exception("certificate %s PDF failed", cert.number)
            _fail(cert, claim, f"{type(e).__name__}: {e}")
    return done


@shared_task
def certificates_sweep() -> int:
    from .services import pdf_jobs_sweep

    return pdf_jobs_sweep()


from . import imports  # noqa: E402,F401 — registers the import tasks
