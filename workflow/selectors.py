"""Read queries of the review chain: inboxes (WFL-3), history (WFL-8), returned lists (WFL-6).

The inbox is one indexed query on ReviewProcess(state, current_org), whatever the number of tasks.
"""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.permissions import can_view_declaration, orgs_with_perm

from .models import Decision, ReviewProcess
from .steps import OFFICE_KINDS

S = ReviewProcess.State
_RELATED = ("declaration", "declaration__applicant", "declaration__unit", "declaration__series",
            "declaration__qualification", "declaration__specialty", "declaration__committee", "current_org")


def _acting_q(user) -> Q | None:
    review = list(orgs_with_perm(user, "review_declarations").values_list("pk", flat=True))
    committee = list(orgs_with_perm(user, "run_committee").values_list("pk", flat=True))
    q = Q(pk__in=[])
    if review:
        q |= Q(current_org_id__in=review) & ~Q(current_kind__in=OFFICE_KINDS)
    if committee:
        q |= Q(current_org_id__in=committee, current_kind__in=OFFICE_KINDS)
    return q


def _with_task(qs):
    task = Task.objects.filter(process_id=OuterRef("pk"), status__in=(STATUS.NEW, STATUS.ASSIGNED)).order_by("-pk")
    return qs.annotate(task_id=Subquery(task.values("pk")[:1]))


def inbox(user, *, queue: str = "", year: str = "", level: str = "", series: str = "") -> QuerySet[ReviewProcess]:
    """待办: every process waiting at a step the user may decide, never the user's own dossier."""
    qs = ReviewProcess.objects.filter(state=S.REVIEWING).filter(_acting_q(user)).exclude(
        declaration__applicant=user)
    if queue == "own":  # 本单位人员审核 (001 §2.2)
        qs = qs.filter(current_org_id=F("declaration__unit_id"))
    elif queue == "sub":  # 下级单位人员审核
        qs = qs.exclude(current_org_id=F("declaration__unit_id"))
    if year.isdigit():
        qs = qs.filter(declaration__year=int(year))
    if level:
        qs = qs.filter(declaration__level=level)
    if series.isdigit():
        qs = qs.filter(declaration__series_id=int(series))
    return _with_task(qs.select_related(*_RELATED)).order_by("arrived_at", "pk")


def done(user, *, year: str = "", level: str = "", series: str = "", status: str = "") -> QuerySet[ReviewProcess]:
    """已办: processes the user decided on (approve/return/…, not 已阅), newest first."""
    # The user's own acts as an applicant (submit, resubmit, withdraw) are not reviews: never in their 已办.
    not_reviews = (Decision.Action.READ, Decision.Action.SUBMIT, Decision.Action.RESUBMIT, Decision.Action.WITHDRAW)
    ids = Decision.objects.filter(user=user).exclude(action__in=not_reviews).values("process_id")
    qs = ReviewProcess.objects.filter(pk__in=ids)
    if year.isdigit():
        qs = qs.filter(declaration__year=int(year))
    if level:
        qs = qs.filter(declaration__level=level)
    if series.isdigit():
        qs = qs.filter(declaration__series_id=int(series))
    if status:
        qs = qs.filter(state=status)
    return _with_task(qs.select_related(*_RELATED)).order_by("-pk")


def returned_for(user) -> list[ReviewProcess]:
    """Dossiers this user's orgs returned to applicants, with their deadlines (WFL-6); overdue flagged.

    Selected in the database through the returning decision (退回, or 返回修改 from the unit step), so only
    this user's orgs' returns are read, however many the province has."""
    review = set(orgs_with_perm(user, "review_declarations").values_list("pk", flat=True)) | set(
        orgs_with_perm(user, "run_committee").values_list("pk", flat=True))
    returning = Decision.objects.filter(
        process_id=OuterRef("pk"), action__in=(Decision.Action.RETURN, Decision.Action.BACK),
        position=OuterRef("returned_position")).order_by("-pk")
    qs = (ReviewProcess.objects.filter(state=S.RETURNED)
          .annotate(returning_org=Subquery(returning.values("org_id")[:1]))
          .filter(returning_org__in=review)
          .select_related(*_RELATED).order_by("declaration__return_deadline", "pk"))
    today = timezone.localdate()
    out = []
    for p in qs:
        p.returning_step = p.route[p.returned_position or 0]
        p.overdue = bool(p.declaration.return_deadline and p.declaration.return_deadline < today)
        out.append(p)
    return out


def task_get_for_user(*, user, task_id) -> tuple[Task, ReviewProcess]:
    from .flows import ReviewFlow
    from .services import can_act

    task = Task.objects.filter(pk=task_id, flow_task=ReviewFlow.review).first()
    if task is None:
        raise Http404("任务不存在或您无权处理。")
    p = ReviewProcess.objects.select_related(*_RELATED).get(pk=task.process_id)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or not can_act(user, p):
        raise Http404("任务不存在、已处理或您无权处理。")
    return task, p


def task_moved_on(*, user, task_id) -> int | None:
    """The dossier of a review task that is no longer open, if the user may see that dossier (so a reviewer who
    acts on a task that has moved on is told so, WFL-9); None otherwise (a forged id stays a plain 404)."""
    from .flows import ReviewFlow

    task = Task.objects.filter(pk=task_id, flow_task=ReviewFlow.review).exclude(
        status__in=(STATUS.NEW, STATUS.ASSIGNED)).first()
    if task is None:
        return None
    p = ReviewProcess.objects.select_related("declaration").filter(pk=task.process_id).first()
    if p is None or not can_view_declaration(user, p.declaration):
        return None
    return p.declaration_id


def history_of(declaration) -> list[Decision]:
    """Every decision on the dossier, each with the step attachments uploaded with it (`files`): two queries."""
    from declarations.models import Attachment

    rows = list(Decision.objects.filter(declaration=declaration).select_related("user", "org").order_by("created_at",
                                                                                                         "pk"))
    files: dict[int, list] = {}
    for a in Attachment.objects.filter(declaration=declaration, section="review", pending=False).order_by("pk"):
        files.setdefault(a.row_id, []).append(a)
    for h in rows:
        h.files = files.get(h.pk, [])
    return rows


def processes_of(declaration) -> list[ReviewProcess]:
    return list(ReviewProcess.objects.filter(declaration=declaration).select_related("current_org").order_by("pk"))


def diagram(declaration) -> list[dict]:
    """The route of the latest process with done / current / future marks (000 §4.1.1.17)."""
    p = ReviewProcess.objects.filter(declaration=declaration).order_by("-pk").first()
    if p is None:
        return []
    out = []
    for i, step in enumerate(p.route):
        if p.state == S.APPROVED or i < p.position:
            state = "done"
        elif i == p.position and p.state == S.REVIEWING:
            state = "current"
        elif i == p.position and p.state in (S.NOT_PASSED, S.VOIDED):
            state = "stopped"
        elif p.state == S.RETURNED and i == (p.returned_position or 0):
            state = "returned"  # the step that sent it back; the applicant resubmits to it
        else:
            state = "future"
        out.append({**step, "state": state, "index": i + 1})
    return out


def declaration_for_progress(*, user, pk):
    from declarations.models import Declaration

    d = Declaration.objects.select_related("applicant", "unit", "qualification", "series", "committee").filter(
        pk=pk).first()
    if d is None or not can_view_declaration(user, d):
        raise Http404("申报不存在或您无权查看。")
    return d
