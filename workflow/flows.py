"""The one viewflow flow. Its shape is fixed; the route it walks is data on the process (DESIGN.md).

    start ─► route ─┬─► review ─► route        (state reviewing: the task of route[position])
                    ├─► revise ─► route        (state returned: the applicant edits and resubmits)
                    └─► approved / not_passed / voided / withdrawn (ends)

Every decision is made in workflow.services under the flow lock (select_for_update on PostgreSQL), which
moves `position`/`state` and completes the pending task forward; the Switch picks what comes next.
"""

from __future__ import annotations

from django.http import Http404
from viewflow import this
from viewflow.workflow import flow, lock

from .models import ReviewProcess
from .steps import PERMISSION_FOR

S = ReviewProcess.State


def _process(p) -> ReviewProcess:
    # viewflow may hand a plain Process to permission callables: always use the concrete subclass.
    return p if isinstance(p, ReviewProcess) else p.coerced


def review_permission(activation) -> str:
    step = _process(activation.process).current_step
    return f"orgs.{PERMISSION_FOR[step['kind']]}"


def review_permission_obj(process):
    return _process(process).current_org


def applicant_of(activation):
    return _process(activation.process).declaration.applicant


def _state_is(state):
    return lambda activation: _process(activation.process).state == state


def no_view(request, **kwargs):  # pragma: no cover - tasks are handled by workflow.views, never by viewflow's UI
    raise Http404


class ReviewFlow(flow.Flow):
    process_class = ReviewProcess
    # SELECT … FOR UPDATE that waits (not NOWAIT): nested in our transactions a NOWAIT failure inside viewflow's
    # savepoint would abort the whole transaction on PostgreSQL (see services._process_lock).
    lock_impl = lock.SelectForUpdateLock(nowait=False)
    process_title = "职称申报审核"

    start = flow.StartHandle(this.start_process).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.review, _state_is(S.REVIEWING))
        .Case(this.revise, _state_is(S.RETURNED))
        .Case(this.approved, _state_is(S.APPROVED))
        .Case(this.not_passed, _state_is(S.NOT_PASSED))
        .Case(this.voided, _state_is(S.VOIDED))
        .Default(this.withdrawn)
    )
    review = flow.View(no_view).Permission(review_permission, obj=review_permission_obj).Next(this.route)
    revise = flow.View(no_view).Assign(applicant_of).Next(this.route)
    approved = flow.End()
    not_passed = flow.End()
    voided = flow.End()
    withdrawn = flow.End()

    def start_process(self, activation, declaration, route: list[dict], position: int = 0):
        p = activation.process
        p.declaration = declaration
        p.route = route
        p.position = position
        p.state = S.REVIEWING
        from .services import _point_at

        _point_at(p)
        return p
