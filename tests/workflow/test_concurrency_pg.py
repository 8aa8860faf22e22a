"""Two deciders at once (issue 5, "twice at once: exactly one succeeds — tested with two real concurrent
connections on PostgreSQL").

Each race runs two threads, each with its own database connection, released together by a barrier. The flow
lock (workflow.services._process_lock: `select … for update nowait` on the process row in a savepoint of its
own, retried, then viewflow's lock) serialises them; the loser re-reads the task under the lock, finds it
already done and is refused with the Chinese "已被处理" message. (Before that helper, the loser got PostgreSQL's
"current transaction is aborted" InternalError: viewflow's lock swallows the NOWAIT error inside a savepoint,
which breaks when it is nested in our transaction.) SQLite ignores select_for_update, so these tests only run
against PostgreSQL (root conftest.py skips them elsewhere).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from viewflow.workflow import lock as flow_lock
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from declarations.demo import dossier_submitted
from declarations.models import Declaration
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.browser.conftest import system_roles  # noqa: F401 — restores the roles a flush removes
from tests.factories import create_unit, make_user, province_root, regions
from titles.demo import committees_load
from workflow import services
from workflow.demo import step_decide
from workflow.flows import ReviewFlow
from workflow.models import Decision, ReviewProcess
from workflow.steps import StepKind

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("system_roles"),
]

A = Decision.Action
ACTIVE = (STATUS.NEW, STATUS.ASSIGNED)
ROUNDS = 5


@dataclass
class Chain:
    """四川省水文水资源勘测局 (省级部门所属单位) under 四川省水利厅: route 单位审核 → 省级部门审核 (水利厅) →
    高评办资格审查 → 高评委评审 → 省人社厅审核 (the last three at the province root)."""

    root: Org
    office_op: User  # 高评办 operator at the root
    dept: Org  # 四川省水利厅
    dept_ops: tuple[User, User]  # two operators of the 水利厅
    unit: Org  # 四川省水文水资源勘测局
    unit_op: User

    def operator_for(self) -> dict[int, User]:
        return {self.unit.pk: self.unit_op, self.dept.pk: self.dept_ops[0], self.root.pk: self.office_op}

    def dossier_at_department(self, n: int) -> Declaration:
        """A new applicant's complete dossier, submitted and approved by the unit: waiting at 省级部门审核."""
        applicant = make_user(org=self.unit, name=f"并发申报{n}", roles=("applicant",))
        d = dossier_submitted(user=applicant, unit=self.unit, specialty_code="GC0102")
        step_decide(d=d, operator_for=self.operator_for())
        p = _process(d)
        assert (p.position, p.current_kind, p.current_org_id) == (1, StepKind.PROVINCIAL, self.dept.pk)
        return d


@pytest.fixture
def chain(request) -> Chain:
    request.getfixturevalue("system_roles")
    regions()
    root, hr_op = province_root()
    ip_center, _ = create_unit(
        actor=hr_op, parent=root, kind=OrgKind.COMMITTEE_OFFICE, name="四川省知识产权服务促进中心"
    )
    committees_load(province=root, ip_center=ip_center, region=regions()["province"])
    office_op = make_user(org=root, name="高评办经办", roles=("office_senior",))
    dept, dept_op = create_unit(actor=hr_op, parent=root, kind=OrgKind.PROV_DEPT, name="四川省水利厅")
    dept_op2 = make_user(org=dept, name="水利厅经办二", roles=("prov_dept",))
    unit, unit_op = create_unit(actor=dept_op, parent=dept, kind=OrgKind.PROV_AFFILIATE, name="四川省水文水资源勘测局")
    return Chain(root, office_op, dept, (dept_op, dept_op2), unit, unit_op)


@pytest.fixture
def lock_waits(monkeypatch) -> list[float]:
    """Counts the times a decider found the process locked by the other and waited (workflow.services retries)."""
    waits: list[float] = []
    real_sleep = services.time.sleep

    class Clock:
        @staticmethod
        def sleep(seconds: float) -> None:
            waits.append(seconds)
            real_sleep(seconds)

    monkeypatch.setattr(services, "time", Clock)
    return waits


# --------------------------------------------------------------------------------------------- helpers
def _process(d: Declaration) -> ReviewProcess:
    return ReviewProcess.objects.filter(declaration=d).order_by("-pk").first()


def _task(d: Declaration) -> Task:
    return Task.objects.get(process_id=_process(d).pk, flow_task=ReviewFlow.review, status__in=ACTIVE)


def _approve(user: User, task_id: int) -> Callable[[], object]:
    data = services.DecisionInput(action=A.APPROVE, opinion="同意上报。", signer=user.name)
    return lambda: services.decide(user=user, task_id=task_id, data=data)


def race(*calls: Callable[[], object]) -> list[tuple[str, object]]:
    """Run the calls in threads released together; each thread uses (and finally closes) its own connection.
    Returns ("ok", result) or ("refused", exception) per call, in order; any other exception fails the test."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, object] | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", call())
        except (ValidationError, PermissionDenied) as exc:
            results[i] = ("refused", exc)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads), "a decider hung"
    assert all(r is not None and r[0] != "error" for r in results), results
    return results  # type: ignore[return-value]


def _messages(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


# --------------------------------------------------------------------------------------------- tests
def test_runs_on_postgresql_with_the_select_for_update_lock():
    assert connection.vendor == "postgresql"
    # viewflow's SELECT … FOR UPDATE lock, waiting rather than NOWAIT (see workflow/flows.py)
    assert isinstance(ReviewFlow.lock_impl, flow_lock.SelectForUpdateLock)
    assert ReviewFlow.lock_impl.nowait is False


def test_two_operators_approving_the_same_task_at_once_exactly_one_succeeds(chain, lock_waits):
    for n in range(ROUNDS):
        d = chain.dossier_at_department(n)
        task = _task(d)
        first, second = chain.dept_ops
        results = race(_approve(first, task.pk), _approve(second, task.pk))

        assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
        loser = next(exc for kind, exc in results if kind == "refused")
        assert isinstance(loser, ValidationError) and "已被处理" in _messages(loser)
        p = _process(d)
        assert (p.state, p.position, p.current_kind) == (ReviewProcess.State.REVIEWING, 2, StepKind.OFFICE)
        assert Decision.objects.filter(process=p, position=1, action=A.APPROVE).count() == 1
        assert Decision.objects.filter(process=p, action=A.APPROVE).count() == 2  # the unit's and this one
        assert Task.objects.filter(process_id=p.pk, status__in=ACTIVE).count() == 1
        assert Task.objects.get(pk=task.pk).status == STATUS.DONE
    assert lock_waits, "no round really raced: the second decider never found the process locked"


def test_the_same_operator_submitting_twice_at_once_decides_once(chain):
    """A double click, or two tabs: the same user, the same task, twice at once."""
    op = chain.dept_ops[0]
    for n in range(ROUNDS):
        d = chain.dossier_at_department(100 + n)
        task = _task(d)
        results = race(_approve(op, task.pk), _approve(op, task.pk))

        assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
        p = _process(d)
        assert p.position == 2
        assert Decision.objects.filter(process=p, position=1, action=A.APPROVE).count() == 1


def test_recall_racing_a_decision_of_the_next_org_exactly_one_happens(chain, lock_waits):
    """水利厅 approved and recalls while the 高评办 decides at the same moment: either the recall happened
    (back at 省级部门审核, the office decided nothing) or the decision did (at 高评委评审, no recall)."""
    outcomes = set()
    for n in range(ROUNDS):
        d = chain.dossier_at_department(200 + n)
        step_decide(d=d, operator_for=chain.operator_for())  # 水利厅 approves: now at 高评办资格审查
        p = _process(d)
        assert p.position == 2
        office_task = _task(d)
        recaller = chain.dept_ops[0]
        results = race(
            lambda pid=p.pk, u=recaller: services.recall(user=u, process_id=pid),
            _approve(chain.office_op, office_task.pk),
        )

        assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
        recalled = results[0][0] == "ok"
        p = _process(d)
        recalls = Decision.objects.filter(process=p, action=A.RECALL).count()
        office_approvals = Decision.objects.filter(process=p, position=2, action=A.APPROVE).count()
        if recalled:
            assert (p.position, recalls, office_approvals) == (1, 1, 0)
            assert "已被处理" in _messages(results[1][1])
        else:  # the late recaller is refused (as no longer the previous org: the dossier has moved on)
            assert (p.position, recalls, office_approvals) == (3, 0, 1)
        assert p.state == ReviewProcess.State.REVIEWING
        assert Task.objects.filter(process_id=p.pk, status__in=ACTIVE).count() == 1
        assert Task.objects.get(pk=office_task.pk).status == STATUS.DONE
        outcomes.add("recall" if recalled else "decide")
    # Which side wins is up to the scheduler; each round moved exactly one step.
    assert outcomes and lock_waits, "no round really raced"


def test_a_decider_who_cannot_get_the_lock_is_refused_in_chinese_and_nothing_changes(chain, monkeypatch):
    """The lock is held elsewhere longer than the retries last: no database error or viewflow FlowLockFailed
    leaks (a 500 page); the decider gets the same Chinese refusal, and may simply try again later."""
    monkeypatch.setattr(services, "LOCK_ATTEMPTS", 2)
    d = chain.dossier_at_department(300)
    task = _task(d)
    p = _process(d)
    held, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                ReviewProcess.objects.select_for_update().filter(pk=p.pk).exists()
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert held.wait(timeout=10)
        with pytest.raises(ValidationError) as exc:
            _approve(chain.dept_ops[0], task.pk)()
        assert "已被处理" in _messages(exc.value)
    finally:
        release.set()
        holder.join(timeout=30)
    assert _process(d).position == 1
    assert not Decision.objects.filter(process=p, position=1).exists()
    _approve(chain.dept_ops[0], task.pk)()  # the lock is free again: the decision goes through
    assert _process(d).position == 2
