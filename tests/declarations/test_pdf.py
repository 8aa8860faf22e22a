"""DCL-6 the declaration form (申报表) as an A4 PDF through WeasyPrint: offered to the applicant once qualification
review has passed and to reviewers at any time; text extractable, Chinese fonts embedded, attachments listed."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from declarations import sections as S
from declarations.models import (
    Achievement,
    Assessment,
    ContinuingEducation,
    Declaration,
    Education,
    ExamResult,
    OtherAttachment,
    ProvincialCertificate,
    Publication,
    QualificationHeld,
    SocialGroupPost,
    SocialInsurance,
    TitleObtained,
    Training,
    WorkExperience,
)

from .conftest import HYDRO_BUREAU, client_for, new_applicant, section_url, start_declaration, submit
from .helpers import pdf_upload

SCRIPT = "<script>alert(1)</script>"


def pdf_url(d) -> str:
    return reverse("declarations:pdf", args=[d.pk])


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages)


def flat(s: str) -> str:
    return "".join(s.split())


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def fonts_of(data: bytes) -> dict[str, bool]:
    """{font name: embedded?} over every page: a font is embedded when its descriptor carries a font file."""
    out: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = _resolve(_resolve(page["/Resources"]).get("/Font", {}))
        for ref in fonts.values():
            font = _resolve(ref)
            descendants = [_resolve(f) for f in _resolve(font.get("/DescendantFonts", []))] or [font]
            for f in descendants:
                desc = _resolve(f.get("/FontDescriptor", {}))
                out[str(f.get("/BaseFont"))] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return out


@pytest.fixture
def submitted(client, complete, django_capture_on_commit_callbacks) -> Declaration:
    with django_capture_on_commit_callbacks(execute=True):
        return submit(client, complete)


# --------------------------------------------------------------------------------------------- who may print
def test_the_applicant_gets_no_pdf_before_qualification_review_has_passed(client, submitted):
    assert client.get(pdf_url(submitted)).status_code == 404
    overview = client.get(reverse("declarations:overview", args=[submitted.pk])).content.decode()
    assert pdf_url(submitted) not in overview and "资格审查通过后可打印申报表" in overview


def test_the_applicant_prints_once_qualification_review_has_passed(client, submitted):
    Declaration.objects.filter(pk=submitted.pk).update(qualification_passed=True)
    overview = client.get(reverse("declarations:overview", args=[submitted.pk])).content.decode()
    assert pdf_url(submitted) in overview
    resp = client.get(pdf_url(submitted))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment;") and resp["X-Content-Type-Options"] == "nosniff"
    assert resp.content.startswith(b"%PDF-")


def test_a_reviewer_prints_at_any_time_after_submission_but_not_a_draft(
    client, complete, world, django_capture_on_commit_callbacks
):
    reviewer = client_for(world.unit_op)
    assert reviewer.get(pdf_url(complete)).status_code == 404  # a draft is the applicant's own
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, complete)
    resp = reviewer.get(pdf_url(complete))
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")
    assert client_for(world.other_op).get(pdf_url(complete)).status_code == 404
    assert client_for(new_applicant("旁人")).get(pdf_url(complete)).status_code == 404


# --------------------------------------------------------------------------------------------- contents
def test_the_pdf_carries_the_name_the_id_number_and_every_section_with_fonts_embedded(submitted, world):
    resp = client_for(world.unit_op).get(pdf_url(submitted))
    body = flat(pdf_text(resp.content))
    applicant = submitted.applicant
    assert flat(applicant.name) in body and applicant.id_number in body
    assert "专业技术职称申报表" in body and flat(HYDRO_BUREAU) in body and "高级工程师" in body
    for s in S.sections_for(submitted):
        assert flat(s.title) in body, s.title
    fonts = fonts_of(resp.content)
    assert fonts and all(fonts.values()), fonts
    reader = PdfReader(io.BytesIO(resp.content))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_attachments_are_listed_by_their_display_names(submitted, world):
    body = flat(pdf_text(client_for(world.unit_op).get(pdf_url(submitted)).content))
    for mat in submitted.activity.materials.filter(required=True):
        assert flat(f"{mat.name}.pdf") in body, mat.name  # fill_complete uploads "<material>.pdf"
    assert "未上传" in body  # the optional 继续教育证明 was not uploaded


def test_a_script_in_the_name_is_printed_literally(world, django_capture_on_commit_callbacks):
    from .conftest import fill_complete

    c = client_for(new_applicant(SCRIPT))
    d = start_declaration(c, world)
    fill_complete(c, d)
    with django_capture_on_commit_callbacks(execute=True):
        submit(c, d)
    Declaration.objects.filter(pk=d.pk).update(qualification_passed=True)
    body = pdf_text(c.get(pdf_url(d)).content)
    assert SCRIPT in flat(body)  # the characters themselves, not markup and not "&lt;"
    assert "&lt;" not in body


# --------------------------------------------------------------------------------------------- a full dossier
ROW_FACTORIES = {
    Education: lambda i: {
        "start_date": dt.date(1995 + 4 * i, 9, 1),
        "end_date": dt.date(1999 + 4 * i, 7, 1),
        "school": f"第{i}所大学",
        "major": "水利水电工程",
        "education": "大学本科",
        "degree": "学士",
    },
    QualificationHeld: lambda i: {
        "title": f"资格{i}",
        "series_name": "工程系列",
        "obtained_on": dt.date(2010 + i, 1, 1),
        "issuer": "四川省人力资源和社会保障厅",
        "certificate_no": f"Q{i:06d}",
    },
    TitleObtained: lambda i: {
        "name": f"职称{i}",
        "grade": "中级",
        "obtained_on": dt.date(2012 + i, 1, 1),
        "issuer": "人社厅",
    },
    ProvincialCertificate: lambda i: {
        "name": f"证书{i}",
        "certificate_no": f"P{i:06d}",
        "obtained_on": dt.date(2015, 1, i),
    },
    WorkExperience: lambda i: {
        "start_date": dt.date(2000 + 5 * i, 1, 1),
        "end_date": dt.date(2004 + 5 * i, 12, 31),
        "unit_name": f"{HYDRO_BUREAU}第{i}分局",
        "position": "工程师",
        "duties": "负责水文测验、水资源调查评价与防汛测报工作，" * 3,
    },
    Training: lambda i: {
        "start_date": dt.date(2018, i, 1),
        "end_date": dt.date(2018, i, 10),
        "organiser": "水利部",
        "content": f"培训{i}：大坝安全管理与除险加固技术",
    },
    Achievement: lambda i: {
        "phase": "before" if i % 2 else "after",
        "title": f"业绩{i}：某中型水库除险加固工程",
        "start_date": dt.date(2016, i, 1),
        "description": "主持设计并负责技术把关，" * 10,
        "details": {"项目名称": f"项目{i}", "本人角色": "技术负责人"},
    },
    Publication: lambda i: {
        "title": f"论文{i}：山区小流域洪水预报方法研究",
        "kind": "论文",
        "venue": "水利学报",
        "published_on": dt.date(2019, i, 1),
        "author_rank": "第一作者",
    },
    ExamResult: lambda i: {"exam": f"考试{i}", "subject": "专业知识", "score": "85", "exam_date": dt.date(2020, i, 1)},
    Assessment: lambda i: {"year": 2019 + i, "result": "excellent", "assessor": HYDRO_BUREAU},
    SocialGroupPost: lambda i: {"group": f"四川省水利学会{i}", "post": "理事", "start_date": dt.date(2018, 1, 1)},
    ContinuingEducation: lambda i: {
        "year": 2019 + i,
        "content": "专业科目学习",
        "hours": 90,
        "organiser": "继续教育基地",
    },
    OtherAttachment: lambda i: {"description": f"加分材料{i}"},
}


def test_a_full_dossier_renders_and_its_render_time_is_recorded(
    client, complete, world, capsys, artifacts, django_capture_on_commit_callbacks
):
    d = complete
    for model, make in ROW_FACTORIES.items():
        for i in range(1, 5):
            model.objects.create(declaration=d, sort=10 + i, **make(i))
    for i in range(1, 4):
        SocialInsurance.objects.create(
            id_number=d.applicant.id_number,
            unit_name=f"参保单位{i}",
            start_month=dt.date(2000 + 5 * i, 1, 1),
            end_month=dt.date(2004 + 5 * i, 12, 1),
        )
    for row in S.rows_qs(S.BY_KEY["education"], declaration=d)[:3]:
        data = {f: getattr(row, f) for f in ("start_date", "end_date", "school", "major", "education", "degree")}
        resp = client.post(
            section_url(d, "education", row.pk, action="edit"),
            {**data, "upload": pdf_upload(f"{row.school}毕业证.pdf")},
        )
        assert resp.status_code == 302
    for row in S.rows_qs(S.BY_KEY["others"], declaration=d):  # each 其他附件 row needs its file
        resp = client.post(
            section_url(d, "others", row.pk, action="edit"),
            {"description": row.description, "upload": pdf_upload(f"{row.description}.pdf")},
        )
        assert resp.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, d)
    Declaration.objects.filter(pk=d.pk).update(qualification_passed=True)

    timings = []
    for _ in range(2):
        started = time.perf_counter()
        resp = client.get(pdf_url(d))
        timings.append(time.perf_counter() - started)
        assert resp.status_code == 200
    reader = PdfReader(io.BytesIO(resp.content))
    body = flat(pdf_text(resp.content))
    assert len(reader.pages) >= 5
    for probe in (
        "第3所大学",
        "业绩4：某中型水库除险加固工程",
        "论文2：山区小流域洪水预报方法研究",
        "四川省水利学会4",
        "参保单位3",
        "第1所大学毕业证.pdf",
        "项目名称",
        "加分材料4",
    ):
        assert flat(probe) in body, probe
    assert all(fonts_of(resp.content).values())
    (artifacts / "declarations-form.pdf").write_bytes(resp.content)  # for a human to look at
    with capsys.disabled():
        print(
            f"\n申报表 PDF, full dossier ({len(reader.pages)} pages, {len(resp.content) // 1024} KB): "
            f"first render {timings[0]:.3f} s, second render {timings[1]:.3f} s (HTTP, in-process)"
        )
