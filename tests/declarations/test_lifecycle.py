"""DCL-5 lifecycle (submit freezes and emits one event after commit; withdraw while no reviewer has acted; abandon a
draft with confirmation) and DCL-6 views (my declarations with status, the read-only full view, escaping)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from declarations import sections as S
from declarations import services
from declarations.models import Attachment, Declaration, Education
from declarations.signals import declaration_submitted

from .conftest import ROWS, SINGLE_SECTIONS, client_for, new_applicant, section_url, start_declaration, submit
from .helpers import pdf_upload, png_upload, stored_files, text

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# One POST body that fills any section's fields (unknown keys are ignored by each form).
ANY_ROW = {
    **ROWS["education"],
    **ROWS["work"],
    **ROWS["achievements_after"],
    **ROWS["assessments"],
    "title": "伪造",
    "name": "伪造",
    "certificate_no": "X1",
    "obtained_on": "2020-01-01",
    "issuer": "伪造",
    "organiser": "伪造",
    "content": "伪造",
    "venue": "伪造",
    "published_on": "2020-01-01",
    "exam": "伪造",
    "score": "99",
    "exam_date": "2020-01-01",
    "group": "伪造",
    "post": "伪造",
    "hours": "10",
    "description": "伪造",
}


def dossier_state(d: Declaration) -> dict:
    """Every row of the dossier, its attachments and its status, to prove a refused action changed nothing."""
    state: dict = {"declaration": list(Declaration.objects.filter(pk=d.pk).values())}
    for s in S.SECTIONS:
        if s.model is None:
            continue
        qs = S.rows_qs(s, declaration=d) if s.many else s.model.objects.filter(declaration=d)
        state[s.key] = list(qs.values())
    state["attachments"] = list(Attachment.objects.filter(declaration=d).order_by("pk").values())
    return state


@pytest.fixture
def submitted(client, complete, django_capture_on_commit_callbacks) -> Declaration:
    with django_capture_on_commit_callbacks(execute=True):
        return submit(client, complete)


@pytest.fixture
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    declaration_submitted.connect(receiver, weak=False)
    yield calls
    declaration_submitted.disconnect(receiver)


# --------------------------------------------------------------------------------------------- submit
def test_submitting_freezes_the_dossier_and_emits_one_event_after_commit(
    client, complete, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = client.post(reverse("declarations:submit", args=[complete.pk]))
        assert received == []  # nothing is announced before the transaction commits
    assert resp.status_code == 302
    complete.refresh_from_db()
    assert complete.status == Declaration.Status.SUBMITTED and complete.submitted_at is not None
    for cb in callbacks:
        cb()
    assert [(c["declaration_id"], c["resubmission"]) for c in received] == [(complete.pk, False)]
    page = text(client.get(reverse("declarations:overview", args=[complete.pk])).content)
    assert "申报已提交，材料已锁定，等待工作单位审核。" in page
    assert "申报状态：已提交。材料已锁定，不能修改。" in page


def test_a_refused_submission_emits_nothing(client, draft, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("declarations:submit", args=[draft.pk]))
    assert resp.status_code == 400 and received == []
    assert Declaration.objects.get(pk=draft.pk).status == Declaration.Status.DRAFT


def test_submitting_twice_emits_once(client, submitted, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("declarations:submit", args=[submitted.pk]), follow=True)
    assert services.MSG_FROZEN in text(resp.content)
    assert received == []


def test_after_submission_every_edit_page_is_read_only_or_refuses(client, submitted):
    d = submitted
    overview = reverse("declarations:overview", args=[d.pk])
    for s in S.sections_for(d):
        page = client.get(section_url(d, s.key))
        assert page.status_code == 200, s.key
        main = page.content.decode().split('class="dossier-main', 1)[1]
        assert '<form method="post"' not in main, s.key
        assert "添加记录" not in main and ">编辑<" not in main and ">删除<" not in main, s.key
        assert 'type="file"' not in main, s.key
    row = Education.objects.get(declaration=d)
    for url in (
        section_url(d, "education", action="add"),
        section_url(d, "education", row.pk, action="edit"),
        section_url(d, "education", row.pk, action="delete"),
    ):
        resp = client.get(url, follow=True)
        assert resp.redirect_chain[-1][0] == overview, url
        assert services.MSG_FROZEN in text(resp.content)
    page = text(client.get(overview).content)
    assert "检查并提交" not in page and "废弃" not in page and "填写" not in page and "撤回" in page
    assert "编辑" not in text(client.get(section_url(d, "education", row.pk, action="detail")).content)


def test_after_submission_forged_posts_to_every_edit_path_change_nothing(
    client, submitted, media, django_capture_on_commit_callbacks
):
    d = submitted
    before, files = dossier_state(d), stored_files(media)
    posts = []
    for s in S.sections_for(d):
        if s.key == "materials":
            for mat in d.activity.materials.all():
                posts.append((section_url(d, s.key), {"material": mat.pk, "upload": pdf_upload()}))
        elif s.many:
            posts.append((section_url(d, s.key, action="add"), {**ANY_ROW, "upload": pdf_upload()}))
            for row in S.rows_qs(s, declaration=d):
                posts.append((section_url(d, s.key, row.pk, action="edit"), {**ANY_ROW, "upload": pdf_upload()}))
                posts.append((section_url(d, s.key, row.pk, action="delete"), {}))
        else:
            data = {**SINGLE_SECTIONS.get(s.key, {}), "signer": "伪造", "text": "伪造" * 30, "ethnicity": "伪造"}
            posts.append((section_url(d, s.key), {**data, "upload": png_upload()}))
    for att in Attachment.objects.filter(declaration=d):
        posts.append((reverse("declarations:attachment_delete", args=[d.pk, att.pk]), {}))
    posts.append((reverse("declarations:abandon", args=[d.pk]), {}))
    assert len(posts) > 25
    for url, data in posts:
        with django_capture_on_commit_callbacks(execute=True):
            resp = client.post(url, data)
        # refused with a redirect and a message (the read-only 社保参保信息 page simply shows itself again)
        assert resp.status_code in ((200, 302) if "/social_insurance/" in url else (302,)), (url, resp.status_code)
    assert dossier_state(d) == before
    assert stored_files(media) == files


def test_the_review_chain_is_told_of_the_submission(client, submitted):
    # the one "submitted" event's consumer (issue 5) has started a process at 单位审核 of the applicant's unit
    process = submitted.review_processes.get()
    assert process.route[0]["org_name"] == submitted.unit.name


# --------------------------------------------------------------------------------------------- withdraw
def test_withdrawing_before_any_reviewer_acted_returns_the_dossier_to_draft(
    client, submitted, received, django_capture_on_commit_callbacks
):
    url = reverse("declarations:withdraw", args=[submitted.pk])
    confirm = client.get(url)
    assert "确定撤回这份申报吗" in text(confirm.content)
    assert Declaration.objects.get(pk=submitted.pk).status == Declaration.Status.SUBMITTED  # GET asks only
    resp = client.post(url, follow=True)
    assert "申报已撤回为草稿" in text(resp.content)
    submitted.refresh_from_db()
    assert submitted.status == Declaration.Status.DRAFT and submitted.submitted_at is None
    # editable again, and submitted again with one more event
    resp = client.post(section_url(submitted, "summary"), {"text": SINGLE_SECTIONS["summary"]["text"] + "补充。"})
    assert resp.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, submitted)
    assert len(received) == 1


def test_withdrawing_is_refused_once_a_reviewer_has_acted(client, submitted):
    Declaration.objects.filter(pk=submitted.pk).update(review_started=True)
    resp = client.post(reverse("declarations:withdraw", args=[submitted.pk]), follow=True)
    assert services.MSG_WITHDRAW_ACTED in text(resp.content)
    assert Declaration.objects.get(pk=submitted.pk).status == Declaration.Status.SUBMITTED


def test_a_draft_cannot_be_withdrawn(client, draft):
    resp = client.post(reverse("declarations:withdraw", args=[draft.pk]), follow=True)
    assert services.MSG_WITHDRAW_STATE in text(resp.content)
    assert Declaration.objects.get(pk=draft.pk).status == Declaration.Status.DRAFT


# --------------------------------------------------------------------------------------------- abandon
def test_abandoning_a_draft_asks_first_and_then_closes_it(client, draft):
    url = reverse("declarations:abandon", args=[draft.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "确定废弃这份申报吗" in text(confirm.content)
    assert Declaration.objects.get(pk=draft.pk).status == Declaration.Status.DRAFT
    resp = client.post(url, follow=True)
    assert resp.redirect_chain[-1][0] == reverse("declarations:mine")
    assert "申报已废弃。" in text(resp.content)
    draft.refresh_from_db()
    assert draft.status == Declaration.Status.ABANDONED
    # an abandoned dossier is frozen too
    resp = client.post(section_url(draft, "education", action="add"), ROWS["education"])
    assert resp.status_code == 302 and not Education.objects.filter(declaration=draft).exists()


def test_a_submitted_dossier_cannot_be_abandoned(client, submitted):
    resp = client.post(reverse("declarations:abandon", args=[submitted.pk]), follow=True)
    assert services.MSG_ABANDON_STATE in text(resp.content)
    assert Declaration.objects.get(pk=submitted.pk).status == Declaration.Status.SUBMITTED


# --------------------------------------------------------------------------------------------- views
def test_my_declarations_lists_each_with_its_status(client, world, submitted):
    page = text(client.get(reverse("declarations:mine")).content)
    assert "已提交" in page and "高级工程师" in page and world.unit.name in page and world.engineering.name in page
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page)  # the submission time
    assert "单位审核" in page  # the current step of the review chain, at the applicant's unit
    Declaration.objects.filter(pk=submitted.pk).update(status=Declaration.Status.RETURNED, return_deadline="2026-12-31")
    page = text(client.get(reverse("declarations:mine")).content)
    assert "退回修改" in page and "修改截止 2026-12-31" in page


def test_the_list_shows_drafts_and_abandoned_ones_too(client, world):
    first = start_declaration(client, world)
    client.post(reverse("declarations:abandon", args=[first.pk]))
    start_declaration(client, world)
    page = text(client.get(reverse("declarations:mine")).content)
    assert "已废弃" in page and "草稿" in page and "继续申报" in page


def test_the_full_view_shows_every_section_to_the_applicant(client, complete):
    page = text(client.get(reverse("declarations:view", args=[complete.pk])).content)
    for s in S.sections_for(complete):
        assert s.title in page
    assert "四川大学" in page and SINGLE_SECTIONS["summary"]["text"][:20] in page
    assert "身份证.pdf" in page  # the committee materials by display name
    assert "下载申报表" not in page  # not before qualification review has passed


def test_the_unit_s_operator_sees_the_full_view_once_submitted_but_not_the_draft(
    client, complete, world, django_capture_on_commit_callbacks
):
    reviewer = client_for(world.unit_op)
    assert reviewer.get(reverse("declarations:view", args=[complete.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, complete)
    page = reviewer.get(reverse("declarations:view", args=[complete.pk]))
    assert page.status_code == 200 and complete.applicant.name in text(page.content)
    assert "下载申报表（PDF）" in text(page.content)  # reviewers may print at any time
    # the reviewer has no applicant's pages
    assert reviewer.get(reverse("declarations:overview", args=[complete.pk])).status_code == 404
    # the parent department in the chain sees it too; an unrelated department does not
    assert client_for(world.water_op).get(reverse("declarations:view", args=[complete.pk])).status_code == 200
    assert client_for(world.other_op).get(reverse("declarations:view", args=[complete.pk])).status_code == 404


# --------------------------------------------------------------------------------------------- escaping
def test_a_script_in_the_name_and_in_typed_fields_is_escaped_on_every_page(world):
    user = new_applicant(SCRIPT)
    c = client_for(user)
    d = start_declaration(c, world)
    c.post(
        section_url(d, "education", action="add"),
        {**ROWS["education"], "school": SCRIPT, "upload": pdf_upload(f"{SCRIPT}.pdf")},
    )
    c.post(section_url(d, "summary"), {"text": SCRIPT})
    row = Education.objects.get(declaration=d)
    pages = [
        reverse("declarations:mine"),
        reverse("declarations:overview", args=[d.pk]),
        reverse("declarations:view", args=[d.pk]),
        reverse("declarations:submit", args=[d.pk]),
        reverse("declarations:abandon", args=[d.pk]),
        reverse("declarations:me"),
        section_url(d, "basic"),
        section_url(d, "summary"),
        section_url(d, "education"),
        section_url(d, "education", row.pk, action="detail"),
        section_url(d, "education", row.pk, action="edit"),
        section_url(d, "education", row.pk, action="delete"),
    ]
    for url in pages:
        html = c.get(url).content.decode()
        assert SCRIPT not in html, url
        assert "alert(1)" not in html.replace(ESCAPED, "").replace("alert(1)&lt;", ""), url
    assert ESCAPED in c.get(reverse("declarations:view", args=[d.pk])).content.decode()


def test_the_eligibility_rule_is_checked_again_at_submission(client, complete, world):
    # another declaration of the same year (another level) ends in 作废 while this one is still a draft
    from titles.catalogue import EvaluationMode, Level
    from titles.models import QualificationName

    other = start_declaration(
        client,
        world,
        mode=EvaluationMode.INITIAL,
        level=Level.ASSISTANT,
        qualification=QualificationName.objects.get(name="助理工程师").pk,
        committee=None,
    )
    Declaration.objects.filter(pk=other.pk).update(status=Declaration.Status.VOIDED)
    resp = client.post(reverse("declarations:submit", args=[complete.pk]))
    assert resp.status_code == 400
    assert services.MSG_YEAR_LOST.format(year=complete.year, status="已作废") in text(resp.content)
    assert Declaration.objects.get(pk=complete.pk).status == Declaration.Status.DRAFT
