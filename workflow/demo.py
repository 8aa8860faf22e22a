"""Demo review chain (issue 5 point 11): industry departments for the demo regions, and dossiers sitting at
several steps of several routes — one returned to the applicant with a deadline, one voided, one approved to
the end.

Everything goes through the real services: each region's HR operator names its 行业主管部门 (industry_set);
each applicant fills and submits a dossier (declarations.demo); each step is decided by an operator of the
step's org (workflow.services.decide), the unit step with its recommendation, publicity and proof upload.

The industry departments are orgs the demo tree (load_demo) already has — no new units, so the org tree and
the login table stay those of seed 000 §3.1.3 (tests/accounts/test_demo_data.py pins them). A county/city HR
bureau may act as a department unit of its level (seed 000 §3.1.2.2 note 1), and a unit may be the industry
department of its own specialty: the same operator then handles two consecutive steps one at a time (WFL-7). Deterministic and idempotent: a configuration that exists, or an applicant who
already has a declaration, is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from declarations.demo import dossier_submitted, engineering_activity_open, pdf_file
from declarations.models import Declaration
from orgs.models import Org, Region
from titles.models import Series, Specialty

from . import services
from .models import Decision, IndustryDepartment, ReviewProcess
from .steps import StepKind

A = Decision.Action

# (region code, series code, specialty code or None for the whole series, industry department's load_demo key,
#  the load_demo key of the HR bureau whose operator configures it)
INDUSTRY: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("510114", "GC", None, "hr_xd", "hr_xd"),  # 新都区: 新都区人社局 (also a county department unit)
    ("510100", "GC", None, "cd_sasac", "hr_cd"),  # 成都市: 成都市国有资产监督管理委员会
    ("511402", "GC", "GC01", "dp_water", "hr_dp"),  # 东坡区 水利水电工程: 东坡区水利局
    ("511400", "GC", None, "hr_ms", "hr_ms"),  # 眉山市: 眉山市人社局
    ("511500", "GC", None, "hr_yb", "hr_yb"),  # 宜宾市: 宜宾市人社局 (its operator holds 市(州)部门经办人员 too)
    ("510600", "GC", "GC01", "dy_agri", "hr_dy"),  # 德阳市 水利水电工程: 德阳市农业农村局
    ("511323", "GC", None, "pa_soe", "hr_pa"),  # 蓬安县: 蓬安县国有企业服务中心
    ("511300", "GC", None, "hr_nc", "hr_nc"),  # 南充市: 南充市人社局
)

RETURN_REASON = "近两年年度考核证明材料不清晰，请重新上传加盖单位公章的考核表扫描件。"
VOID_REASON = "经核查，申报人提交的学历证书信息与学信网记录不符，按规定作废本次申报。"
RETURN_DAYS = 14


# (applicant's load_demo key, specialty code, how many steps to approve, then what happens at the next step)
DEMO_REVIEWS: tuple[tuple[str, str, int | None, str], ...] = (
    ("xd_yongxing", "GC0201", 3, ""),  # 曹颖: at 市(州)所申报专业行业主管部门审核, 成都市国资委
    ("cd_metro", "GC0302", 1, ""),  # 韩冰: at 市(州)主管部门审核, 成都市国资委
    ("dy_agri", "GC0103", 2, ""),  # 高鹏: at 市(州)人社部门审核, 德阳市人社局
    ("yb_jinglei", "GC0203", 3, ""),  # 郑雪: at 高评办资格审查, 省人社厅
    ("dp_water", "GC0101", 2, "return"),  # 胡斌: returned by 东坡区人社局, with a deadline
    ("pa_mahui", "GC0401", 3, "void"),  # 袁媛: voided by 蓬安县人社局
    ("sc_wdg", "GC0101", None, ""),  # 徐敏: approved to the end (省人社厅审核)
)

OPINIONS = {
    StepKind.UNIT: "经单位审核，申报材料真实，同意推荐。",
    StepKind.OFFICE: "经资格审查，符合申报条件，提交评委会评审。",
    StepKind.COMMITTEE: "经评委会评审表决，同意通过。",
    StepKind.FINAL: "审核通过，确认其具备高级工程师资格。",
}
DEFAULT_OPINION = "申报材料齐全，符合申报条件，同意上报。"


def industry_load(*, orgs: dict[str, Org], operators: dict, created: list[str]) -> None:
    """Each region's HR operator names the 行业主管部门 of the engineering series (or one of its specialties)."""
    for region_code, series_code, specialty_code, org_key, hr_key in INDUSTRY:
        region = Region.objects.get(code=region_code)
        series = Series.objects.get(code=series_code)
        specialty = Specialty.objects.get(code=specialty_code) if specialty_code else None
        if IndustryDepartment.objects.filter(region=region, series=series, specialty=specialty).exists():
            continue
        services.industry_set(
            user=operators[hr_key], region=region, series=series, specialty=specialty, org=orgs[org_key]
        )
        created.append(f"{region.name}{series.name}行业主管部门")


def _current(d: Declaration) -> tuple[ReviewProcess, Task]:
    p = ReviewProcess.objects.filter(declaration=d).order_by("-pk").first()
    task = (
        Task.objects.filter(
            process_id=p.pk, flow_task=services._flow().review, status__in=(STATUS.NEW, STATUS.ASSIGNED)
        )
        .order_by("-pk")
        .first()
    )
    return p, task


def step_decide(
    *,
    d: Declaration,
    operator_for: dict[int, object],
    action: str = A.APPROVE,
    opinion: str = "",
    today: dt.date | None = None,
) -> Decision:
    """Decide the dossier's current step as an operator of the step's org (the unit step with its
    recommendation, publicity and proof upload)."""
    today = today or timezone.localdate()
    p, task = _current(d)
    step = p.current_step
    user = operator_for[step["org"]]
    unit = step["kind"] == StepKind.UNIT and action == A.APPROVE
    data = services.DecisionInput(
        action=action,
        opinion=opinion or OPINIONS.get(step["kind"], DEFAULT_OPINION),
        signer=user.name,
        signed_on=today,
        deadline=today + dt.timedelta(days=RETURN_DAYS) if action == A.RETURN else None,
        recommendation="该同志业务能力强，业绩突出，同意推荐申报高级工程师。" if unit else "",
        publicity_start=today - dt.timedelta(days=8) if unit else None,
        publicity_end=today - dt.timedelta(days=1) if unit else None,
        publicity_result="无异议" if unit else "",
    )
    attachments = [pdf_file("单位推荐及公示情况.pdf")] if unit else []
    return services.decide(user=user, task_id=task.pk, data=data, attachments=attachments, today=today)


def demo_reviews_load(
    *, orgs: dict[str, Org], operators: dict, applicants: dict, created: list[str], today: dt.date | None = None
) -> None:
    """Called by `manage.py load_demo` after the catalogue and the demo dossiers; appends what it made."""
    industry_load(orgs=orgs, operators=operators, created=created)
    if not engineering_activity_open(today):
        return
    operator_for = {orgs[k].pk: u for k, u in operators.items()}
    for key, specialty_code, approvals, then in DEMO_REVIEWS:
        user = applicants[key]
        if Declaration.objects.filter(applicant=user).exists():
            continue
        d = dossier_submitted(user=user, specialty_code=specialty_code, today=today)
        steps = len(_current(d)[0].route) if approvals is None else approvals
        for _ in range(steps):
            step_decide(d=d, operator_for=operator_for, today=today)
        if then == "return":
            step_decide(d=d, operator_for=operator_for, action=A.RETURN, opinion=RETURN_REASON, today=today)
        elif then == "void":
            step_decide(d=d, operator_for=operator_for, action=A.VOID, opinion=VOID_REASON, today=today)
        d.refresh_from_db()
        created.append(f"{user.name}的申报（{d.get_status_display()}）")
