"""DCL-2 the dossier's sections and DCL-4 drafts, completeness and navigation (000 §4.1.1.2–4.1.1.14,
002 §2.2.1.1.2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations import sections as S
from declarations import services
from declarations.models import (
    Achievement,
    Attachment,
    BasicInfo,
    Declaration,
    Education,
    SocialInsurance,
    WorkExperience,
)
from titles.catalogue import Level
from titles.models import QualificationName, Series, Specialty

from .conftest import (
    HEALTH_COMMITTEE,
    HYDRO_BUREAU,
    ROWS,
    SINGLE_SECTIONS,
    TEACHER_COMMITTEE,
    client_for,
    new_applicant,
    section_url,
    start_declaration,
)
from .helpers import (
    field_value,
    hidden_values,
    jpeg_noise_bytes,
    nav_titles,
    pdf_upload,
    png_upload,
    stored_files,
    text,
    upload,
)

# SPEC DCL-2, in its order: commitment, basic info with photo, social insurance, education, qualifications held,
# titles/skill levels obtained, provincial certificates, work experience, training, achievements before and after
# the current title, publications/reports, exam results, annual assessments, social-group posts, continuing
# education, [teacher info, health-tech info], professional summary, committee-required materials, other attachments.
DCL2_TITLES = [
    "诚信承诺",
    "基本信息",
    "社保参保信息",
    "教育经历",
    "资历信息（现专业技术资格）",
    "取得职称职业技能等级情况",
    "省职业资格证书",
    "工作经历",
    "学习培训经历",
    "任职前主要专业技术工作业绩",
    "任职后主要专业技术工作业绩",
    "著作、论文及重要技术报告",
    "考试成绩",
    "年度考核情况",
    "社会团体任职情况",
    "继续教育",
    "个人专业技术水平及业绩综述",
    "评委会需求材料",
    "其他附件",
]
TEACHER, HEALTH = "中小学教师信息", "卫生技术信息"


def overview(client, d):
    return client.get(reverse("declarations:overview", args=[d.pk]))


# --------------------------------------------------------------------------------------------- the section list
def test_the_engineering_dossier_has_exactly_the_sections_of_spec_dcl2_in_order(client, draft):
    page = overview(client, draft)
    assert nav_titles(page.content) == DCL2_TITLES
    # the overview table lists them in the same order, and every section page opens
    table = text(page.content)
    positions = [table.index(t, table.index("档案袋 栏目")) for t in DCL2_TITLES]
    assert positions == sorted(positions)
    for s in S.sections_for(draft):
        assert client.get(section_url(draft, s.key)).status_code == 200, s.key


def test_the_registry_is_the_spec_list_with_the_series_sections_before_the_summary():
    titles = [s.title for s in S.SECTIONS]
    assert titles == DCL2_TITLES[:16] + [TEACHER, HEALTH] + DCL2_TITLES[16:]


def test_teacher_and_health_sections_only_for_the_activities_that_ask_for_them(client, draft, world):
    assert TEACHER not in nav_titles(overview(client, draft).content)
    assert client.get(section_url(draft, "teacher")).status_code == 404
    assert client.get(section_url(draft, "health")).status_code == 404

    client = client_for(new_applicant("刘医生"))  # one open 副高级 declaration a year: another applicant
    health = start_declaration(
        client,
        world,
        series=Series.objects.get(code="WS").pk,
        specialty=Specialty.objects.get(code="WS01").pk,
        level=Level.VICE_SENIOR,
        qualification=QualificationName.objects.get(name="副主任医师").pk,
        committee=world.committees[HEALTH_COMMITTEE].pk,
        method="normal",
    )
    assert health.activity.health_section and not health.activity.teacher_section
    titles = nav_titles(overview(client, health).content)
    assert titles == DCL2_TITLES[:16] + [HEALTH] + DCL2_TITLES[16:]
    page = client.get(section_url(health, "health"))
    assert page.status_code == 200
    for label in ("执业类别", "执业范围", "执业证书编号", "对口支援情况", "抗疫一线工作情况", "荣誉及惩罚"):
        assert label in text(page.content)
    assert client.get(section_url(health, "teacher")).status_code == 404
    assert "卫生技术信息" in [m.section.title for m in services.completeness(health)]


def test_the_teacher_series_dossier_has_the_teacher_section(client, world):
    d = start_declaration(
        client,
        world,
        series=Series.objects.get(code="ZXXJS").pk,
        specialty=Specialty.objects.get(code="JS02").pk,
        level=Level.VICE_SENIOR,
        qualification=QualificationName.objects.get(name="高级教师").pk,
        committee=world.committees[TEACHER_COMMITTEE].pk,
    )
    assert nav_titles(overview(client, d).content) == DCL2_TITLES[:16] + [TEACHER] + DCL2_TITLES[16:]
    page = text(client.get(section_url(d, "teacher")).content)
    for label in (
        "任教学段",
        "任教学科",
        "从事学生思想政治教育工作经历及考核结果",
        "承担示范课、公开课、研究课或专题讲座情况",
        "在农村（薄弱、艰苦边远）学校支教或从教情况",
        "任职后指导、培养教师情况",
    ):
        assert label in page


def test_an_unknown_section_is_404(client, draft):
    assert client.get(section_url(draft, "nonsense")).status_code == 404
    assert client.get(section_url(draft, "nonsense", action="add")).status_code == 404
    assert client.get(section_url(draft, "basic", action="add")).status_code == 404  # not a multi-row section


# --------------------------------------------------------------------------------------------- single sections
def test_the_commitment_date_defaults_to_today(client, draft):
    page = client.get(section_url(draft, "commitment"))
    assert field_value(page.content, "signed_on") == timezone.localdate().isoformat()
    assert "承诺人签字" in text(page.content)


def test_basic_info_shows_name_and_id_from_the_account_and_a_forged_name_changes_nothing(client, draft, applicant):
    page = text(client.get(section_url(draft, "basic")).content)
    assert applicant.name in page and applicant.id_number in page and HYDRO_BUREAU in page
    assert "照片不超过 500KB" in page
    client.post(section_url(draft, "basic"), {**SINGLE_SECTIONS["basic"], "name": "改名", "id_number": "1" * 18})
    applicant.refresh_from_db()
    assert applicant.name == "张水利"


def test_required_fields_carry_the_star_and_optional_ones_do_not(client, draft):
    html = client.get(section_url(draft, "education", action="add")).content.decode()
    star = '<span class="req" title="提交时必填">*</span>'
    for label in ("开始时间", "结束时间", "毕业院校", "所学专业", "学历"):
        assert f"{label}{star}" in html, label
    for label in ("学位", "学习形式"):
        assert f">{label}</label>" in html, label
    basic = client.get(section_url(draft, "basic")).content.decode()
    assert f"出生日期{star}" in basic and ">通讯地址</label>" in basic


def test_saving_goes_back_to_the_overview_and_save_and_next_goes_on(client, draft):
    resp = client.post(section_url(draft, "commitment"), {**SINGLE_SECTIONS["commitment"], "go": "save"})
    assert resp["Location"] == reverse("declarations:overview", args=[draft.pk])
    resp = client.post(section_url(draft, "commitment"), {**SINGLE_SECTIONS["commitment"], "go": "next"})
    assert resp["Location"] == section_url(draft, "basic")
    resp = client.post(section_url(draft, "summary"), {"text": "综述", "go": "next"})
    assert resp["Location"] == section_url(draft, "materials")
    page = client.get(section_url(draft, "commitment"))
    html = page.content.decode()
    assert "保存并下一步" in html and "取消" in html
    assert f'href="{reverse("declarations:overview", args=[draft.pk])}">取消' in html.replace("\n", "")


def test_a_draft_saves_with_required_fields_missing_and_the_overview_says_what_is_left(client, draft):
    resp = client.post(section_url(draft, "basic"), {"ethnicity": "汉族"})
    assert resp.status_code == 302
    assert BasicInfo.objects.get(declaration=draft).ethnicity == "汉族"
    resp = client.post(section_url(draft, "education", action="add"), {"school": "四川大学"})
    assert resp.status_code == 302
    assert Education.objects.get(declaration=draft).school == "四川大学"
    page = text(overview(client, draft).content)
    assert "待完善" in page
    assert "第1条缺少：开始时间、结束时间、所学专业、学历" in page
    assert "未上传照片" in page


def test_the_summary_needs_fifty_characters(client, draft):
    client.post(section_url(draft, "summary"), {"text": "太短的综述"})
    problems = {m.section.key: m.problems for m in services.completeness(draft)}
    assert f"业绩综述不少于 {S.SUMMARY_MIN_CHARS} 字" in problems["summary"]


def test_social_insurance_is_read_only_from_the_import(client, draft, applicant):
    SocialInsurance.objects.create(
        id_number=applicant.id_number, unit_name=HYDRO_BUREAU, start_month=dt.date(2002, 7, 1)
    )
    SocialInsurance.objects.create(
        id_number="110101199001011234", unit_name="别人的单位", start_month=dt.date(2010, 1, 1)
    )
    page = client.get(section_url(draft, "social_insurance"))
    assert HYDRO_BUREAU in text(page.content) and "别人的单位" not in text(page.content)
    assert "<form" not in page.content.decode().split('class="dossier-main')[1]
    client.post(section_url(draft, "social_insurance"), {"unit_name": "伪造"})
    assert SocialInsurance.objects.filter(unit_name="伪造").count() == 0


# --------------------------------------------------------------------------------------------- multi-row sections
def test_rows_are_added_shown_in_detail_edited_and_deleted(client, draft):
    resp = client.post(section_url(draft, "education", action="add"), {**ROWS["education"], "go": "save"})
    assert resp["Location"] == section_url(draft, "education")
    row = Education.objects.get(declaration=draft)
    listing = text(client.get(section_url(draft, "education")).content)
    assert "四川大学" in listing and "水利水电工程" in listing and "详情" in listing and "编辑" in listing

    detail = text(client.get(section_url(draft, "education", row.pk, action="detail")).content)
    assert "毕业院校 四川大学" in detail and "学位 工学学士" in detail

    edit = client.get(section_url(draft, "education", row.pk, action="edit"))
    assert field_value(edit.content, "school") == "四川大学"
    client.post(section_url(draft, "education", row.pk, action="edit"), {**ROWS["education"], "school": "河海大学"})
    row.refresh_from_db()
    assert row.school == "河海大学"

    confirm = client.get(section_url(draft, "education", row.pk, action="delete"))
    assert "确定删除这条记录吗" in text(confirm.content)
    assert Education.objects.filter(pk=row.pk).exists()  # GET asks, changes nothing
    resp = client.post(section_url(draft, "education", row.pk, action="delete"))
    assert resp["Location"] == section_url(draft, "education")
    assert not Education.objects.filter(pk=row.pk).exists()


def test_save_and_add_another_returns_to_an_empty_form(client, draft):
    resp = client.post(
        section_url(draft, "training", action="add"),
        {
            "start_date": "2019-05-01",
            "end_date": "2019-05-10",
            "organiser": "水利部",
            "content": "大坝安全",
            "go": "another",
        },
    )
    assert resp["Location"] == section_url(draft, "training", action="add")


def test_a_row_of_another_section_or_dossier_is_404(client, draft, world):
    client.post(section_url(draft, "education", action="add"), ROWS["education"])
    row = Education.objects.get(declaration=draft)
    assert client.get(section_url(draft, "work", row.pk, action="detail")).status_code == 404
    assert client.get(section_url(draft, "training", row.pk, action="edit")).status_code == 404


def test_an_end_before_the_start_is_refused_keeping_typed_text_and_the_upload(client, draft, media):
    data = {**ROWS["education"], "start_date": "2002-07-01", "end_date": "1998-09-01", "school": "我输入的大学"}
    resp = client.post(section_url(draft, "education", action="add"), {**data, "upload": pdf_upload("毕业证书.pdf")})
    assert resp.status_code == 400
    page = text(resp.content)
    assert "结束时间不能早于开始时间。" in page
    assert field_value(resp.content, "school") == "我输入的大学"
    assert field_value(resp.content, "end_date") == "1998-09-01"
    assert not Education.objects.filter(declaration=draft).exists()
    # the valid upload is kept (pending), shown again and carried by the page
    kept = Attachment.objects.get(declaration=draft)
    assert kept.pending and kept.row_id is None
    assert "已上传、将随本记录保存：毕业证书.pdf" in page
    assert hidden_values(resp.content, "pending") == [str(kept.pk)]
    assert len(stored_files(media)) == 1

    # corrected without choosing the file again: the row is saved and the upload attached to it
    resp = client.post(
        section_url(draft, "education", action="add"), {**data, "end_date": "2006-07-01", "pending": kept.pk}
    )
    assert resp.status_code == 302
    row = Education.objects.get(declaration=draft)
    kept.refresh_from_db()
    assert (kept.pending, kept.row_id, kept.section) == (False, row.pk, "education")
    assert "毕业证书.pdf" in text(client.get(section_url(draft, "education", row.pk, action="detail")).content)


@pytest.mark.parametrize("key", ["training", "social_groups", "achievements_after"])
def test_every_dated_section_refuses_an_end_before_the_start(client, draft, key):
    data = {
        "start_date": "2020-01-01",
        "end_date": "2019-01-01",
        "title": "业绩",
        "organiser": "机构",
        "content": "内容",
        "group": "学会",
        "post": "理事",
    }
    resp = client.post(section_url(draft, key, action="add"), data)
    assert resp.status_code == 400
    assert "结束时间不能早于开始时间。" in text(resp.content)
    assert not S.rows_qs(S.BY_KEY[key], declaration=draft).exists()


def test_work_experience_may_run_until_now(client, draft):
    resp = client.post(section_url(draft, "work", action="add"), ROWS["work"])
    assert resp.status_code == 302
    row = WorkExperience.objects.get(declaration=draft)
    assert row.until_now and row.end_date is None
    assert "结束时间（或勾选至今）" not in str(services.completeness(draft))
    assert "至今 是" in text(client.get(section_url(draft, "work", row.pk, action="detail")).content)


def test_work_experience_needs_an_end_or_until_now_and_not_both(client, draft):
    resp = client.post(section_url(draft, "work", action="add"), {**ROWS["work"], "end_date": "2020-01-01"})
    assert resp.status_code == 400
    assert "勾选“至今”时不要填写结束时间。" in text(resp.content)
    assert not WorkExperience.objects.filter(declaration=draft).exists()
    client.post(section_url(draft, "work", action="add"), {**ROWS["work"], "until_now": ""})
    problems = {m.section.key: m.problems for m in services.completeness(draft)}
    assert "第1条缺少：结束时间（或勾选至今）" in problems["work"]


def test_achievements_follow_the_activity_s_templates(client, draft, world):
    template = world.activity.achievement_templates.get(name="项目业绩")
    add = client.get(section_url(draft, "achievements_after", action="add"))
    assert "任职后业绩 · 项目业绩" in text(add.content) and "任职后业绩 · 获奖情况" in text(add.content)
    client.post(
        section_url(draft, "achievements_after", action="add"), {**ROWS["achievements_after"], "template": template.pk}
    )
    row = Achievement.objects.get(declaration=draft)
    assert row.phase == Achievement.Phase.AFTER and row.template == template
    edit = client.get(section_url(draft, "achievements_after", row.pk, action="edit"))
    for label in template.field_list:  # 项目名称, 本人角色, 起止时间, 项目规模及成效
        assert label in text(edit.content)
    client.post(
        section_url(draft, "achievements_after", row.pk, action="edit"),
        {**ROWS["achievements_after"], "template": template.pk, "detail_0": "某水库除险加固", "detail_1": "设计负责人"},
    )
    row.refresh_from_db()
    assert row.details["项目名称"] == "某水库除险加固" and row.details["本人角色"] == "设计负责人"
    detail = text(client.get(section_url(draft, "achievements_after", row.pk, action="detail")).content)
    assert "项目名称 某水库除险加固" in detail
    # before/after the current title are two lists over one table
    assert not S.rows_qs(S.BY_KEY["achievements_before"], declaration=draft).exists()


def test_choosing_a_template_re_renders_the_form_as_typed_with_the_template_s_fields(client, draft, world):
    template = world.activity.achievement_templates.get(name="获奖情况")
    add_url = section_url(draft, "achievements_after", action="add")
    select = re.search(r'<select name="template"[^>]*>', client.get(add_url).content.decode()).group(0)
    assert 'hx-get=""' in select and 'hx-select="form.row-form"' in select
    resp = client.get(add_url, {"title": "我输入的业绩", "template": template.pk}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    assert field_value(resp.content, "title") == "我输入的业绩"
    for i, label in enumerate(template.field_list):  # 奖项名称, 授奖单位, 获奖等级, 获奖时间
        assert f'<label for="id_detail_{i}">{label}</label>' in resp.content.decode()
    assert not Achievement.objects.exists()  # only shown, nothing saved
    resp = client.post(
        add_url, {**ROWS["achievements_after"], "template": template.pk, "detail_0": "大禹水利科学技术奖"}
    )
    assert resp.status_code == 302
    assert Achievement.objects.get(declaration=draft).details["奖项名称"] == "大禹水利科学技术奖"


def test_a_template_of_another_activity_is_refused(client, draft, world):
    foreign = world.committees[HEALTH_COMMITTEE].activities.get().achievement_templates.first()
    resp = client.post(
        section_url(draft, "achievements_after", action="add"), {**ROWS["achievements_after"], "template": foreign.pk}
    )
    assert resp.status_code == 400
    assert not Achievement.objects.filter(declaration=draft).exists()


# --------------------------------------------------------------------------------------------- photo
def test_a_photo_over_500_kb_is_refused_and_nothing_is_saved(client, draft, media):
    big = jpeg_noise_bytes(600 * 1024)
    assert len(big) > 600 * 1024
    resp = client.post(
        section_url(draft, "basic"), {**SINGLE_SECTIONS["basic"], "upload": upload("证件照.jpg", big, "image/jpeg")}
    )
    assert resp.status_code == 400
    assert "照片大小不能超过 500KB。" in text(resp.content)
    assert field_value(resp.content, "ethnicity") == "汉族"  # typed text stays on the page…
    assert BasicInfo.objects.get(declaration=draft).ethnicity == ""  # …but nothing was saved
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_a_photo_is_stored_and_replaced_by_a_new_one(client, draft, media, django_capture_on_commit_callbacks):
    client.post(section_url(draft, "basic"), {**SINGLE_SECTIONS["basic"], "upload": png_upload("旧照片.png")})
    first = Attachment.objects.get(declaration=draft, field="photo")
    assert not first.pending
    page = client.get(section_url(draft, "basic")).content.decode()
    assert reverse("declarations:attachment", args=[draft.pk, first.pk]) + "?inline=1" in page
    with django_capture_on_commit_callbacks(execute=True):  # the old file is deleted once the change commits
        resp = client.post(
            section_url(draft, "basic"), {**SINGLE_SECTIONS["basic"], "upload": png_upload("新照片.png")}
        )
    assert resp.status_code == 302
    photos = list(Attachment.objects.filter(declaration=draft, field="photo"))
    assert [p.display_name for p in photos] == ["新照片.jpg"]  # re-encoded from the pixels: a JPEG now
    assert len(stored_files(media)) == 1  # the old file is gone from storage too


def test_a_photo_sent_with_an_invalid_form_is_kept_and_attached_on_the_next_save(client, draft):
    resp = client.post(
        section_url(draft, "basic"),
        {**SINGLE_SECTIONS["basic"], "birth_date": "不是日期", "upload": png_upload("证件照.png")},
    )
    assert resp.status_code == 400
    kept = Attachment.objects.get(declaration=draft)
    assert kept.pending and kept.field == "photo"
    assert "已上传、将随本栏目保存：证件照.jpg" in text(resp.content)
    assert hidden_values(resp.content, "pending") == [str(kept.pk)]
    resp = client.post(section_url(draft, "basic"), {**SINGLE_SECTIONS["basic"], "pending": kept.pk})
    assert resp.status_code == 302
    kept.refresh_from_db()
    assert not kept.pending
    assert "未上传照片" not in str(services.completeness(draft))


# --------------------------------------------------------------------------------------------- materials, submit page
def test_committee_materials_are_listed_with_their_required_flag_and_uploaded_one_by_one(client, draft, world):
    page = text(client.get(section_url(draft, "materials")).content)
    for mat in world.activity.materials.all():
        assert mat.name in page
    idcard = world.activity.materials.get(name="身份证")
    resp = client.post(
        section_url(draft, "materials"), {"material": idcard.pk, "upload": pdf_upload("身份证正反面.pdf")}, follow=True
    )
    assert "“身份证”已上传。" in text(resp.content)
    att = Attachment.objects.get(declaration=draft, section="materials")
    assert att.field == f"material:{idcard.pk}"
    problems = {m.section.key: m.problems for m in services.completeness(draft)}["materials"]
    assert "未上传必传材料“身份证”" not in problems and "未上传必传材料“学历学位证书”" in problems
    assert not any("继续教育证明" in p for p in problems)  # optional material


def test_a_material_of_another_activity_is_refused(client, draft, world):
    foreign = world.committees[HEALTH_COMMITTEE].activities.get().materials.first()
    resp = client.post(section_url(draft, "materials"), {"material": foreign.pk, "upload": pdf_upload()}, follow=True)
    assert "请选择要上传的材料文件。" in text(resp.content)
    assert not Attachment.objects.exists()


def test_the_submit_page_lists_what_is_missing_per_section_with_links(client, draft):
    page = client.get(reverse("declarations:submit", args=[draft.pk]))
    html = page.content.decode()
    checklist = re.search(r'<ul class="checklist" id="checklist">.*?</ul>\s*</li>\s*</ul>', html, re.DOTALL).group(0)
    linked = re.findall(r'<a href="([^"]+)">([^<]+)</a>', checklist)
    assert "诚信承诺" in dict((t, u) for u, t in linked)
    for url, title in linked:
        key = next(s.key for s in S.SECTIONS if s.title == title)
        assert url == section_url(draft, key)
    titles = [t for _, t in linked]
    for expected in (
        "诚信承诺",
        "基本信息",
        "教育经历",
        "工作经历",
        "任职后主要专业技术工作业绩",
        "年度考核情况",
        "个人专业技术水平及业绩综述",
        "评委会需求材料",
    ):
        assert expected in titles
    assert "教育经历 至少填写 1 条" in text(checklist)
    assert "未上传必传材料“单位推荐意见表”" in text(checklist)
    assert re.search(r"<button[^>]*disabled[^>]*>确认提交</button>", html)
    resp = client.post(reverse("declarations:submit", args=[draft.pk]))
    assert resp.status_code == 400 and services.MSG_INCOMPLETE in text(resp.content)
    assert Declaration.objects.get(pk=draft.pk).status == Declaration.Status.DRAFT


def test_a_complete_dossier_has_nothing_missing_and_may_be_submitted(client, complete):
    page = client.get(reverse("declarations:submit", args=[complete.pk]))
    assert "所有必填栏目均已完成" in text(page.content)
    assert 'id="checklist"' not in page.content.decode()
    assert "已完成" in text(overview(client, complete).content) and "待完善" not in text(
        overview(client, complete).content
    )
