"""Read queries for the declaration pages, scoped to what the user may see (404 otherwise)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.permissions import can_view_declaration

from .models import Attachment, Declaration

_RELATED = ("applicant", "unit", "series", "specialty", "qualification", "committee", "activity",
            "committee__office", "committee__final_org")


def declarations_of(user) -> QuerySet[Declaration]:
    # review_processes: the review chain's processes (reverse relation), for the current step and org.
    # Oldest first, so the template's last one is the current process (the model has no default ordering).
    processes = Declaration._meta.get_field("review_processes").related_model.objects.order_by("pk")
    return (Declaration.objects.filter(applicant=user).select_related(*_RELATED)
            .prefetch_related(Prefetch("review_processes", queryset=processes)).order_by("-created_at"))


def declaration_get_for_user(*, user, pk) -> Declaration:
    d = Declaration.objects.select_related(*_RELATED).filter(pk=pk).first()
    if d is None or not can_view_declaration(user, d):
        raise Http404("申报不存在或您无权查看。")
    return d


def declaration_get_own(*, user, pk) -> Declaration:
    d = Declaration.objects.select_related(*_RELATED).filter(pk=pk, applicant=user).first()
    if d is None:
        raise Http404("申报不存在或您无权查看。")
    return d


def attachment_get_for_user(*, user, declaration_pk, pk) -> Attachment:
    att = Attachment.objects.select_related("declaration").filter(pk=pk, declaration_id=declaration_pk).first()
    if att is None or att.declaration is None or not can_view_declaration(user, att.declaration):
        raise Http404("附件不存在或您无权查看。")
    if att.pending and att.owner_id != user.pk:
        raise Http404("附件不存在或您无权查看。")
    return att


def attachments_by_place(declaration: Declaration) -> dict:
    """{(section, row_id, field): [attachments]} for rendering a dossier in one query."""
    out: dict = {}
    for a in declaration.attachments.filter(pending=False).order_by("created_at"):
        out.setdefault((a.section, a.row_id, a.field), []).append(a)
    return out
