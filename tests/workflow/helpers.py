"""Helpers of the review-chain tests: dossiers started, filled and submitted through the applicant's pages,
decisions posted to /review/tasks/<id>/ as a reviewer, and quick look-ups of the resulting state."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from declarations import services as dcl_services
from declarations.models import Declaration
from orgs.models import Org
from tests.declarations.conftest import fill_complete
from tests.declarations.helpers import messages_of, pdf_upload, text  # noqa: F401 — re-exported
from tests.factories import make_user
from titles.catalogue import EvaluationMode, Level
from titles.models import Committee, QualificationName, Series, Specialty
from workflow.flows import ReviewFlow
from workflow.models import Decision, ReviewProcess

ACTIVE = (STATUS.NEW, STATUS.ASSIGNED)
TODAY = timezone.localdate


def client_for(user: User | None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def new_applicant(name: str = "张申报") -> User:
    user = make_user(org=None, name=name)
    dcl_services.commitment_accept(user=user)
    return user


# --------------------------------------------------------------------------------------------- dossiers
def start_data(
    *,
    unit: Org,
    series: str = "GC",
    level: str = Level.VICE_SENIOR,
    specialty: str = "GC01",
    qualification: str = "高级工程师",
    committee: Committee,
) -> dict:
    return {
        "unit": unit.pk,
        "mode": EvaluationMode.REVIEW,
        "series": Series.objects.get(code=series).pk,
        "level": level,
        "specialty": Specialty.objects.get(code=specialty).pk,
        "qualification": QualificationName.objects.get(name=qualification).pk,
        "committee": committee.pk,
        "method": "normal",
    }


def start(client: Client, **kw) -> Declaration:
    before = set(Declaration.objects.values_list("pk", flat=True))
    resp = client.post(reverse("declarations:start"), start_data(**kw))
    assert resp.status_code == 302, text(resp.content)[:2000]
    return Declaration.objects.exclude(pk__in=before).get()


def draft(world, unit: Org, *, applicant: User | None = None, ip: bool = False) -> tuple[User, Client, Declaration]:
    """A complete draft (every required section filled through the pages) of an engineering 高级工程师 dossier,
    or (ip=True) a 知识产权系列 高级知识产权师 one."""
    applicant = applicant or new_applicant()
    client = client_for(applicant)
    if ip:
        d = start(
            client,
            unit=unit,
            series="ZSCQ",
            specialty="ZS01",
            qualification="高级知识产权师",
            committee=world.ip_committee,
        )
    else:
        d = start(client, unit=unit, committee=world.engineering)
    fill_complete(client, d)
    return applicant, client, Declaration.objects.get(pk=d.pk)


def submit(client: Client, d: Declaration):
    return client.post(reverse("declarations:submit", args=[d.pk]))


def submitted(world, unit: Org, **kw) -> tuple[User, Client, Declaration]:
    applicant, client, d = draft(world, unit, **kw)
    resp = submit(client, d)
    assert resp.status_code == 302, text(resp.content)[:2000]
    d.refresh_from_db()
    assert d.status == Declaration.Status.SUBMITTED
    return applicant, client, d


# --------------------------------------------------------------------------------------------- state
def process_of(d: Declaration) -> ReviewProcess:
    return ReviewProcess.objects.filter(declaration=d).order_by("-pk").first()


def task_of(d: Declaration) -> Task | None:
    p = process_of(d)
    return Task.objects.filter(process_id=p.pk, flow_task=ReviewFlow.review, status__in=ACTIVE).order_by("-pk").first()


def snapshot(d: Declaration) -> tuple:
    """Everything a refused action must leave unchanged."""
    d = Declaration.objects.get(pk=d.pk)
    procs = list(
        ReviewProcess.objects.filter(declaration=d)
        .order_by("pk")
        .values_list("pk", "state", "position", "current_org_id", "route")
    )
    tasks = list(Task.objects.filter(process__in=[p[0] for p in procs]).order_by("pk").values_list("pk", "status"))
    decisions = Decision.objects.filter(declaration=d).count()
    return (
        d.status,
        d.return_deadline,
        d.review_started,
        d.qualification_passed,
        procs,
        tasks,
        decisions,
        d.attachments.count(),
    )


# --------------------------------------------------------------------------------------------- decisions
def publicity(**extra) -> dict:
    """What the 单位审核 approval needs (001 §2.2.1): recommendation, publicity period and result, proof upload."""
    today = TODAY()
    data = {
        "recommendation": "同意推荐",
        "publicity_start": str(today - dt.timedelta(days=7)),
        "publicity_end": str(today - dt.timedelta(days=2)),
        "publicity_result": "无异议",
        "attachments": [pdf_upload("公示证明.pdf")],
    }
    data.update(extra)
    return data


def post_task(user: User, task_id: int, action: str, **fields):
    data = {"action": action, "signer": user.name, "signed_on": str(TODAY())}
    data.update(fields)
    return client_for(user).post(reverse("workflow:task", args=[task_id]), data)


def act(user: User, d: Declaration, action: str = "approve", **fields):
    """Post a decision on the dossier's current task as `user`; the unit step's approval gets its publicity."""
    t = task_of(d)
    assert t is not None, "no active review task"
    p = process_of(d)
    if action == "approve" and p.current_kind == "unit" and "recommendation" not in fields:
        fields = {**publicity(), **fields}
    if action != "approve" and action != "read":
        fields.setdefault("opinion", "材料不全，请补充。")
    fields.setdefault("opinion", "同意")
    return post_task(user, t.pk, action, **fields)


def approve(user: User, d: Declaration, **fields) -> None:
    before = process_of(d).position
    resp = act(user, d, "approve", **fields)
    assert resp.status_code == 302, text(resp.content)[:3000]
    p = process_of(d)
    assert p.position == before + 1 or p.state == ReviewProcess.State.APPROVED


def task_ids_in(page_content: bytes) -> set[int]:
    return {int(x) for x in re.findall(r"/review/tasks/(\d+)/", page_content.decode())}
