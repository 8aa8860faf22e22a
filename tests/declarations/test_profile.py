"""ACC-5 the personal info centre (002 §2.3): kept between years, copied into each new declaration, written back
at submission; work experience of an approved declaration is locked while the current job stays editable
(002 item 7 note)."""

from __future__ import annotations

from django.urls import reverse

from declarations import sections as S
from declarations import services
from declarations.models import Declaration, Education, Profile, WorkExperience

from .conftest import HYDRO_BUREAU, ROWS, client_for, new_applicant, section_url, start_declaration, submit
from .helpers import nav_titles, text

ENDED = {
    "start_date": "2002-07-01",
    "end_date": "2010-06-30",
    "unit_name": "四川省水利水电勘测设计研究院",
    "position": "助理工程师",
    "duties": "水工设计",
}
CURRENT = {
    "start_date": "2010-07-01",
    "until_now": "on",
    "unit_name": HYDRO_BUREAU,
    "position": "工程师",
    "duties": "水文测验",
}


def me_url(key: str, *args, action: str = "") -> str:
    name = {
        "": "me_section",
        "add": "me_row_add",
        "edit": "me_row_edit",
        "delete": "me_row_delete",
        "detail": "me_row_detail",
    }[action]
    return reverse(f"declarations:{name}", args=[key, *args])


def profile_of(user) -> Profile:
    return Profile.objects.get_or_create(user=user)[0]


# --------------------------------------------------------------------------------------------- the info centre
def test_the_info_centre_keeps_the_spec_s_personal_sections(client, applicant):
    page = client.get(reverse("declarations:me"))
    assert page.status_code == 200
    assert applicant.name in text(page.content) and applicant.id_number in text(page.content)
    titles = nav_titles(page.content)
    assert titles == [s.title for s in S.PROFILE_SECTIONS]
    # ACC-5: education, qualifications, work experience, social groups, continuing education, assessments, exams
    for t in (
        "教育经历",
        "资历信息（现专业技术资格）",
        "工作经历",
        "社会团体任职情况",
        "继续教育",
        "年度考核情况",
        "考试成绩",
    ):
        assert t in titles


def test_basic_information_is_saved_in_the_info_centre(client, applicant):
    resp = client.post(
        reverse("declarations:me"),
        {"gender": "male", "ethnicity": "回族", "email": "a@example.com", "birth_date": "1980-01-02"},
    )
    assert resp.status_code == 302
    p = profile_of(applicant)
    assert (p.gender, p.ethnicity, p.email) == ("male", "回族", "a@example.com")
    resp = client.post(reverse("declarations:me"), {"email": "不是邮箱"})
    assert resp.status_code == 400 and "输入一个有效的 Email 地址。" in text(resp.content)
    assert profile_of(applicant).email == "a@example.com"


def test_info_centre_rows_are_added_shown_edited_and_deleted(client, applicant):
    resp = client.post(me_url("education", action="add"), ROWS["education"])
    assert resp["Location"] == me_url("education")
    row = Education.objects.get(profile=profile_of(applicant))
    assert row.declaration is None
    assert "四川大学" in text(client.get(me_url("education")).content)
    assert "毕业院校 四川大学" in text(client.get(me_url("education", row.pk, action="detail")).content)
    assert 'type="file"' not in client.get(me_url("education", action="add")).content.decode()  # no files here
    client.post(me_url("education", row.pk, action="edit"), {**ROWS["education"], "major": "水文与水资源工程"})
    row.refresh_from_db()
    assert row.major == "水文与水资源工程"
    client.post(me_url("education", row.pk, action="delete"))
    assert not Education.objects.filter(pk=row.pk).exists()


def test_info_centre_rows_are_validated_like_the_dossier_s(client, applicant):
    resp = client.post(me_url("education", action="add"), {**ROWS["education"], "end_date": "1990-01-01"})
    assert resp.status_code == 400 and "结束时间不能早于开始时间。" in text(resp.content)
    assert not Education.objects.exists()


def test_someone_else_s_info_centre_row_is_404(client, applicant, world):
    client.post(me_url("education", action="add"), ROWS["education"])
    mine = Education.objects.get()
    other = client_for(new_applicant("赵他人"))
    for action in ("detail", "edit", "delete"):
        assert other.get(me_url("education", mine.pk, action=action)).status_code == 404, action
    assert (
        other.post(me_url("education", mine.pk, action="edit"), {**ROWS["education"], "school": "篡改"}).status_code
        == 404
    )
    assert other.post(me_url("education", mine.pk, action="delete")).status_code == 404
    mine.refresh_from_db()
    assert mine.school == "四川大学"


def test_dossier_only_sections_are_not_in_the_info_centre(client):
    for key in ("training", "achievements_after", "publications", "others", "summary", "basic"):
        assert client.get(me_url(key)).status_code == 404, key


# --------------------------------------------------------------------------------------------- copy and write back
def test_a_new_declaration_gets_a_copy_and_submission_writes_the_dossier_back(
    client, applicant, world, complete, django_capture_on_commit_callbacks
):
    profile = profile_of(applicant)
    assert not Education.objects.filter(profile=profile).exists()  # the dossier was filled, not the info centre
    client.post(
        section_url(complete, "education", action="add"),
        {
            **ROWS["education"],
            "start_date": "2003-09-01",
            "end_date": "2006-07-01",
            "school": "河海大学",
            "education": "硕士研究生",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, complete)
    profile.refresh_from_db()
    assert profile.ethnicity == "汉族" and profile.current_title == "工程师"  # the basic section
    assert sorted(Education.objects.filter(profile=profile).values_list("school", flat=True)) == [
        "四川大学",
        "河海大学",
    ]
    assert WorkExperience.objects.filter(profile=profile, until_now=True).count() == 1
    # the dossier keeps its own rows
    assert Education.objects.filter(declaration=complete).count() == 2


def test_editing_the_dossier_does_not_touch_the_info_centre_before_submission(client, applicant, world):
    client.post(me_url("education", action="add"), ROWS["education"])
    d = start_declaration(client, world)
    copy = Education.objects.get(declaration=d)
    client.post(section_url(d, "education", copy.pk, action="edit"), {**ROWS["education"], "school": "只在档案袋里改"})
    assert Education.objects.get(profile=profile_of(applicant)).school == "四川大学"


# --------------------------------------------------------------------------------------------- locked work experience
def _approved_with_two_jobs(client, world, django_capture_on_commit_callbacks) -> Declaration:
    from .conftest import fill_complete

    d = start_declaration(client, world)
    client.post(section_url(d, "work", action="add"), ENDED)
    fill_complete(client, d)  # adds the current job (至今)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, d)
    Declaration.objects.filter(pk=d.pk).update(status=Declaration.Status.APPROVED)  # the review chain's verdict
    d.refresh_from_db()
    return d


def test_ended_work_of_an_approved_declaration_is_locked_and_the_current_job_stays_editable(
    client, applicant, world, django_capture_on_commit_callbacks
):
    d = _approved_with_two_jobs(client, world, django_capture_on_commit_callbacks)
    assert services.profile_lock_approved_work(declaration=d) == 1
    profile = profile_of(applicant)
    ended = WorkExperience.objects.get(profile=profile, unit_name=ENDED["unit_name"])
    current = WorkExperience.objects.get(profile=profile, until_now=True)
    assert ended.locked and not current.locked

    listing = client.get(me_url("work")).content.decode()
    assert "已锁定" in text(listing)
    assert me_url("work", ended.pk, action="edit") not in listing
    assert me_url("work", current.pk, action="edit") in listing

    for action in ("edit", "delete"):
        resp = client.get(me_url("work", ended.pk, action=action), follow=True)
        assert services.MSG_LOCKED_ROW in text(resp.content), action
    resp = client.post(me_url("work", ended.pk, action="edit"), {**ENDED, "position": "篡改"}, follow=True)
    assert services.MSG_LOCKED_ROW in text(resp.content)
    resp = client.post(me_url("work", ended.pk, action="delete"), follow=True)
    assert services.MSG_LOCKED_ROW in text(resp.content)
    ended.refresh_from_db()
    assert ended.position == "助理工程师"
    assert "编辑" not in text(client.get(me_url("work", ended.pk, action="detail")).content)

    resp = client.post(me_url("work", current.pk, action="edit"), {**CURRENT, "position": "高级工程师"})
    assert resp.status_code == 302
    current.refresh_from_db()
    assert current.position == "高级工程师"


def test_the_locked_job_is_locked_in_next_year_s_dossier_and_never_duplicated(
    client, applicant, world, django_capture_on_commit_callbacks
):
    d = _approved_with_two_jobs(client, world, django_capture_on_commit_callbacks)
    services.profile_lock_approved_work(declaration=d)
    # a new declaration (the approved one is no longer open) copies the locked row as locked
    Declaration.objects.filter(pk=d.pk).update(year=d.year - 1)  # last year's, so this year is free again
    nxt = start_declaration(client, world)
    locked = WorkExperience.objects.get(declaration=nxt, unit_name=ENDED["unit_name"])
    assert locked.locked
    resp = client.post(section_url(nxt, "work", locked.pk, action="edit"), {**ENDED, "position": "篡改"}, follow=True)
    assert services.MSG_LOCKED_ROW in text(resp.content)
    locked.refresh_from_db()
    assert locked.position == "助理工程师"
    # submitting it writes back without duplicating the locked row
    from .conftest import fill_complete

    WorkExperience.objects.filter(declaration=nxt, until_now=True).delete()
    fill_complete(client, nxt)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, nxt)
    profile = profile_of(applicant)
    assert WorkExperience.objects.filter(profile=profile, unit_name=ENDED["unit_name"]).count() == 1
    assert WorkExperience.objects.get(profile=profile, unit_name=ENDED["unit_name"]).locked
