"""Browser journey through the review chain (issue 5, "Done when"): an applicant of a county private enterprise
submits; each operator up the chain logs in, finds the dossier in 待办事项 and approves; one level returns it
once; the applicant sees the diagram move and, at the end, the final approval.

四川永星电子有限公司 (县(区)私营企业 under 新都区人社局, region 新都区 / 成都市) follows seed 000 §6.1.1.1:
单位审核 → 县(区)行业主管部门 → 县(区)人社 → 市(州)行业主管部门 → 市(州)人社 → 高评办资格审查 → 高评委评审 →
省人社厅审核. The dossier is filled through the services (declarations.demo), submitted by the applicant in
the browser. Runs against pytest-django's live server in Debian's chromium; screenshots of the inbox, a task
page and the progress diagram go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.services import user_roles_set
from declarations.demo import dossier_complete, pdf_file
from declarations.models import Declaration, Summary
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.browser.conftest import system_roles  # noqa: F401 — restores the roles the flush removes
from tests.factories import PASSWORD, create_unit, make_user, province_root, regions
from titles.demo import committees_load
from titles.models import Series
from workflow import services
from workflow.models import ReviewProcess

# live_server needs a transactional database; system_roles restores the migrated roles the flush removes.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("system_roles")]

K = OrgKind
ROOT = "四川省人力资源和社会保障厅"
UNIT = "四川永星电子有限公司"
XD_INDUSTRY = "新都区经济科技和信息化局"
XD_HR = "新都区人力资源和社会保障局"
CD_INDUSTRY = "成都市经济和信息化局"
CD_HR = "成都市人力资源和社会保障局"
APPLICANT = "曹颖"

ROUTE = [  # (step label, org) in order, seed 000 §6.1.1.1 (县(区)私营企业)
    ("单位审核", UNIT),
    ("县(区)所申报专业行业主管部门审核", XD_INDUSTRY),
    ("县(区)人社部门审核", XD_HR),
    ("市(州)所申报专业行业主管部门审核", CD_INDUSTRY),
    ("市(州)人社部门审核", CD_HR),
    ("高评办资格审查", ROOT),
    ("高评委评审", ROOT),
    ("省人社厅审核", ROOT),
]
RETURNING_STEP = 4  # 成都市人社局 returns the dossier once
RETURN_REASON = "近两年年度考核情况未写明考核单位意见，请补充业绩综述后重新提交。"
REVISED_SUMMARY = (
    "本人长期在四川永星电子有限公司从事电子技术工作，主持完成多项电子产品研发和工艺改进项目，"
    "解决了高可靠电源模块批量生产中的关键技术问题，年度考核均为合格以上，具备高级工程师的专业技术水平。"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, never a downloaded browser (as tests/browser/conftest.py)."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-gpu",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 768},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored)."""
    path = Path(settings.BASE_DIR) / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Chain:
    applicant: User
    ops: dict[str, User]  # the operator deciding at each org, by org name
    declaration: Declaration


@pytest.fixture
def chain(request) -> Chain:
    """The org tree of the route, built through the services; the applicant's dossier complete (not submitted)."""
    request.getfixturevalue("system_roles")
    r = regions()
    root, root_op = province_root()
    user_roles_set(actor=root_op, user=root_op, org=root, role_codes=["hr_province", "office_senior"])
    ip_center, _ = create_unit(actor=root_op, parent=root, kind=K.COMMITTEE_OFFICE, name="四川省知识产权服务促进中心")
    committees_load(province=root, ip_center=ip_center, region=r["province"])
    cd_hr, cd_op = create_unit(actor=root_op, parent=root, kind=K.HR_CITY, name=CD_HR, second_region=True)
    _, cd_ind_op = create_unit(actor=cd_op, parent=cd_hr, kind=K.CITY_DEPT, name=CD_INDUSTRY, second_region=True)
    xd_hr, xd_op = create_unit(actor=cd_op, parent=cd_hr, kind=K.HR_COUNTY, name=XD_HR, second_region=True)
    _, xd_ind_op = create_unit(actor=xd_op, parent=xd_hr, kind=K.COUNTY_DEPT, name=XD_INDUSTRY, second_region=True)
    unit, unit_op = create_unit(actor=xd_op, parent=xd_hr, kind=K.COUNTY_PRIVATE, name=UNIT, second_region=True)
    gc = Series.objects.get(code="GC")
    services.industry_set(
        user=xd_op, region=r["county2"], series=gc, specialty=None, org=Org.objects.get(name=XD_INDUSTRY)
    )
    services.industry_set(
        user=cd_op, region=r["city2"], series=gc, specialty=None, org=Org.objects.get(name=CD_INDUSTRY)
    )
    applicant = make_user(org=unit, name=APPLICANT, roles=("applicant",))
    d = dossier_complete(user=applicant, unit=unit, specialty_code="GC0201")
    ops = {UNIT: unit_op, XD_INDUSTRY: xd_ind_op, XD_HR: xd_op, CD_INDUSTRY: cd_ind_op, CD_HR: cd_op, ROOT: root_op}
    return Chain(applicant, ops, d)


# --------------------------------------------------------------------------------------------- helpers
def url(live_server, name: str, *args) -> str:
    return live_server.url + reverse(name, args=args)


def shot(page: Page, artifacts: Path, name: str) -> None:
    """The 1366×768 window as a person sees it, from the top."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / f"workflow-{name}.png"))


def log_in(page: Page, live_server, user: User) -> None:
    page.goto(url(live_server, "login"))
    page.get_by_label("登录名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .who")).to_contain_text(user.name)


def log_out(page: Page, live_server) -> None:
    page.locator(".topbar").get_by_role("button", name="退出").click()
    expect(page).to_have_url(url(live_server, "login"))


def open_menu(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=label).click()


def process(d: Declaration) -> ReviewProcess:
    return ReviewProcess.objects.filter(declaration=d).order_by("-pk").first()


def open_task(page: Page, live_server, op: User, position: int, artifacts: Path | None = None) -> None:
    """Log in as the step's operator, find the dossier in 待办事项 and open it."""
    label, org = ROUTE[position]
    log_in(page, live_server, op)
    open_menu(page, "待办事项")
    row = page.locator("#inbox tbody tr").filter(has_text=APPLICANT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(label)
    expect(row).to_contain_text(org)
    if artifacts is not None:
        shot(page, artifacts, f"inbox-{position}")
    row.get_by_role("link", name="办理").click()
    expect(page.locator("h1")).to_contain_text(f"{label} · {APPLICANT}")
    expect(page.locator(".route-step.current .route-label")).to_have_text(label)


def decide(page: Page, live_server, op: User, action: str, opinion: str) -> None:
    page.get_by_label(action, exact=True).check()
    page.get_by_label("审核意见", exact=True).fill(opinion)
    page.get_by_label("负责人签字").fill(op.name)
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator(".msg-success")).to_contain_text("已处理")
    expect(page).to_have_url(url(live_server, "workflow:inbox"))
    log_out(page, live_server)


def approve(
    page: Page, live_server, ops: dict[str, User], d: Declaration, position: int, artifacts: Path | None = None
) -> None:
    label, org = ROUTE[position]
    op = ops[org]
    open_task(page, live_server, op, position, artifacts)
    if artifacts is not None:
        shot(page, artifacts, f"task-{position}")
    if position == 0:  # the unit step records recommendation and publicity, with its proof
        today = timezone.localdate()
        page.get_by_label("推荐意见").fill("该同志业务能力强，业绩突出，经单位研究同意推荐。")
        page.get_by_label("公示开始日期").fill(str(today - dt.timedelta(days=8)))
        page.get_by_label("公示结束日期").fill(str(today - dt.timedelta(days=1)))
        page.get_by_label("公示结果").select_option("无异议")
        proof = pdf_file("公示情况证明.pdf")
        page.get_by_label("流程附件").set_input_files(
            files=[{"name": proof.name, "mimeType": "application/pdf", "buffer": proof.read()}]
        )
    if artifacts is not None:  # the filled form, scrolled to the unit step's publicity fields
        page.get_by_role("group", name="推荐和公示情况（单位审核）").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"workflow-task-{position}-filled.png"))
    decide(page, live_server, op, "同意通过", "材料齐全，符合申报条件，同意上报。")
    p = process(d)
    assert (p.position, p.state) == (
        position + 1,
        ReviewProcess.State.APPROVED if position + 1 == len(ROUTE) else ReviewProcess.State.REVIEWING,
    )


def progress(page: Page, live_server, d: Declaration) -> None:
    """The applicant opens the progress page of the dossier from 我的申报."""
    open_menu(page, "我的申报")
    row = page.locator("table tbody tr").filter(has_text=d.qualification.name)
    row.get_by_role("link", name="流程").click()
    expect(page).to_have_url(url(live_server, "workflow:progress", d.pk))


def current_step(page: Page):
    return page.locator(".route-step.current .route-label")


# --------------------------------------------------------------------------------------------- the journey
def test_county_private_enterprise_dossier_goes_up_the_whole_chain(page, live_server, chain, artifacts):
    d, ops = chain.declaration, chain.ops
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())

    # The applicant submits the complete dossier.
    log_in(page, live_server, chain.applicant)
    open_menu(page, "我的申报")
    page.locator("table tbody tr").filter(has_text=d.qualification.name).get_by_role("link", name="继续申报").click()
    page.locator(".dossier-head").get_by_role("link", name="检查并提交").click()
    expect(page.locator(".msg-success")).to_contain_text("所有必填栏目均已完成")
    page.get_by_role("button", name="确认提交").click()
    expect(page.locator(".msg-success")).to_contain_text("申报已提交")
    progress(page, live_server, d)
    expect(page.locator(".route-step")).to_have_count(1 + len(ROUTE))  # 个人申报 + the route
    for i, (label, org) in enumerate(ROUTE):
        step = page.locator(".route-step").nth(i + 1)
        expect(step.locator(".route-label")).to_have_text(label)
        expect(step.locator(".route-org")).to_contain_text(org)
    expect(current_step(page)).to_have_text(ROUTE[0][0])
    shot(page, artifacts, "progress-submitted")
    log_out(page, live_server)
    assert [(s["label"], s["org_name"]) for s in process(d).route] == ROUTE

    # Up the chain to 成都市人社局, which returns it to the applicant with a deadline.
    for position in range(RETURNING_STEP):
        approve(page, live_server, ops, d, position, artifacts if position == 0 else None)
    deadline = timezone.localdate() + dt.timedelta(days=10)
    open_task(page, live_server, ops[CD_HR], RETURNING_STEP, artifacts)
    page.get_by_label("退回申报人修改", exact=True).check()
    page.get_by_label("修改截止日期").fill(str(deadline))
    decide(page, live_server, ops[CD_HR], "退回申报人修改", RETURN_REASON)
    d.refresh_from_db()
    assert (d.status, d.return_deadline) == (Declaration.Status.RETURNED, deadline)

    # The applicant sees it returned, edits and resubmits into the same route, at the step that returned it.
    log_in(page, live_server, chain.applicant)
    open_menu(page, "我的申报")
    row = page.locator("table tbody tr").filter(has_text=d.qualification.name)
    expect(row).to_contain_text("退回修改")
    expect(row).to_contain_text(f"修改截止 {deadline:%Y-%m-%d}")
    progress(page, live_server, d)
    expect(page.locator(".page-head")).to_contain_text("退回修改")
    expect(page.locator("#history")).to_contain_text(RETURN_REASON)
    expect(current_step(page)).to_have_count(0)
    expect(page.locator(".route-step.done")).to_have_count(1 + RETURNING_STEP)
    shot(page, artifacts, "progress-returned")
    open_menu(page, "我的申报")
    page.locator("table tbody tr").filter(has_text=d.qualification.name).get_by_role("link", name="继续申报").click()
    page.get_by_role("navigation", name="档案袋").get_by_role("link", name="个人专业技术水平及业绩综述").click()
    page.get_by_label("业绩综述").fill(REVISED_SUMMARY)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".msg-success")).to_contain_text("已保存")
    page.locator(".dossier-head").get_by_role("link", name="检查并提交").click()
    page.get_by_role("button", name="确认提交").click()
    expect(page.locator(".msg-success")).to_contain_text("申报已提交")
    progress(page, live_server, d)
    expect(current_step(page)).to_have_text(ROUTE[RETURNING_STEP][0])
    log_out(page, live_server)
    assert Summary.objects.get(declaration=d).text == REVISED_SUMMARY

    # On up to the committee office's 资格审查; the applicant sees the diagram has moved on.
    approve(page, live_server, ops, d, RETURNING_STEP)
    approve(page, live_server, ops, d, RETURNING_STEP + 1)
    log_in(page, live_server, chain.applicant)
    progress(page, live_server, d)
    expect(current_step(page)).to_have_text(ROUTE[RETURNING_STEP + 2][0])
    expect(page.locator(".route-step.done")).to_have_count(1 + RETURNING_STEP + 2)
    shot(page, artifacts, "progress-committee")
    log_out(page, live_server)

    # 高评委评审 and the final 省人社厅审核.
    for position in range(RETURNING_STEP + 2, len(ROUTE)):
        approve(page, live_server, ops, d, position)

    # The applicant sees the final approval.
    log_in(page, live_server, chain.applicant)
    open_menu(page, "我的申报")
    expect(page.locator("table tbody tr").filter(has_text=d.qualification.name)).to_contain_text("已通过")
    progress(page, live_server, d)
    expect(page.locator(".page-head")).to_contain_text("已通过")
    expect(page.locator(".route-step.done")).to_have_count(1 + len(ROUTE))
    expect(current_step(page)).to_have_count(0)
    shot(page, artifacts, "progress-approved")
    d.refresh_from_db()
    assert d.status == Declaration.Status.APPROVED and d.qualification_passed
