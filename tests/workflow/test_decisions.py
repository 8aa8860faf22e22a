"""WFL-4…7, WFL-10, DCL-5: every decision on a step and every refusal of issue 5, through the HTTP pages.

A refused decision changes nothing (snapshot of the dossier, its processes, tasks, history and files) and says
why in Chinese. Most tests use a 东坡区私营企业 dossier: 单位审核 → 县(区)所申报专业行业主管部门审核 (东坡区水利局)
→ 县(区)人社部门审核 → … (seed 000 §6.1.1.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_roles_set
from declarations.models import Attachment, Declaration, Summary
from declarations.services import eligibility_check
from orgs.kinds import OrgKind
from tests.factories import create_unit, make_user
from workflow import services
from workflow.models import Decision, IndustryDepartment, ReviewProcess

from .helpers import (
    act,
    approve,
    client_for,
    messages_of,
    new_applicant,
    pdf_upload,
    post_task,
    process_of,
    publicity,
    snapshot,
    start_data,
    submit,
    submitted,
    task_ids_in,
    task_of,
    text,
)

K = OrgKind
S = ReviewProcess.State
A = Decision.Action
INBOX = reverse("workflow:inbox")
RETURNED = reverse("workflow:returned")
WATER = "东坡区水利局"
ECON = "东坡区经济和信息化局"
COUNTY_HR = "眉山市东坡区人力资源和社会保障局"


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def cp(world):
    """A submitted dossier of 东坡区私营企业: (applicant, applicant's client, declaration)."""
    return submitted(world, world.unit_of_kind[K.COUNTY_PRIVATE])


def unit_op(world, d):
    return world.op_of(d.unit)


def at_water(world, d) -> None:
    """The unit approves: the dossier waits at 县(区)所申报专业行业主管部门审核 (东坡区水利局)."""
    approve(unit_op(world, d), d)
    assert process_of(d).current_org.name == WATER


def edit_summary(client, d, body: str):
    return client.post(reverse("declarations:section", args=[d.pk, "summary"]), {"text": body})


LONG = "修改后的业绩综述：" + "主持完成多项水利工程设计，成效显著。" * 6


# --------------------------------------------------------------------------------------------- approve
def test_the_unit_approval_requires_recommendation_publicity_and_its_proof(world, cp):
    _, _, d = cp
    op = unit_op(world, d)
    t = task_of(d)
    before = snapshot(d)
    resp = post_task(op, t.pk, "approve", opinion="同意")
    assert resp.status_code == 400
    assert "单位审核通过时请填写推荐意见和公示情况，并上传公示证明材料。" in text(resp.content)
    no_proof = {k: v for k, v in publicity().items() if k != "attachments"}
    assert post_task(op, t.pk, "approve", opinion="同意", **no_proof).status_code == 400
    assert snapshot(d) == before
    resp = post_task(op, t.pk, "approve", opinion="同意推荐", **publicity())
    assert resp.status_code == 302
    dec = Decision.objects.get(declaration=d, action=A.APPROVE)
    assert dec.details["recommendation"] == "同意推荐" and dec.details["publicity_result"] == "无异议"
    assert dec.signer == op.name and dec.signed_on == today()
    d.refresh_from_db()
    assert d.status == Declaration.Status.IN_REVIEW and d.review_started


def test_approve_may_insert_an_extra_org_before_the_next_one(world, cp):
    """001 §2.2.1: the unit adds 东坡区经信局 before the default next org; it appears in the route and reviews."""
    _, _, d = cp
    op = unit_op(world, d)
    econ = world.org(ECON)
    page = client_for(op).get(reverse("workflow:task", args=[task_of(d).pk]))
    assert f'<option value="{econ.pk}">{ECON}</option>' in page.content.decode()
    approve(op, d, insert_org=econ.pk)
    p = process_of(d)
    assert [(s["label"], s["org_name"]) for s in p.route[:3]] == [
        ("单位审核", d.unit.name),
        ("加审", ECON),
        ("县(区)所申报专业行业主管部门审核", WATER),
    ]
    assert p.current_org == econ
    assert task_of(d).pk in task_ids_in(client_for(world.op(ECON)).get(INBOX).content)
    history = text(client_for(world.op(ECON)).get(reverse("workflow:progress", args=[d.pk])).content)
    assert f"增加审核单位：{ECON}" in history
    approve(world.op(ECON), d)
    assert process_of(d).current_org.name == WATER


def test_inserting_an_org_outside_the_insertable_ones_is_refused(world, cp):
    _, _, d = cp
    op = unit_op(world, d)
    forged = world.org("眉山市经济和信息化局")  # a city department: not under 东坡区人社局
    assert not services.insertable_orgs(process_of(d)).filter(pk=forged.pk).exists()
    before = snapshot(d)
    resp = act(op, d, "approve", insert_org=forged.pk)
    assert resp.status_code == 400
    assert snapshot(d) == before
    # the service refuses it too (a forged call past the form), and with a negative decision
    with pytest.raises(ValidationError) as exc:
        services.decide(
            user=op,
            task_id=task_of(d).pk,
            data=services.DecisionInput(
                action=A.APPROVE,
                opinion="同意",
                insert_org=forged,
                recommendation="同意",
                publicity_start=today(),
                publicity_end=today(),
                publicity_result="无异议",
            ),
            attachments=[pdf_upload()],
        )
    assert "不能把申报提交到所选单位。" in str(exc.value)
    resp = act(op, d, "back", insert_org=world.org(ECON).pk)
    assert resp.status_code == 400 and snapshot(d) == before


# --------------------------------------------------------------------------------------------- 已阅
def test_read_keeps_the_task_and_the_applicant_may_still_withdraw(world, cp):
    """已阅 decides nothing (000 §5.1.2): the task stays; it does not count as having acted (services docstring)."""
    _, client, d = cp
    t = task_of(d)
    resp = act(unit_op(world, d), d, "read", opinion="")
    assert resp.status_code == 302 and resp["Location"] == reverse("workflow:task", args=[t.pk])
    assert task_of(d).pk == t.pk and process_of(d).position == 0
    assert Decision.objects.filter(declaration=d, action=A.READ).count() == 1
    d.refresh_from_db()
    assert not d.review_started and d.status == Declaration.Status.SUBMITTED
    resp = client.post(reverse("declarations:withdraw", args=[d.pk]))
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == Declaration.Status.DRAFT and process_of(d).state == S.WITHDRAWN and task_of(d) is None


def test_read_by_the_next_org_still_allows_the_recall(world, cp):
    _, _, d = cp
    at_water(world, d)
    assert act(world.op(WATER), d, "read", opinion="").status_code == 302
    resp = client_for(unit_op(world, d)).post(reverse("workflow:recall", args=[process_of(d).pk]))
    assert resp.status_code == 302
    p = process_of(d)
    assert p.position == 0 and p.current_org == d.unit
    assert [a for a in Decision.objects.filter(process=p).values_list("action", flat=True)][-1] == A.RECALL


# --------------------------------------------------------------------------------------------- 返回修改
def test_back_goes_one_step_back(world, cp):
    _, _, d = cp
    at_water(world, d)
    water_task = task_of(d)
    resp = act(world.op(WATER), d, "back", opinion="推荐材料不全，请单位补充。")
    assert resp.status_code == 302
    p = process_of(d)
    assert (p.state, p.position, p.current_org) == (S.REVIEWING, 0, d.unit)
    assert task_of(d).pk != water_task.pk
    assert task_of(d).pk in task_ids_in(client_for(unit_op(world, d)).get(INBOX).content)
    assert client_for(world.op(WATER)).get(reverse("workflow:task", args=[water_task.pk])).status_code == 302
    back = Decision.objects.get(declaration=d, action=A.BACK)
    assert (back.step_label, back.org.name, back.opinion) == (
        "县(区)所申报专业行业主管部门审核",
        WATER,
        "推荐材料不全，请单位补充。",
    )


def test_back_from_the_unit_step_goes_to_the_applicant(world, cp):
    _, _, d = cp
    assert act(unit_op(world, d), d, "back", opinion="照片不清晰").status_code == 302
    d.refresh_from_db()
    assert d.status == Declaration.Status.RETURNED and d.return_deadline >= today()
    assert process_of(d).state == S.RETURNED


# --------------------------------------------------------------------------------------------- 退回
def test_return_needs_a_reason_and_a_deadline_not_in_the_past(world, cp):
    _, _, d = cp
    at_water(world, d)
    op = world.op(WATER)
    before = snapshot(d)
    resp = act(op, d, "return", opinion="", deadline=str(today() + dt.timedelta(days=5)))
    assert resp.status_code == 400 and "请填写原因。" in text(resp.content)
    for deadline in ("", str(today() - dt.timedelta(days=1))):
        resp = act(op, d, "return", opinion="缺少学历证书", deadline=deadline)
        assert resp.status_code == 400
        assert "请填写修改截止日期，且不能早于今天。" in text(resp.content)
    assert snapshot(d) == before


def test_returned_dossier_is_edited_by_the_applicant_and_resubmitted_into_the_same_route(world, cp):
    applicant, client, d = cp
    at_water(world, d)
    # frozen while in review
    edit_summary(client, d, LONG)
    assert Summary.objects.get(declaration=d).text != LONG
    p = process_of(d)
    route = list(p.route)
    deadline = today() + dt.timedelta(days=5)
    resp = act(world.op(WATER), d, "return", opinion="请补充业绩综述", deadline=str(deadline))
    assert resp.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.return_deadline) == (Declaration.Status.RETURNED, deadline)
    assert process_of(d).state == S.RETURNED and process_of(d).pk == p.pk
    # nobody has it in a review inbox; the applicant edits: only now the dossier is editable
    assert task_of(d) is None
    assert edit_summary(client, d, LONG).status_code == 302
    assert Summary.objects.get(declaration=d).text == LONG
    resp = submit(client, d)
    assert resp.status_code == 302
    d.refresh_from_db()
    p2 = process_of(d)
    assert p2.pk == p.pk and p2.route == route
    assert (p2.state, p2.position, p2.current_org.name) == (S.REVIEWING, 1, WATER)
    assert d.status == Declaration.Status.IN_REVIEW
    assert task_of(d).pk in task_ids_in(client_for(world.op(WATER)).get(INBOX).content)
    assert list(Decision.objects.filter(process=p).values_list("action", flat=True)) == [
        A.SUBMIT,
        A.APPROVE,
        A.RETURN,
        A.RESUBMIT,
    ]
    edit_summary(client, d, "再次修改" * 30)
    assert Summary.objects.get(declaration=d).text == LONG  # frozen again


def test_resubmission_after_the_deadline_is_refused_until_the_returning_org_extends_it(world, cp):
    applicant, client, d = cp
    at_water(world, d)
    act(world.op(WATER), d, "return", opinion="请补充", deadline=str(today()))
    Declaration.objects.filter(pk=d.pk).update(return_deadline=today() - dt.timedelta(days=1))  # time passes
    before = snapshot(d)
    resp = submit(client, d)
    assert resp.status_code == 400
    assert f"退回修改的截止日期（{today() - dt.timedelta(days=1)}）已过，不能再提交。" in " ".join(messages_of(resp))
    assert snapshot(d) == before
    # 已退回 list of the returning org: flagged overdue
    page = client_for(world.op(WATER)).get(RETURNED)
    assert d.applicant.name in text(page.content) and "已逾期" in text(page.content)
    # another org may neither see nor extend it
    assert d.applicant.name not in text(client_for(unit_op(world, d)).get(RETURNED).content)
    new = today() + dt.timedelta(days=10)
    resp = client_for(unit_op(world, d)).post(
        RETURNED, {"process": process_of(d).pk, "deadline": str(new)}, follow=True
    )
    assert "只有退回该申报的单位可以延长修改期限。" in " ".join(messages_of(resp))
    assert snapshot(d) == before
    # not into the past either
    client_for(world.op(WATER)).post(
        RETURNED, {"process": process_of(d).pk, "deadline": str(today() - dt.timedelta(days=2))}
    )
    assert snapshot(d) == before
    resp = client_for(world.op(WATER)).post(RETURNED, {"process": process_of(d).pk, "deadline": str(new)})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.return_deadline == new
    ext = Decision.objects.get(declaration=d, action=A.EXTEND)
    assert ext.org.name == WATER and ext.details["to"] == str(new)
    page = text(client_for(world.op(WATER)).get(RETURNED).content)
    assert new.strftime("%Y-%m-%d") in page and "已逾期" not in page
    assert submit(client, d).status_code == 302
    assert process_of(d).state == S.REVIEWING


# --------------------------------------------------------------------------------------------- 不通过 / 作废
def test_not_passed_ends_it_the_year_is_lost_and_only_the_deciding_org_re_reviews(world, cp):
    applicant, client, d = cp
    at_water(world, d)
    assert act(world.op(WATER), d, "not_pass", opinion="不符合申报条件").status_code == 302
    d.refresh_from_db()
    p = process_of(d)
    assert (d.status, p.state, task_of(d)) == (Declaration.Status.NOT_PASSED, S.NOT_PASSED, None)
    with pytest.raises(ValidationError) as exc:
        eligibility_check(user=applicant, year=d.year, level=d.level)
    assert exc.value.code == "year_lost"
    resp = client.post(reverse("declarations:start"), start_data(unit=d.unit, committee=world.engineering))
    assert resp.status_code == 400 and "当年不能再申报" in text(resp.content)
    # nobody but 东坡区水利局 may re-review: not the unit, not the province, not the applicant
    url = reverse("workflow:rereview", args=[p.pk])
    before = snapshot(d)
    for user in (unit_op(world, d), world.root_op, applicant):
        client_for(user).post(url)
        assert snapshot(d) == before, user.name
    progress = reverse("workflow:progress", args=[d.pk])
    assert "重新审核" not in text(client_for(unit_op(world, d)).get(progress).content)
    assert "重新审核" in text(client_for(world.op(WATER)).get(progress).content)
    resp = client_for(world.op(WATER)).post(url)
    assert resp.status_code == 302
    d.refresh_from_db()
    new = process_of(d)
    assert new.pk != p.pk and (new.state, new.position, new.current_org.name) == (S.REVIEWING, 1, WATER)
    assert new.route == p.route and d.status == Declaration.Status.IN_REVIEW
    assert Decision.objects.filter(process=new, action=A.REREVIEW).exists()
    assert task_of(d).pk in task_ids_in(client_for(world.op(WATER)).get(INBOX).content)


def test_void_ends_it_and_cannot_be_re_reviewed(world, cp):
    applicant, client, d = cp
    assert act(unit_op(world, d), d, "void", opinion="材料造假").status_code == 302
    d.refresh_from_db()
    assert d.status == Declaration.Status.VOIDED and process_of(d).state == S.VOIDED and task_of(d) is None
    with pytest.raises(ValidationError):
        eligibility_check(user=applicant, year=d.year, level=d.level)
    before = snapshot(d)
    client_for(unit_op(world, d)).post(reverse("workflow:rereview", args=[process_of(d).pk]))
    assert snapshot(d) == before


@pytest.mark.parametrize("action", ["back", "return", "not_pass", "void"])
def test_every_negative_decision_requires_a_reason(world, cp, action):
    _, _, d = cp
    at_water(world, d)
    before = snapshot(d)
    extra = {"deadline": str(today() + dt.timedelta(days=3))} if action == "return" else {}
    resp = act(world.op(WATER), d, action, opinion="   ", **extra)
    assert resp.status_code == 400
    assert "请填写原因。" in text(resp.content)
    assert snapshot(d) == before


# --------------------------------------------------------------------------------------------- refusals
def test_a_task_of_another_org_is_404_and_changes_nothing(world, cp):
    _, _, d = cp
    t = task_of(d)
    before = snapshot(d)
    for user in (world.op(WATER), world.op(ECON), world.root_op, new_applicant("路人甲")):
        c = client_for(user)
        assert c.get(reverse("workflow:task", args=[t.pk])).status_code == 404
        assert (
            c.post(
                reverse("workflow:task", args=[t.pk]), {"action": "approve", "opinion": "同意", **publicity()}
            ).status_code
            == 404
        )
    assert client_for(unit_op(world, d)).get(reverse("workflow:task", args=[999999])).status_code == 404
    assert snapshot(d) == before
    with pytest.raises(PermissionDenied):
        services.decide(user=world.op(WATER), task_id=t.pk, data=services.DecisionInput(action=A.VOID, opinion="x"))
    assert snapshot(d) == before


def test_acting_on_a_task_that_moved_on_is_refused(world, cp):
    _, _, d = cp
    old = task_of(d)
    at_water(world, d)
    before = snapshot(d)
    # the unit's operator posts again on the task it already decided (a second click, another tab)
    resp = post_task(unit_op(world, d), old.pk, "void", opinion="再次操作")
    assert resp.status_code == 302 and resp["Location"] == reverse("workflow:progress", args=[d.pk])
    follow = client_for(unit_op(world, d)).get(reverse("workflow:task", args=[old.pk]), follow=True)
    assert "该申报已被处理或已流转到其他环节，本次操作未执行。" in " ".join(messages_of(follow))
    # someone who may not see the dossier learns nothing: a plain 404
    assert post_task(world.op("眉山市私营企业"), old.pk, "void", opinion="x").status_code == 404
    with pytest.raises(ValidationError) as exc:
        services.decide(
            user=unit_op(world, d), task_id=old.pk, data=services.DecisionInput(action=A.VOID, opinion="再次操作")
        )
    assert "该申报已被处理或已流转到其他环节" in str(exc.value)
    assert snapshot(d) == before


def test_nobody_decides_on_their_own_dossier(world):
    """WFL-7: the unit's operator who declares cannot approve it; a colleague of the same unit can."""
    unit = world.unit_of_kind[K.COUNTY_PRIVATE]
    op = world.op_of(unit)
    from declarations.services import commitment_accept

    commitment_accept(user=op)
    _, _, d = submitted(world, unit, applicant=op)
    t = task_of(d)
    before = snapshot(d)
    assert t.pk not in task_ids_in(client_for(op).get(INBOX).content)
    assert client_for(op).get(reverse("workflow:task", args=[t.pk])).status_code == 404
    assert post_task(op, t.pk, "approve", opinion="同意", **publicity()).status_code == 404
    with pytest.raises(PermissionDenied) as exc:
        services.decide(user=op, task_id=t.pk, data=services.DecisionInput(action=A.READ))
    assert "不能审核本人的申报。" in str(exc.value)
    assert snapshot(d) == before
    colleague = make_user(org=unit, name="同事", roles=("county_enterprise",))
    assert t.pk in task_ids_in(client_for(colleague).get(INBOX).content)
    approve(colleague, d)
    # their own submission is not a review of theirs: not in their 已办 (the colleague's approval is)
    progress = reverse("workflow:progress", args=[d.pk])
    assert progress not in client_for(op).get(INBOX + "?tab=done").content.decode()
    assert progress in client_for(colleague).get(INBOX + "?tab=done").content.decode()


# --------------------------------------------------------------------------------------------- WFL-7
def test_a_county_department_that_is_competent_and_industry_department_handles_both_steps_one_at_a_time(world):
    """000 §5.1.2: 县(区)主管部门审核 then 县(区)所申报专业行业主管部门审核 by the same person of 东坡区水利局."""
    water = world.org(WATER)
    soe, soe_op = create_unit(actor=world.op(WATER), parent=water, kind=K.COUNTY_SOE, name="东坡区水利建设有限公司")
    _, _, d = submitted(world, soe)
    labels = [(s["label"], s["org_name"]) for s in process_of(d).route[:4]]
    assert labels == [
        ("单位审核", soe.name),
        ("县(区)主管部门审核", WATER),
        ("县(区)所申报专业行业主管部门审核", WATER),
        ("县(区)人社部门审核", COUNTY_HR),
    ]
    approve(soe_op, d)
    person = world.op(WATER)
    first = task_of(d)
    page = client_for(person).get(INBOX)
    assert first.pk in task_ids_in(page.content) and "县(区)主管部门审核" in text(page.content)
    approve(person, d, opinion="主管部门同意")
    second = task_of(d)
    assert second.pk != first.pk
    page = client_for(person).get(INBOX)
    ids = task_ids_in(page.content)
    assert second.pk in ids and first.pk not in ids
    assert "县(区)所申报专业行业主管部门审核" in text(page.content)
    approve(person, d, opinion="行业主管部门同意")
    assert process_of(d).current_org.name == COUNTY_HR
    mine = list(Decision.objects.filter(declaration=d, user=person).values_list("step_label", "action"))
    assert mine == [("县(区)主管部门审核", A.APPROVE), ("县(区)所申报专业行业主管部门审核", A.APPROVE)]


def test_one_user_with_two_roles_in_an_hr_bureau_handles_consecutive_steps(world):
    """000 §3.1.2.2 note 1: 东坡区人社局's operator holds 县(区)人社局经办人员 and 县(区)部门经办人员; with 东坡区人社局 as
    the county industry department, they decide 行业主管部门审核 and then 人社部门审核, each on its own."""
    hr = world.org(COUNTY_HR)
    person = world.op(COUNTY_HR)
    user_roles_set(actor=person, user=person, org=hr, role_codes=["hr_county", "county_dept"])
    IndustryDepartment.objects.filter(region=world.county, series__code="GC").update(org=hr)
    _, _, d = submitted(world, world.unit_of_kind[K.COUNTY_PRIVATE])
    approve(unit_op(world, d), d)
    assert process_of(d).current_step["label"] == "县(区)所申报专业行业主管部门审核"
    approve(person, d)
    assert process_of(d).current_step["label"] == "县(区)人社部门审核" and process_of(d).current_org == hr
    approve(person, d)
    assert process_of(d).current_step["label"] == "市(州)所申报专业行业主管部门审核"


# --------------------------------------------------------------------------------------------- recall
def test_recall_by_the_org_that_passed_it_while_the_next_has_not_acted(world, cp):
    _, _, d = cp
    at_water(world, d)
    water_task = task_of(d)
    p = process_of(d)
    progress = client_for(unit_op(world, d)).get(reverse("workflow:progress", args=[d.pk]))
    assert reverse("workflow:recall", args=[p.pk]) in progress.content.decode()
    resp = client_for(unit_op(world, d)).post(reverse("workflow:recall", args=[p.pk]), follow=True)
    assert "已撤回" in " ".join(messages_of(resp))
    p.refresh_from_db()
    assert (p.position, p.current_org) == (0, d.unit)
    gone = client_for(world.op(WATER)).get(reverse("workflow:task", args=[water_task.pk]))
    assert gone.status_code == 302 and task_of(d).pk != water_task.pk  # moved on: told so, not decidable
    assert task_of(d).pk in task_ids_in(client_for(unit_op(world, d)).get(INBOX).content)


def test_recall_takes_back_an_org_the_recaller_inserted(world, cp):
    _, _, d = cp
    route = list(process_of(d).route)
    approve(unit_op(world, d), d, insert_org=world.org(ECON).pk)
    assert len(process_of(d).route) == len(route) + 1
    client_for(unit_op(world, d)).post(reverse("workflow:recall", args=[process_of(d).pk]))
    p = process_of(d)
    assert p.position == 0 and p.route == route


def test_recall_is_refused_after_the_next_org_acted_and_for_anyone_else(world, cp):
    applicant, _, d = cp
    at_water(world, d)
    url = reverse("workflow:recall", args=[process_of(d).pk])
    before = snapshot(d)
    for user in (world.op(ECON), world.op(COUNTY_HR), applicant):
        resp = client_for(user).post(url, follow=True)
        assert resp.status_code in (200, 404)
        assert snapshot(d) == before, user.name
    approve(world.op(WATER), d)
    before = snapshot(d)
    progress = client_for(unit_op(world, d)).get(reverse("workflow:progress", args=[d.pk]))
    assert url not in progress.content.decode()  # no recall button once the next org acted
    resp = client_for(unit_op(world, d)).post(url, follow=True)
    assert messages_of(resp)[-1] == services.MSG_RECALL_ACTED  # told why, not "only the previous step"
    assert snapshot(d) == before
    with pytest.raises(ValidationError):
        services.recall(user=unit_op(world, d), process_id=process_of(d).pk)
    assert snapshot(d) == before


# --------------------------------------------------------------------------------------------- withdraw
def test_the_applicant_withdraws_while_the_first_reviewer_has_not_acted(world, cp):
    _, client, d = cp
    p = process_of(d)
    resp = client.post(reverse("declarations:withdraw", args=[d.pk]))
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == Declaration.Status.DRAFT and process_of(d).state == S.WITHDRAWN and task_of(d) is None
    assert Decision.objects.filter(process=p, action=A.WITHDRAW, user=d.applicant).exists()
    # editable again, and a new submission starts a new process
    assert edit_summary(client, d, LONG).status_code == 302
    assert submit(client, d).status_code == 302
    assert process_of(d).pk != p.pk and process_of(d).state == S.REVIEWING


def test_withdraw_is_refused_after_the_unit_approved(world, cp):
    _, client, d = cp
    at_water(world, d)
    before = snapshot(d)
    resp = client.post(reverse("declarations:withdraw", args=[d.pk]), follow=True)
    assert "撤回" in " ".join(messages_of(resp))
    assert snapshot(d) == before
    # and still refused once the unit recalled it (a reviewer has acted)
    client_for(unit_op(world, d)).post(reverse("workflow:recall", args=[process_of(d).pk]))
    before = snapshot(d)
    client.post(reverse("declarations:withdraw", args=[d.pk]))
    assert snapshot(d) == before


# --------------------------------------------------------------------------------------------- batch
def test_batch_approval_decides_each_item_and_reports_each(world):
    """004 §2.4: 东坡区经信局 selects two county SOE dossiers (县(区)主管部门审核), its own staff member's dossier
    (单位审核: publicity required, so it fails) and a task that is not theirs (fails); the rest succeed."""
    econ = world.org(ECON)
    soe = world.unit_of_kind[K.COUNTY_SOE]
    mine = []
    for _ in range(2):
        _, _, d = submitted(world, soe)
        approve(world.op_of(soe), d)
        mine.append(d)
    _, _, own_staff = submitted(world, econ)  # the county department's own staff: 单位审核 at 东坡区经信局
    _, _, other = submitted(world, world.unit_of_kind[K.COUNTY_PRIVATE])
    before_own, before_other = snapshot(own_staff), snapshot(other)
    ids = [task_of(d).pk for d in mine] + [task_of(own_staff).pk, task_of(other).pk, 999999]
    resp = client_for(world.op(ECON)).post(
        reverse("workflow:batch"), {"task": [str(i) for i in ids], "opinion": "同意上报"}
    )
    assert resp.status_code == 200
    body = text(resp.content)
    assert "批量审核完成：成功 2 件，失败 3 件。" in body
    for d in mine:
        assert f"{d.applicant.name}：已通过（县(区)主管部门审核）" in body
        p = process_of(d)
        assert p.current_step["label"] == "县(区)所申报专业行业主管部门审核"
        assert Decision.objects.filter(process=p, action=A.APPROVE, opinion="同意上报", user=world.op(ECON)).exists()
    assert f"任务 {task_of(own_staff).pk}：单位审核通过时请填写推荐意见和公示情况" in body
    assert f"任务 {task_of(other).pk}：您不是当前环节审核单位的经办人员。" in body
    assert "任务 999999：" in body
    assert snapshot(own_staff) == before_own and snapshot(other) == before_other


# --------------------------------------------------------------------------------------------- attachments, opinions
def test_step_attachments_are_downloadable_by_the_reviewers_of_the_dossier(world, cp):
    applicant, _, d = cp
    approve(unit_op(world, d), d, attachments=[pdf_upload("推荐材料.pdf"), pdf_upload("公示证明.pdf")])
    dec = Decision.objects.get(declaration=d, action=A.APPROVE)
    files = list(Attachment.objects.filter(declaration=d, section="review", row_id=dec.pk).order_by("pk"))
    assert [f.display_name for f in files] == ["推荐材料.pdf", "公示证明.pdf"]
    url = reverse("declarations:attachment", args=[d.pk, files[0].pk])
    # listed with the decision in the history and served to the next reviewers (and the applicant)
    progress = client_for(world.op(WATER)).get(reverse("workflow:progress", args=[d.pk]))
    assert url in progress.content.decode()
    for user in (world.op(WATER), world.root_op, applicant):
        resp = client_for(user).get(url)
        assert resp.status_code == 200, user.name
        assert b"".join(resp.streaming_content).startswith(b"%PDF")
    assert client_for(new_applicant("路人乙")).get(url).status_code == 404
    assert client_for(world.op("眉山市私营企业")).get(url).status_code == 404


def test_common_opinions_are_offered_on_the_task_page(world, cp):
    _, _, d = cp
    op = unit_op(world, d)
    resp = client_for(op).post(reverse("workflow:opinions"), {"text": "材料齐全，同意推荐。"})
    assert resp.status_code == 302
    page = client_for(op).get(reverse("workflow:task", args=[task_of(d).pk]))
    assert '<option value="材料齐全，同意推荐。">' in page.content.decode()
    other = client_for(world.op(WATER)).get(reverse("workflow:opinions"))
    assert "材料齐全，同意推荐。" not in text(other.content)


def test_sent_back_below_qualification_review_the_applicant_may_no_longer_print(world):
    """DCL-6: the 申报表 is printable once 资格审查 passed; a return from a later step to the applicant (or back
    to 资格审查) withdraws that until 资格审查 passes again."""
    applicant, client, d = submitted(world, world.unit_of_kind[K.CENTRAL])
    approve(world.op_of(d.unit), d)  # 单位审核 → 高评办资格审查 (省人社厅)
    approve(world.root_op, d)  # 资格审查 passes
    d.refresh_from_db()
    assert d.qualification_passed
    assert client.get(reverse("declarations:pdf", args=[d.pk])).status_code == 200
    resp = act(world.root_op, d, "return", deadline=str(timezone.localdate() + dt.timedelta(days=7)))
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == Declaration.Status.RETURNED and not d.qualification_passed
    assert client.get(reverse("declarations:pdf", args=[d.pk])).status_code == 404
