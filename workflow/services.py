"""Every state change of the review chain. Each runs under the flow lock, re-reads the task, checks the
user's right itself, records an append-only Decision, and completes the pending viewflow task forward.

Decisions (WFL-4, WFL-5): approve (optionally inserting an extra reviewing org before the next one), 已阅,
返回修改 (one step back), 退回 (to the applicant, with a deadline), 不通过, 作废. Recall, withdraw, deadlines
(WFL-6). "已阅" does NOT count as having acted: it records that a reviewer opened the dossier, decides
nothing, and leaves recall and withdrawal possible.
"""

from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.permissions import has_org_perm
from declarations.models import Declaration
from declarations.services import profile_lock_approved_work
from orgs.models import Org

from .models import AuditPathEdge, Decision, ReviewProcess
from .routes import Route, route_for_declaration
from .steps import PERMISSION_FOR, StepKind, step_label

A = Decision.Action
S = ReviewProcess.State
ACTIVE = (STATUS.NEW, STATUS.ASSIGNED)

MSG_MOVED_ON = "该申报已被处理或已流转到其他环节，本次操作未执行。"
MSG_NOT_YOURS = "您不是当前环节审核单位的经办人员。"
MSG_OWN = "不能审核本人的申报。"
MSG_REASON = "请填写原因。"
MSG_DEADLINE = "请填写修改截止日期，且不能早于今天。"
MSG_INSERT = "不能把申报提交到所选单位。"
MSG_RECALL_ACTED = "下一环节已经开始审核，不能撤回。"
MSG_RECALL_NOT_YOURS = "只有上一环节的审核单位可以撤回。"
MSG_NOT_RETURNED = "该申报不在退回修改状态。"
MSG_EXTEND_NOT_YOURS = "只有退回该申报的单位可以延长修改期限。"
MSG_REREVIEW = "只有作出“不通过”决定的单位可以重新审核。"
MSG_PUBLICITY = "单位审核通过时请填写推荐意见和公示情况，并上传公示证明材料。"


def _flow():
    from .flows import ReviewFlow

    return ReviewFlow


# Tries at the process row lock before a decider is refused (about 3 s in all; see _process_lock).
LOCK_ATTEMPTS = 7


@contextmanager
def _process_lock(process_id: int):
    """The flow lock, safe inside our transaction.atomic(); use it inside one.

    viewflow's select_for_update_lock tries `SELECT … FOR UPDATE NOWAIT` in a savepoint and catches the
    error *inside* that savepoint; nested in a transaction on PostgreSQL, releasing the savepoint then fails
    ("current transaction is aborted") and the loser of a race got an InternalError — a 500 — instead of a
    retry. So the row lock is taken here first, each try in a savepoint that the error leaves (rolled back
    cleanly); once held it stays with the transaction, and viewflow's own NOWAIT re-lock succeeds at once.
    A lock still held elsewhere after the tries — or viewflow's FlowLockFailed — is refused with the same
    Chinese message as a task that has moved on, and nothing changes. SQLite has no row locks (no-op there).
    """
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction.atomic():
                ReviewProcess.objects.select_for_update(nowait=True).filter(pk=process_id).exists()
            break
        except DatabaseError:
            if attempt == LOCK_ATTEMPTS - 1:
                raise ValidationError(MSG_MOVED_ON, code="locked") from None
            time.sleep(0.05 * 2**attempt)
    try:
        with _flow().lock(process_id):
            yield
    except FlowLockFailed as exc:
        raise ValidationError(MSG_MOVED_ON, code="locked") from exc


def _point_at(p: ReviewProcess) -> None:
    step = p.current_step if p.state == S.REVIEWING else None
    p.current_org_id = step["org"] if step else None
    p.current_kind = step["kind"] if step else ""
    p.arrived_at = timezone.now()


def _active_task(process_id: int, node) -> Task | None:
    return (Task.objects.filter(process_id=process_id, flow_task=node, status__in=ACTIVE)
            .order_by("-pk").first())


def _complete(task: Task, user) -> None:
    """Complete the pending task forward (never revive: that would drop the owner permission)."""
    act = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        act.assign(user)
    act.start(None)
    act.execute()


def _record(p: ReviewProcess, user, action: str, *, opinion: str = "", signer: str = "", signed_on=None,
            details: dict | None = None, position: int | None = None) -> Decision:
    pos = p.position if position is None else position
    step = p.route[pos] if 0 <= pos < len(p.route) else {}
    return Decision.objects.create(
        process=p, declaration_id=p.declaration_id, position=pos, step_kind=step.get("kind", ""),
        step_label=step.get("label", ""), org_id=step.get("org"), user=user, action=action, opinion=opinion,
        signer=signer, signed_on=signed_on, details=details or {},
    )


def can_act(user, p: ReviewProcess) -> bool:
    """May this user decide the current step? The step's org, the step's right, never one's own dossier."""
    step = p.current_step
    if p.state != S.REVIEWING or step is None or step["org"] is None:
        return False
    if p.declaration.applicant_id == user.pk:
        return False
    org = Org.objects.filter(pk=step["org"]).first()
    return has_org_perm(user, PERMISSION_FOR[step["kind"]], org)


# --------------------------------------------------------------------------------------------- start
def route_check(declaration) -> Route:
    route = route_for_declaration(declaration)
    if not route.ok:
        raise ValidationError(route.explanation(), code="route_broken")
    return route


def process_start(*, declaration: Declaration, user) -> ReviewProcess:
    """Called in the submitting transaction: compute the route and start the flow at 单位审核."""
    route = route_check(declaration)
    p = _flow().start.run(declaration=declaration, route=[s.as_data() for s in route.steps])
    _record(p, user, A.SUBMIT, position=0)
    return p


def process_resume(*, declaration: Declaration, user) -> ReviewProcess:
    """A dossier returned to the applicant is resubmitted into the same route, at the step that returned it."""
    p = ReviewProcess.objects.filter(declaration=declaration, state=S.RETURNED).order_by("-pk").first()
    if p is None:
        raise ValidationError(MSG_NOT_RETURNED)
    with _flow().lock(p.pk):
        p.refresh_from_db()
        task = _active_task(p.pk, _flow().revise)
        if p.state != S.RETURNED or task is None:
            raise ValidationError(MSG_MOVED_ON)
        p.position = p.returned_position or 0
        p.state = S.REVIEWING
        _point_at(p)
        p.save()
        _record(p, user, A.RESUBMIT)
        _complete(task, user)
    return p


# --------------------------------------------------------------------------------------------- decide
@dataclass
class DecisionInput:
    action: str
    opinion: str = ""
    signer: str = ""
    signed_on: dt.date | None = None
    deadline: dt.date | None = None
    insert_org: Org | None = None
    recommendation: str = ""
    publicity_start: dt.date | None = None
    publicity_end: dt.date | None = None
    publicity_result: str = ""


def insertable_orgs(p: ReviewProcess):
    """Orgs a reviewer may insert before the next step (001 §2.2.1): active department units and HR bureaus under
    the same HR department as the current org (its nearest HR ancestor's subtree), never the applicant's unit."""
    from orgs.kinds import HR_KINDS

    current = Org.objects.get(pk=p.current_org_id)
    chain = [current, *reversed(list(current.ancestors()))]
    hr = next((o for o in chain if o.kind in HR_KINDS), chain[-1])
    kinds = {"prov_dept", "city_dept", "county_dept", *HR_KINDS}
    return (hr.subtree().filter(is_active=True, kind__in=kinds).exclude(pk=current.pk)
            .exclude(pk=p.declaration.unit_id))


def decide(*, user, task_id: int, data: DecisionInput, attachments=(), today: dt.date | None = None) -> Decision:
    """Decide the current step. Exactly one of two concurrent deciders succeeds (the lock + status re-check)."""
    today = today or timezone.localdate()
    flow = _flow()
    task = Task.objects.filter(pk=task_id, flow_task=flow.review).first()
    if task is None:
        raise PermissionDenied(MSG_MOVED_ON)
    with transaction.atomic(), _process_lock(task.process_id):
        task.refresh_from_db()
        p = ReviewProcess.objects.select_related("declaration").get(pk=task.process_id)
        if task.status not in ACTIVE or p.state != S.REVIEWING:
            raise ValidationError(MSG_MOVED_ON, code="moved_on")
        if p.declaration.applicant_id == user.pk:
            raise PermissionDenied(MSG_OWN)
        if not can_act(user, p):
            raise PermissionDenied(MSG_NOT_YOURS)
        return _apply(user, p, task, data, attachments, today)


def _apply(user, p: ReviewProcess, task: Task, data: DecisionInput, attachments, today) -> Decision:
    from declarations.services import attachment_store

    action, opinion = data.action, (data.opinion or "").strip()
    d = p.declaration
    step = p.current_step
    details: dict = {}
    if action in Decision.NEGATIVE and not opinion:
        raise ValidationError({"opinion": MSG_REASON})
    if action == A.RETURN and (data.deadline is None or data.deadline < today):
        raise ValidationError({"deadline": MSG_DEADLINE})
    if action == A.APPROVE and step["kind"] == StepKind.UNIT:
        if not (data.recommendation and data.publicity_start and data.publicity_end and data.publicity_result) or \
                not attachments:
            raise ValidationError(MSG_PUBLICITY)
        details.update(recommendation=data.recommendation, publicity_start=str(data.publicity_start),
                       publicity_end=str(data.publicity_end), publicity_result=data.publicity_result)
    if data.insert_org is not None:
        if action != A.APPROVE or not insertable_orgs(p).filter(pk=data.insert_org.pk).exists():
            raise ValidationError({"insert_org": MSG_INSERT})
        details["inserted"] = data.insert_org.name
    if action == A.RETURN:
        details["deadline"] = str(data.deadline)

    decision = _record(p, user, action, opinion=opinion, signer=data.signer, signed_on=data.signed_on or today,
                       details=details)
    for upload in attachments:
        attachment_store(user=user, declaration=d, section="review", row_id=decision.pk, upload=upload)
    if action == A.READ:
        return decision  # 已阅: no decision, the task stays where it is

    d_fields = ["review_started", "updated_at"]
    d.review_started = True
    if action == A.APPROVE:
        if step["kind"] == StepKind.OFFICE:
            d.qualification_passed = True  # DCL-6: the applicant may now print the 申报表
            d_fields.append("qualification_passed")
        if data.insert_org is not None:
            p.route.insert(p.position + 1, {"kind": StepKind.EXTRA, "label": step_label(StepKind.EXTRA),
                                            "org": data.insert_org.pk, "org_name": data.insert_org.name,
                                            "via_edge": False, "inserted_by": user.pk})
        p.position += 1
        if p.position >= len(p.route):
            p.state = S.APPROVED
            d.status = Declaration.Status.APPROVED
        else:
            d.status = Declaration.Status.IN_REVIEW
    elif action == A.BACK:
        if p.position == 0:  # one step back from the unit is the applicant
            _to_applicant(p, d, today + dt.timedelta(days=_edit_days(d)))
        else:
            p.position -= 1
            d.status = Declaration.Status.IN_REVIEW
    elif action == A.RETURN:
        _to_applicant(p, d, data.deadline)
    elif action == A.NOT_PASS:
        p.state = S.NOT_PASSED
        d.status = Declaration.Status.NOT_PASSED
    elif action == A.VOID:
        p.state = S.VOIDED
        d.status = Declaration.Status.VOIDED
    office_at = next((i for i, st in enumerate(p.route) if st["kind"] == StepKind.OFFICE), None)
    if d.qualification_passed and action in (A.BACK, A.RETURN) and (
            p.state == S.RETURNED or (office_at is not None and p.position <= office_at)):
        d.qualification_passed = False  # sent back below 资格审查: printing waits for it to pass again
        d_fields.append("qualification_passed")
    d_fields += ["status", "return_deadline"]
    d.save(update_fields=list(dict.fromkeys(d_fields)))
    _point_at(p)
    p.save()
    _complete(task, user)
    if p.state == S.APPROVED:
        profile_lock_approved_work(declaration=d)
    return decision


def _edit_days(d: Declaration) -> int:
    return d.activity.edit_deadline_days if d.activity else 7


def _to_applicant(p: ReviewProcess, d: Declaration, deadline: dt.date) -> None:
    p.state = S.RETURNED
    p.returned_position = p.position
    d.status = Declaration.Status.RETURNED
    d.return_deadline = deadline


# --------------------------------------------------------------------------------------------- recall etc.
def _acted_since_arrival(p: ReviewProcess) -> bool:
    return p.decisions.filter(position=p.position, created_at__gte=p.arrived_at).exclude(action=A.READ).exists()


def recall_check(user, p: ReviewProcess) -> None:
    """Raise unless `user` may recall `p` now: their org passed it to the current step, which has not acted."""
    prev = p.route[p.position - 1] if p.position > 0 else None
    prev_org = Org.objects.filter(pk=prev["org"]).first() if prev else None
    passed_here = prev is not None and p.decisions.filter(position=p.position - 1, action=A.APPROVE).exists() \
        and has_org_perm(user, PERMISSION_FOR[prev["kind"]], prev_org)
    if not passed_here:
        # An org that passed it at an earlier step: the next org has already acted on it since.
        earlier = p.decisions.filter(action=A.APPROVE, position__lt=max(p.position - 1, 0)).select_related("org")
        if any(d.org and has_org_perm(user, PERMISSION_FOR[d.step_kind], d.org) for d in earlier):
            raise ValidationError(MSG_RECALL_ACTED)
        raise PermissionDenied(MSG_RECALL_NOT_YOURS)
    if _acted_since_arrival(p):
        raise ValidationError(MSG_RECALL_ACTED)


def recall_allowed(user, p: ReviewProcess) -> bool:
    if p.state != S.REVIEWING or p.position == 0:
        return False
    try:
        recall_check(user, p)
    except (ValidationError, PermissionDenied):
        return False
    return True


def recall(*, user, process_id: int) -> ReviewProcess:
    """The org that passed the dossier takes it back while the next org has not acted (WFL-6)."""
    flow = _flow()
    with transaction.atomic(), _process_lock(process_id):
        p = ReviewProcess.objects.select_related("declaration").get(pk=process_id)
        task = _active_task(p.pk, flow.review)
        if p.state != S.REVIEWING or task is None or p.position == 0:
            raise ValidationError(MSG_MOVED_ON)
        recall_check(user, p)
        p.position -= 1
        if p.route[p.position + 1].get("kind") == StepKind.EXTRA and p.route[p.position + 1].get("inserted_by"):
            p.route.pop(p.position + 1)  # an org the recaller inserted goes with the recall
        _point_at(p)
        p.save()
        _record(p, user, A.RECALL)
        _complete(task, user)
        return p


def withdraw(*, user, declaration: Declaration) -> ReviewProcess | None:
    """The applicant takes a submitted dossier back while the first reviewer has not acted (DCL-5)."""
    flow = _flow()
    p = ReviewProcess.objects.filter(declaration=declaration, state=S.REVIEWING).order_by("-pk").first()
    if p is None:
        return None
    with flow.lock(p.pk):
        p.refresh_from_db()
        task = _active_task(p.pk, flow.review)
        if task is None or p.position != 0 or p.decisions.exclude(action__in=(A.READ, A.SUBMIT)).exists():
            raise ValidationError("审核单位已开始审核，不能撤回；如需修改请联系审核单位退回。")
        p.state = S.WITHDRAWN
        _point_at(p)
        p.save()
        _record(p, user, A.WITHDRAW)
        _complete(task, user)
    return p


def deadline_extend(*, user, process_id: int, deadline: dt.date, today: dt.date | None = None) -> Decision:
    today = today or timezone.localdate()
    with transaction.atomic():
        p = ReviewProcess.objects.select_for_update().select_related("declaration").get(pk=process_id)
        if p.state != S.RETURNED:
            raise ValidationError(MSG_NOT_RETURNED)
        step = p.route[p.returned_position or 0]
        org = Org.objects.filter(pk=step["org"]).first()
        if not has_org_perm(user, PERMISSION_FOR[step["kind"]], org):
            raise PermissionDenied(MSG_EXTEND_NOT_YOURS)
        if deadline < today:
            raise ValidationError({"deadline": MSG_DEADLINE})
        d = p.declaration
        old = d.return_deadline
        d.return_deadline = deadline
        d.save(update_fields=["return_deadline", "updated_at"])
        return _record(p, user, A.EXTEND, position=p.returned_position or 0,
                       details={"from": str(old), "to": str(deadline)})


def rereview(*, user, process_id: int) -> ReviewProcess:
    """The org that decided 不通过 takes it up again (001 §2.2.1): a new process resumes at that step."""
    old = ReviewProcess.objects.select_related("declaration").get(pk=process_id)
    if old.state != S.NOT_PASSED:
        raise ValidationError(MSG_REREVIEW)
    last = old.decisions.filter(action=A.NOT_PASS).order_by("-pk").first()
    org = Org.objects.filter(pk=last.org_id).first() if last else None
    if last is None or not has_org_perm(user, PERMISSION_FOR[last.step_kind], org):
        raise PermissionDenied(MSG_REREVIEW)
    inactive = [st["org_name"] for st in old.route[last.position:]
                if not Org.objects.filter(pk=st["org"], is_active=True).exists()]
    if inactive:
        raise ValidationError(f"审核路径中的单位已停用（{'、'.join(inactive)}），请先调整审核路径。")
    with transaction.atomic():
        d = Declaration.objects.select_for_update().get(pk=old.declaration_id)
        if d.status != Declaration.Status.NOT_PASSED:
            raise ValidationError(MSG_MOVED_ON)
        d.status = Declaration.Status.IN_REVIEW
        d.save(update_fields=["status", "updated_at"])
        p = _flow().start.run(declaration=d, route=old.route, position=last.position)
        _record(p, user, A.REREVIEW, details={"previous_process": old.pk})
        return p


# --------------------------------------------------------------------------------------------- paths
MSG_EDGE_RIGHT = "您没有为该单位配置审核路径的权限。"
MSG_EDGE_DECIDE = "只有被申请的上级单位可以审批该路径申请。"


@transaction.atomic
def edge_configure(*, user, from_org: Org, to_org: Org, series=None, level: str = "") -> AuditPathEdge:
    """An HR operator sets "after from_org goes to_org" for orgs in their subtree (003 §1.4–1.8)."""
    from accounts.permissions import orgs_with_perm

    hr_orgs = orgs_with_perm(user, "configure_paths")
    if not any(from_org.path.startswith(o.path) for o in hr_orgs):
        raise PermissionDenied(MSG_EDGE_RIGHT)
    edge = AuditPathEdge(from_org=from_org, to_org=to_org, series=series, level=level,
                         status=AuditPathEdge.Status.APPROVED, requested_by=user, decided_by=user,
                         decided_at=timezone.now())
    edge.full_clean()
    AuditPathEdge.objects.filter(from_org=from_org, series=series, level=level,
                                 status=AuditPathEdge.Status.APPROVED).update(status=AuditPathEdge.Status.REVOKED)
    edge.save()
    return edge


@transaction.atomic
def edge_request(*, user, from_org: Org, to_org: Org, series=None, level: str = "", reason: str = "") -> AuditPathEdge:
    """A lower unit asks to report to `to_org` (004 §2.5); the upper org approves or refuses."""
    if not has_org_perm(user, "review_declarations", from_org):
        raise PermissionDenied(MSG_EDGE_RIGHT)
    edge = AuditPathEdge(from_org=from_org, to_org=to_org, series=series, level=level, reason=reason,
                         status=AuditPathEdge.Status.REQUESTED, requested_by=user)
    edge.full_clean()
    edge.save()
    return edge


@transaction.atomic
def edge_decide(*, user, edge: AuditPathEdge, approve: bool, reason: str = "") -> AuditPathEdge:
    edge = AuditPathEdge.objects.select_for_update().get(pk=edge.pk)
    if edge.status != AuditPathEdge.Status.REQUESTED:
        raise ValidationError("该申请已处理。")
    if not has_org_perm(user, "review_declarations", edge.to_org):
        raise PermissionDenied(MSG_EDGE_DECIDE)
    if not approve and not reason.strip():
        raise ValidationError({"reason": MSG_REASON})
    if approve:
        AuditPathEdge.objects.filter(from_org=edge.from_org, series=edge.series, level=edge.level,
                                     status=AuditPathEdge.Status.APPROVED).update(status=AuditPathEdge.Status.REVOKED)
    edge.status = AuditPathEdge.Status.APPROVED if approve else AuditPathEdge.Status.REFUSED
    edge.reason = reason.strip() or edge.reason
    edge.decided_by, edge.decided_at = user, timezone.now()
    edge.save()
    return edge


@transaction.atomic
def industry_set(*, user, region, series, specialty, org: Org):
    """An HR operator names the 行业主管部门 of a specialty in a county/city of their own region."""
    from accounts.permissions import orgs_with_perm

    from .models import IndustryDepartment

    hr_orgs = orgs_with_perm(user, "configure_paths")
    if not any(region.path.startswith(o.region.path) for o in hr_orgs):
        raise PermissionDenied("只能为本级人社部门所辖区域配置行业主管部门。")
    if specialty is not None and specialty.series_id != series.pk:
        raise ValidationError({"specialty": "专业必须属于所选系列。"})
    if not org.is_active:
        raise ValidationError({"org": "行业主管部门必须是启用中的单位。"})
    row, _ = IndustryDepartment.objects.update_or_create(region=region, series=series, specialty=specialty,
                                                         defaults={"org": org})
    return row


@transaction.atomic
def opinion_save(*, user, text: str):
    from .models import CommonOpinion

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请输入常用意见。"})
    return CommonOpinion.objects.create(user=user, text=text[:300])
