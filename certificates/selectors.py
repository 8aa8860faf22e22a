"""Read queries of the certificate pages."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts import permissions as P
from declarations.models import Declaration
from orgs.models import Org
from workflow.models import Decision, ReviewProcess

from .models import Certificate, IssueBatch


def _final_approval():
    """The approving decision that ended a declaration's approved review process (its org issues)."""
    return Decision.objects.filter(
        declaration=OuterRef("pk"), action=Decision.Action.APPROVE, process__state=ReviewProcess.State.APPROVED
    ).order_by("-created_at", "-pk")


def issuable_declarations(*, org: Org) -> QuerySet[Declaration]:
    """Approved declarations whose review this org approved last, without a certificate yet (待发放)."""
    return (
        Declaration.objects.filter(status=Declaration.Status.APPROVED, certificate__isnull=True)
        .annotate(
            final_org_id=Subquery(_final_approval().values("org_id")[:1]),
            approved_at=Subquery(_final_approval().values("created_at")[:1]),
        )
        .filter(final_org_id=org.pk)
        .select_related("applicant", "unit", "series", "specialty", "qualification", "committee")
        .order_by("approved_at", "pk")
    )


def certificates_managed_by(user) -> QuerySet[Certificate]:
    """Certificates issued by orgs in the subtrees where the user holds 证书管理."""
    q = P.certificate_scope_q(user, "issuing_unit__org__path")
    if q is None:
        return Certificate.objects.none()
    return Certificate.objects.filter(q).select_related("issuing_unit", "issuing_unit__org")


def certificates_of_holder(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        Q(holder=user) | Q(holder__isnull=True, holder_id_number=user.id_number or "-")
    ).select_related("issuing_unit")


def certificate_get_for_user(*, user, pk: int) -> Certificate:
    """404 unless the user may see it (holder or a manager of the issuing chain)."""
    cert = Certificate.objects.select_related("issuing_unit", "issuing_unit__org").filter(pk=pk).first()
    if cert is None or not P.can_view_certificate(user, cert):
        raise Http404
    return cert


def batch_progress(batch: IssueBatch) -> dict:
    counts = dict(batch.certificates.values_list("pdf_state").annotate(n=Count("pk")).values_list("pdf_state", "n"))
    S = Certificate.PdfState
    total = sum(counts.values())
    done, failed = counts.get(S.DONE, 0), counts.get(S.FAILED, 0)
    pending = counts.get(S.PENDING, 0) + counts.get(S.RUNNING, 0)
    return {
        "total": total,
        "done": done,
        "failed": failed,
        "pending": pending,
        "percent": (done * 100 // total) if total else 100,
        "finished": pending == 0,
    }


def certificate_lookup(query: str) -> Certificate | None:
    """Public verification: by certificate number or by the QR token."""
    query = (query or "").strip()
    if not query:
        return None
    cert = Certificate.objects.select_related("issuing_unit").filter(number=query).first()
    if cert is None and len(query) in (32, 36):
        try:
            cert = Certificate.objects.select_related("issuing_unit").filter(token=query).first()
        except Exception:  # noqa: BLE001 — not a UUID
            cert = None
    return cert
