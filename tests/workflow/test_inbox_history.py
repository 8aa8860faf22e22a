"""WFL-3 inbox (待办/已办, own-unit vs subordinate-unit queues, filters, pagination, Excel export, menu) and
WFL-8 history and diagram (append-only rows; done/current/future steps with their orgs; who may see them);
the inbox and history pages run a constant number of queries whatever the number of tasks."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, RoleAssignment, User
from accounts.services import org_permissions_sync, user_roles_set
from declarations.models import Declaration
from orgs.kinds import OrgKind
from tests.factories import make_user, next_id_number
from titles.catalogue import EvaluationMode, Level
from titles.models import QualificationName, Series, Specialty
from workflow import services
from workflow.flows import ReviewFlow
from workflow.models import Decision, ReviewProcess

from .helpers import approve, client_for, new_applicant, process_of, submitted, task_ids_in, task_of, text

K = OrgKind
A = Decision.Action
INBOX = reverse("workflow:inbox")
WATER_DEPT = "四川省水利厅"


# --------------------------------------------------------------------------------------------- fast data
def bulk_dossiers(
    world,
    n: int,
    *,
    unit,
    series: str = "GC",
    level: str = Level.VICE_SENIOR,
    specialty: str = "GC01",
    qualification: str = "高级工程师",
    committee=None,
    year: int | None = None,
    position: int = 0,
    name: str = "批量申报人",
) -> list[Declaration]:
    """n submitted dossiers of `unit`, each with its review process started by the flow at `position` (the
    dossier's sections are not needed by these pages, so they are not filled)."""
    committee = committee or world.engineering
    users = User.objects.bulk_create(
        [
            User(username=idn, id_number=idn, name=f"{name}{i:03d}", must_change_password=False)
            for i, idn in enumerate(next_id_number() for _ in range(n))
        ]
    )
    year = year or timezone.localdate().year
    common = {
        "unit": unit,
        "year": year,
        "mode": EvaluationMode.REVIEW,
        "series": Series.objects.get(code=series),
        "level": level,
        "specialty": Specialty.objects.get(code=specialty),
        "qualification": QualificationName.objects.get(name=qualification),
        "committee": committee,
        "activity": committee.activities.first(),
        "status": Declaration.Status.SUBMITTED if position == 0 else Declaration.Status.IN_REVIEW,
        "submitted_at": timezone.now(),
    }
    decls = Declaration.objects.bulk_create([Declaration(applicant=u, **common) for u in users])
    route = [s.as_data() for s in services.route_check(decls[0]).steps]
    for d in decls:
        p = ReviewFlow.start.run(declaration=d, route=route, position=position)
        Decision.objects.create(
            process=p,
            declaration=d,
            position=0,
            step_kind="unit",
            step_label="单位审核",
            org=unit,
            user=d.applicant,
            action=A.SUBMIT,
        )
    return decls


def queries(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return len(ctx.captured_queries), resp


def rows_of(resp) -> list[str]:
    """The applicant names of the inbox table's rows (待办 has a checkbox column first, 已办 not)."""
    body = resp.content.decode()
    start = body.index('id="inbox"')
    table = body[start : body.index("</table>", start)]
    head, tbody = table.split("<tbody>")
    skip = 1 if 'data-check-all="task"' in head else 0
    names = []
    for row in re.findall(r"<tr>(.*?)</tr>", tbody, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        if len(cells) > skip + 1:
            names.append(re.sub(r"<[^>]+>", "", cells[skip]).strip())
    return names


# --------------------------------------------------------------------------------------------- 待办 / 已办
def test_the_inbox_holds_every_org_and_role_the_user_has(world):
    """The province operator holds 省人社厅经办人员 and 高评办经办人员: 高评办资格审查 and 省人社厅审核 tasks are both
    theirs; without the office role only the latter remains."""
    central = world.unit_of_kind[K.CENTRAL]
    at_office = bulk_dossiers(world, 2, unit=central, position=1, name="资格审查中")
    at_final = bulk_dossiers(world, 1, unit=central, position=3, name="终审中")
    at_unit = bulk_dossiers(world, 1, unit=central, position=0, name="单位审核中")
    c = client_for(world.root_op)
    ids = task_ids_in(c.get(INBOX).content)
    assert {task_of(d).pk for d in at_office + at_final} <= ids
    assert task_of(at_unit[0]).pk not in ids
    user_roles_set(actor=world.root_op, user=world.root_op, org=world.root, role_codes=["hr_province"])
    ids = task_ids_in(c.get(INBOX).content)
    assert task_of(at_final[0]).pk in ids and not {task_of(d).pk for d in at_office} & ids


def test_a_person_holding_roles_in_two_orgs_sees_both_orgs_tasks(world):
    water = world.org("东坡区水利局")
    econ = world.org("东坡区经济和信息化局")
    person = make_user(org=water, name="两单位经办", roles=("county_dept",))
    RoleAssignment.objects.create(user=person, role=Role.objects.get(code="county_dept"), org=econ)
    org_permissions_sync(user=person, org=econ)
    soe = world.unit_of_kind[K.COUNTY_SOE]  # route: 单位 → 县主管 (经信局) → 县行业 (水利局)
    at_econ = bulk_dossiers(world, 1, unit=soe, position=1)
    at_water = bulk_dossiers(world, 1, unit=soe, position=2)
    elsewhere = bulk_dossiers(world, 1, unit=soe, position=3)
    ids = task_ids_in(client_for(person).get(INBOX).content)
    assert {task_of(at_econ[0]).pk, task_of(at_water[0]).pk} <= ids and task_of(elsewhere[0]).pk not in ids


def test_own_unit_and_subordinate_unit_queues(world):
    """001 §2.2: 东坡区经信局 reviews its own staff (本单位人员审核) and its subordinate units' (下级单位人员审核)."""
    econ = world.org("东坡区经济和信息化局")
    own = bulk_dossiers(world, 2, unit=econ, name="本单位")
    sub = bulk_dossiers(world, 3, unit=world.unit_of_kind[K.COUNTY_SOE], position=1, name="下级单位")
    c = client_for(world.op_of(econ))
    assert sorted(rows_of(c.get(INBOX))) == sorted(d.applicant.name for d in own + sub)
    assert sorted(rows_of(c.get(INBOX + "?queue=own"))) == sorted(d.applicant.name for d in own)
    assert sorted(rows_of(c.get(INBOX + "?queue=sub"))) == sorted(d.applicant.name for d in sub)


def test_filters_by_year_level_and_series(world):
    central = world.unit_of_kind[K.CENTRAL]
    this_year = timezone.localdate().year
    a = bulk_dossiers(world, 1, unit=central, name="今年副高")
    b = bulk_dossiers(world, 1, unit=central, level=Level.SENIOR, qualification="正高级工程师", name="今年正高")
    c_ = bulk_dossiers(world, 1, unit=central, year=this_year - 1, name="去年副高")
    ip = bulk_dossiers(
        world,
        1,
        unit=central,
        series="ZSCQ",
        specialty="ZS01",
        qualification="高级知识产权师",
        committee=world.ip_committee,
        name="知识产权",
    )
    c = client_for(world.op_of(central))
    names = lambda q: sorted(rows_of(c.get(INBOX + q)))  # noqa: E731
    assert names("") == sorted(d.applicant.name for d in a + b + c_ + ip)
    assert names(f"?year={this_year - 1}") == [c_[0].applicant.name]
    assert names(f"?level={Level.SENIOR}") == [b[0].applicant.name]
    gc = Series.objects.get(code="GC").pk
    assert names(f"?series={gc}&year={this_year}&level={Level.VICE_SENIOR}") == [a[0].applicant.name]
    assert names(f"?series={Series.objects.get(code='ZSCQ').pk}") == [ip[0].applicant.name]


def test_done_lists_what_the_user_decided_with_a_status_filter(world):
    prov = world.unit_of_kind[K.PROV_AFFILIATE]
    dossiers = bulk_dossiers(world, 3, unit=prov, position=1, name="已办")
    op = world.op(WATER_DEPT)
    c = client_for(op)
    for d, action in zip(dossiers[:2], ("approve", "not_pass"), strict=True):
        services.decide(user=op, task_id=task_of(d).pk, data=services.DecisionInput(action=action, opinion="意见"))
    services.decide(user=op, task_id=task_of(dossiers[2]).pk, data=services.DecisionInput(action=A.READ))
    assert sorted(rows_of(c.get(INBOX + "?tab=done"))) == sorted(d.applicant.name for d in dossiers[:2])
    assert rows_of(c.get(INBOX + "?tab=done&status=not_passed")) == [dossiers[1].applicant.name]
    assert rows_of(c.get(INBOX + "?tab=done&status=reviewing")) == [dossiers[0].applicant.name]
    # 已阅 is not 已办: that dossier is still to do
    assert rows_of(c.get(INBOX)) == [dossiers[2].applicant.name]


def test_the_inbox_is_paginated(world):
    central = world.unit_of_kind[K.CENTRAL]
    bulk_dossiers(world, 25, unit=central)
    c = client_for(world.op_of(central))
    first = c.get(INBOX)
    assert len(rows_of(first)) == 20 and "第 1 / 2 页，共 25 条" in text(first.content)
    second = c.get(INBOX + "?page=2")
    assert len(rows_of(second)) == 5
    assert not set(rows_of(first)) & set(rows_of(second))


def test_the_inbox_exports_to_excel(world):
    central = world.unit_of_kind[K.CENTRAL]
    dossiers = bulk_dossiers(world, 3, unit=central, name="导出")
    resp = client_for(world.op_of(central)).get(INBOX + "?export=xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:11] == (
        "申报人",
        "身份证号码",
        "工作单位",
        "年度",
        "系列",
        "层级",
        "专业",
        "资格名称",
        "当前环节",
        "当前审核单位",
        "状态",
    )
    got = sorted(r[:11] for r in rows[1:])
    want = sorted(
        (
            d.applicant.name,
            d.applicant.id_number,
            central.name,
            d.year,
            "工程系列",
            "副高级",
            "水利水电工程",
            "高级工程师",
            "单位审核",
            central.name,
            "审核中",
        )
        for d in dossiers
    )
    assert got == want
    # the filters apply to the export as well
    resp = client_for(world.op_of(central)).get(INBOX + f"?export=xlsx&level={Level.SENIOR}")
    assert len(list(load_workbook(io.BytesIO(resp.content)).active.iter_rows())) == 1


def test_the_menu_offers_the_inbox_to_reviewers_only(world):
    reviewer = client_for(world.op("东坡区水利局")).get(reverse("home"))
    assert f'href="{INBOX}"' in reviewer.content.decode() and "待办事项" in text(reviewer.content)
    applicant = new_applicant("只申报")
    page = client_for(applicant).get(reverse("home"))
    assert f'href="{INBOX}"' not in page.content.decode()
    assert client_for(applicant).get(INBOX).status_code == 404


# --------------------------------------------------------------------------------------------- query counts
def test_the_inbox_and_done_pages_run_a_constant_number_of_queries(world):
    """5 and then 200 tasks waiting at 四川省水利厅 (省级部门审核): the same number of queries for 待办, 已办,
    the filtered and own/sub queues."""
    prov = world.unit_of_kind[K.PROV_AFFILIATE]
    op = world.op(WATER_DEPT)
    c = client_for(op)
    urls = [
        INBOX,
        INBOX + "?queue=sub&level=vice_senior",
        INBOX + "?tab=done",
        INBOX + "?tab=done&status=reviewing",
        INBOX + "?page=2",
    ]

    def build(n: int) -> None:
        decls = bulk_dossiers(world, n, unit=prov, position=1)
        for d in decls[: n // 2]:  # half decided: 已办
            services.decide(
                user=op, task_id=task_of(d).pk, data=services.DecisionInput(action=A.APPROVE, opinion="同意")
            )

    build(5)
    for u in urls:  # warm the per-process caches (content types, permissions) first
        c.get(u)
    small = [queries(c, u)[0] for u in urls[:-1]]
    build(195)
    large = [queries(c, u)[0] for u in urls[:-1]]
    assert small == large, (small, large)
    assert max(large) < 40
    n_page2, resp = queries(c, urls[-1])
    assert n_page2 == large[0]
    assert len(rows_of(resp)) == 20


def test_the_progress_page_runs_a_constant_number_of_queries(world):
    """The history (5 vs 200 rows, with step attachments) and the diagram of one dossier."""
    central = world.unit_of_kind[K.CENTRAL]
    d = bulk_dossiers(world, 1, unit=central)[0]
    p = process_of(d)
    ops = [world.op_of(central), make_user(org=central, name="同事", roles=("central_unit",))]
    url = reverse("workflow:progress", args=[d.pk])
    c = client_for(world.root_op)

    def add(n: int) -> None:
        rows = Decision.objects.bulk_create(
            [
                Decision(
                    process=p,
                    declaration=d,
                    position=0,
                    step_kind="unit",
                    step_label="单位审核",
                    org=central,
                    user=ops[i % 2],
                    action=A.READ,
                    opinion=f"已查看{i}",
                )
                for i in range(n)
            ]
        )
        from declarations.models import Attachment

        Attachment.objects.bulk_create(
            [
                Attachment(
                    owner=r.user,
                    declaration=d,
                    section="review",
                    row_id=r.pk,
                    file=f"attachments/x{r.pk}.pdf",
                    display_name=f"流程附件{r.pk}.pdf",
                    content_type="application/pdf",
                    extension=".pdf",
                    size=1,
                    sha256="0" * 64,
                )
                for r in rows[:3]
            ]
        )

    add(4)
    c.get(url)  # warm the per-process caches first
    small, resp = queries(c, url)
    assert text(resp.content).count("已查看") == 4
    add(196)
    large, resp = queries(c, url)
    assert text(resp.content).count("已查看") == 200
    assert small == large, (small, large)
    # the applicant's view of the same page as well
    assert queries(client_for(d.applicant), url)[0] <= large


# --------------------------------------------------------------------------------------------- history, diagram
def test_history_rows_are_append_only(world):
    central = world.unit_of_kind[K.CENTRAL]
    d = bulk_dossiers(world, 1, unit=central)[0]
    row = Decision.objects.get(declaration=d)
    row.opinion = "篡改"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    assert Decision.objects.get(pk=row.pk).opinion == ""
    from workflow.admin import DecisionAdmin

    admin = DecisionAdmin(Decision, None)
    assert not admin.has_change_permission(None, row) and not admin.has_delete_permission(None, row)
    assert not admin.has_add_permission(None)


def test_history_shows_each_steps_org_operator_action_opinion_and_time(world):
    unit = world.unit_of_kind[K.PROV_AFFILIATE]
    applicant, client, d = submitted(world, unit)
    approve(world.op_of(unit), d, opinion="同意推荐")
    resp = client_for(world.op(WATER_DEPT)).post(
        reverse("workflow:task", args=[task_of(d).pk]), {"action": "back", "opinion": "推荐材料缺少公章"}
    )
    assert resp.status_code == 302
    page = client.get(reverse("workflow:progress", args=[d.pk]))
    body = page.content.decode()
    table = body[body.index('id="history"') :]
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
        for r in re.findall(r"<tr><td class=\"nowrap\">(.*?)</tr>", table, flags=re.S)
    ]
    now = timezone.localtime().strftime("%Y-%m-%d")
    assert len(rows) == 3
    assert rows[0].startswith(now) and f"单位审核 {unit.name} {applicant.name} 提交申报" in rows[0]
    assert f"单位审核 {unit.name} {world.op_of(unit).name} 同意通过 同意推荐" in rows[1]
    assert f"省级部门审核 {WATER_DEPT} {world.op(WATER_DEPT).name} 返回修改 推荐材料缺少公章" in rows[2]


def test_the_diagram_marks_done_current_and_future_steps_with_their_orgs(world):
    unit = world.unit_of_kind[K.PROV_AFFILIATE]
    applicant, client, d = submitted(world, unit)
    approve(world.op_of(unit), d)
    url = reverse("workflow:progress", args=[d.pk])
    for user in (applicant, world.op_of(unit), world.op(WATER_DEPT), world.root_op):
        resp = client_for(user).get(url)
        assert resp.status_code == 200, user.name
        steps = re.findall(r'<li class="route-step (\w+)" title="([^"]*)">', resp.content.decode())
        assert steps == [  # after the fixed first item 个人申报
            ("done", f"单位审核：{unit.name}"),
            ("current", f"省级部门审核：{WATER_DEPT}"),
            ("future", f"高评办资格审查：{world.root.name}"),
            ("future", f"高评委评审：{world.root.name}"),
            ("future", f"省人社厅审核：{world.root.name}"),
        ]
    for outsider in (new_applicant("路人丙"), world.op("眉山市私营企业"), world.op("东坡区水利局")):
        assert client_for(outsider).get(url).status_code == 404, outsider.name


def test_the_diagram_of_a_stopped_or_approved_route(world):
    central = world.unit_of_kind[K.CENTRAL]
    d = bulk_dossiers(world, 1, unit=central, position=1)[0]
    services.decide(
        user=world.root_op, task_id=task_of(d).pk, data=services.DecisionInput(action=A.NOT_PASS, opinion="不符合条件")
    )
    body = client_for(d.applicant).get(reverse("workflow:progress", args=[d.pk])).content.decode()
    states = re.findall(r'<li class="route-step (\w+)"', body)
    assert states == ["done", "done", "stopped", "future", "future"]
    assert ReviewProcess.objects.get(declaration=d).state == ReviewProcess.State.NOT_PASSED


def test_the_home_page_counts_the_pending_tasks(world):
    """001 §2.1: the home page shows how many dossiers wait for the user — the inbox's own count."""
    central = world.unit_of_kind[K.CENTRAL]
    bulk_dossiers(world, 3, unit=central, position=1, name="资格审查中")
    home = client_for(world.root_op).get("/")
    assert home.status_code == 200
    assert re.search(r'id="pending-count">\s*3\s*<', home.content.decode())


def test_an_unknown_page_answers_in_chinese(world):
    resp = client_for(world.root_op).get("/review/tasks/999999999/")
    assert resp.status_code == 404
    assert "页面不存在或您无权访问" in resp.content.decode()
