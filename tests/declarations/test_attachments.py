"""DCL-3 attachments: image or PDF decided by content, size limits, images re-encoded, active PDFs refused,
generated storage names, served only to people who may see the dossier (404 otherwise), replace and delete while
the dossier is a draft."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image, PngImagePlugin

from common import uploads
from declarations import services
from declarations.models import Attachment, Declaration, Education

from .conftest import ROWS, client_for, new_applicant, section_url, start_declaration, submit
from .helpers import (
    bomb_png_bytes,
    pdf_bytes,
    pdf_upload,
    pdf_with,
    png_bytes,
    png_upload,
    raw_multipart,
    stored_files,
    text,
    upload,
)

KEY_RE = re.compile(r"^attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|jpg|png)$")

BAD_FILES = {
    "exe-renamed-pdf": ("申报材料.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500, uploads.MSG_TYPE),
    "html-renamed-jpg": (
        "照片.jpg",
        b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
        uploads.MSG_TYPE,
    ),
    "pdf-openaction-javascript": ("论文.pdf", pdf_bytes(javascript="app.alert('x')"), uploads.MSG_PDF_SCRIPT),
    "pdf-launch-action": ("报告.pdf", pdf_with(launch=True), uploads.MSG_PDF_LAUNCH),
    "pdf-embedded-file": ("证书.pdf", pdf_with(embedded=True), uploads.MSG_PDF_EMBEDDED),
    "encrypted-pdf": ("加密.pdf", pdf_bytes(encrypt="secret"), uploads.MSG_PDF_ENCRYPTED),
    "truncated-pdf": ("不完整.pdf", pdf_bytes()[:250], uploads.MSG_PDF_CORRUPT),
    "decompression-bomb-png": ("扫描件.png", bomb_png_bytes(), uploads.MSG_IMAGE_TOO_BIG),
    "svg-image": (
        "图.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        uploads.MSG_TYPE,
    ),
    "empty-file": ("空.pdf", b"", uploads.MSG_EMPTY),
}


def materials_post(client, d, material, f, **extra):
    return client.post(section_url(d, "materials"), {"material": material.pk, "upload": f, **extra}, follow=True)


@pytest.fixture
def idcard(world):
    return world.activity.materials.get(name="身份证")


# --------------------------------------------------------------------------------------------- bad files
@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_bad_file_is_refused_on_the_materials_page_and_nothing_is_stored(client, draft, idcard, media, case):
    name, data, message = BAD_FILES[case]
    resp = materials_post(client, draft, idcard, upload(name, data))
    assert f"“身份证”上传失败：{message}" in text(resp.content)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("case", ["exe-renamed-pdf", "pdf-openaction-javascript", "decompression-bomb-png"])
def test_a_bad_file_on_a_row_form_is_refused_and_the_row_is_not_saved(client, draft, media, case):
    name, data, message = BAD_FILES[case]
    resp = client.post(
        section_url(draft, "education", action="add"), {**ROWS["education"], "upload": upload(name, data)}
    )
    assert resp.status_code == 400
    assert message in text(resp.content)
    assert not Education.objects.filter(declaration=draft).exists()
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_html_renamed_jpg_is_refused_as_the_photo_too(client, draft, media):
    name, data, _ = BAD_FILES["html-renamed-jpg"]
    resp = client.post(section_url(draft, "basic"), {"ethnicity": "汉族", "upload": upload(name, data, "image/jpeg")})
    assert resp.status_code == 400
    assert uploads.MSG_TYPE_IMAGE in text(resp.content)
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_a_pdf_is_no_photo(client, draft, media):
    resp = client.post(section_url(draft, "basic"), {"upload": pdf_upload("照片.pdf")})
    assert resp.status_code == 400 and uploads.MSG_TYPE_IMAGE in text(resp.content)
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, draft, idcard, media):
    too_big = b"%PDF-1.4\n" + b"0" * (uploads.MAX_FILE_BYTES - 8)
    assert len(too_big) == uploads.MAX_FILE_BYTES + 1
    resp = materials_post(client, draft, idcard, upload("扫描件.pdf", too_big))
    assert "文件大小不能超过 10 MB。" in text(resp.content)
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_the_whole_dossier_has_a_size_limit_too(client, draft, world, idcard, media, monkeypatch):
    monkeypatch.setattr(services, "MAX_DOSSIER_BYTES", 1024 * 1024)
    big = pdf_with(padding=700 * 1024)
    assert "已上传" in text(materials_post(client, draft, idcard, upload("一.pdf", big)).content)
    diploma = world.activity.materials.get(name="学历学位证书")
    resp = materials_post(client, draft, diploma, upload("二.pdf", big))
    assert "本次申报的附件总大小不能超过 1 MB。" in text(resp.content)
    assert Attachment.objects.count() == 1 and len(stored_files(media)) == 1


# --------------------------------------------------------------------------------------------- file names
@pytest.mark.parametrize(
    ("raw_name", "reason"),
    [
        (b"../../../../etc/passwd.pdf", "文件名不能包含路径符号"),
        (b"..\\..\\windows\\win.ini.pdf", "文件名不能包含路径符号"),
        ("证书\x00.exe.pdf".encode(), "文件名不能包含控制字符"),
        (("长" * 300 + ".pdf").encode(), "文件名不能超过200个字符"),
    ],
    ids=["dot-dot-slash", "backslashes", "nul", "300-characters"],
)
def test_a_forged_file_name_is_refused_with_a_message_and_nothing_is_stored(
    client, draft, idcard, media, raw_name, reason
):
    body, content_type = raw_multipart({"material": idcard.pk}, "upload", raw_name, pdf_bytes())
    resp = client.post(section_url(draft, "materials"), data=body, content_type=content_type, follow=True)
    page = text(resp.content)
    assert reason in page and "请重命名文件后重新上传" in page
    assert not Attachment.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize(
    ("raw_name", "expected"),
    [
        ("a\u202egnp.pdf".encode(), "agnp.pdf"),  # right-to-left override: shown without it
        (("长" * 150 + ".pdf").encode(), "长" * 96 + ".pdf"),  # accepted, shortened for display
    ],
    ids=["rtl-override", "150-characters"],
)
def test_an_acceptable_file_name_never_reaches_storage_and_is_shown_sanitised(
    client, draft, idcard, media, raw_name, expected
):
    body, content_type = raw_multipart({"material": idcard.pk}, "upload", raw_name, pdf_bytes())
    resp = client.post(section_url(draft, "materials"), data=body, content_type=content_type)
    assert resp.status_code == 302
    att = Attachment.objects.get()
    assert att.display_name == expected and len(att.display_name) <= uploads.MAX_NAME_CHARS
    assert KEY_RE.match(att.file.name), att.file.name
    files = stored_files(media)
    assert len(files) == 1 and files[0].resolve().is_relative_to(media.resolve())
    download = client.get(reverse("declarations:attachment", args=[draft.pk, att.pk]))
    disposition = download["Content-Disposition"]
    assert "/" not in disposition.split("filename", 1)[1].replace("UTF-8''", "") and "\x00" not in disposition


def test_a_file_named_only_dot_dot_is_no_upload_at_all(client, draft, idcard, media):
    body, content_type = raw_multipart({"material": idcard.pk}, "upload", b"..", pdf_bytes())
    resp = client.post(section_url(draft, "materials"), data=body, content_type=content_type, follow=True)
    assert "请选择要上传的材料文件。" in text(resp.content)
    assert not Attachment.objects.exists() and stored_files(media) == []


# --------------------------------------------------------------------------------------------- good files
def test_good_files_are_stored_under_generated_names_with_the_type_of_their_content(
    client, draft, idcard, world, media
):
    materials_post(client, draft, idcard, upload("我的身份证扫描件.jpg", pdf_bytes(), "image/jpeg"))  # really a PDF
    diploma = world.activity.materials.get(name="学历学位证书")
    materials_post(client, draft, diploma, upload("毕业证书.pdf", png_bytes(), "application/pdf"))  # really a PNG
    pdf_att, img_att = Attachment.objects.order_by("pk")
    assert (pdf_att.content_type, pdf_att.extension, pdf_att.display_name) == (
        "application/pdf",
        ".pdf",
        "我的身份证扫描件.pdf",
    )
    assert (img_att.content_type, img_att.extension, img_att.display_name) == ("image/jpeg", ".jpg", "毕业证书.jpg")
    for att in (pdf_att, img_att):
        assert KEY_RE.match(att.file.name), att.file.name
        assert "身份证" not in att.file.name and "毕业" not in att.file.name
    assert pdf_att.file.name.endswith(".pdf") and img_att.file.name.endswith(".jpg")  # never the client's extension
    assert len(stored_files(media)) == 2


def test_images_are_re_encoded_without_their_metadata(client, draft, idcard, media):
    im = Image.new("RGB", (20, 20), (10, 120, 200))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 30.6586N 104.0647E secret-marker")
    buf = io.BytesIO()
    im.save(buf, "PNG", pnginfo=info)
    materials_post(client, draft, idcard, upload("扫描件.png", buf.getvalue() + b"TRAILING-PAYLOAD", "image/png"))
    att = Attachment.objects.get()
    stored = att.file.open("rb").read()
    att.file.close()
    assert b"secret-marker" not in stored and b"TRAILING-PAYLOAD" not in stored
    assert Image.open(io.BytesIO(stored)).size == (20, 20)


def test_a_clean_pdf_is_kept_byte_for_byte_and_downloaded_by_its_owner_as_an_attachment(client, draft, idcard):
    data = pdf_bytes()
    materials_post(client, draft, idcard, upload("身份证.pdf", data))
    att = Attachment.objects.get()
    resp = client.get(reverse("declarations:attachment", args=[draft.pk, att.pk]))
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == data
    assert resp["Content-Type"] == "application/pdf"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%e8%ba%ab%e4%bb%bd%e8%af%81.pdf" in resp["Content-Disposition"].lower()
    assert "sandbox" in resp["Content-Security-Policy"]
    assert "no-store" in resp["Cache-Control"]


def test_the_preview_is_inline_and_sandboxed(client, draft, idcard):
    materials_post(client, draft, idcard, png_upload("身份证.png"))
    att = Attachment.objects.get()
    resp = client.get(reverse("declarations:attachment", args=[draft.pk, att.pk]), {"inline": "1"})
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    assert resp["Content-Disposition"].startswith("inline;")
    assert resp["X-Content-Type-Options"] == "nosniff" and "sandbox" in resp["Content-Security-Policy"]


# --------------------------------------------------------------------------------------------- replace and delete
def test_an_attachment_is_deleted_while_the_dossier_is_a_draft(
    client, draft, idcard, media, django_capture_on_commit_callbacks
):
    materials_post(client, draft, idcard, pdf_upload("身份证.pdf"))
    att = Attachment.objects.get()
    assert len(stored_files(media)) == 1
    back = section_url(draft, "materials")
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("declarations:attachment_delete", args=[draft.pk, att.pk]), {"back": back}, follow=True
        )
    assert "附件“身份证.pdf”已删除。" in text(resp.content)
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_deleting_a_row_deletes_its_attachments(client, draft, media, django_capture_on_commit_callbacks):
    client.post(
        section_url(draft, "education", action="add"), {**ROWS["education"], "upload": pdf_upload("学位证.pdf")}
    )
    row = Education.objects.get(declaration=draft)
    assert Attachment.objects.get().row_id == row.pk
    with django_capture_on_commit_callbacks(execute=True):
        client.post(section_url(draft, "education", row.pk, action="delete"))
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_the_photo_is_replaced_by_a_new_one(client, draft, media, django_capture_on_commit_callbacks):
    client.post(section_url(draft, "basic"), {"upload": png_upload("一寸照.png", colour=(1, 2, 3))})
    old = Attachment.objects.get(field="photo")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(section_url(draft, "basic"), {"upload": png_upload("新一寸照.png", colour=(200, 200, 200))})
    new = Attachment.objects.get(field="photo")
    assert new.pk != old.pk and new.display_name == "新一寸照.jpg"
    assert [p.name for p in stored_files(media)] == [new.file.name.rsplit("/", 1)[1]]


def test_a_delete_back_link_cannot_leave_the_site(client, draft, idcard):
    materials_post(client, draft, idcard, pdf_upload())
    att = Attachment.objects.get()
    resp = client.post(
        reverse("declarations:attachment_delete", args=[draft.pk, att.pk]), {"back": "https://evil.example/phish"}
    )
    assert resp["Location"] == reverse("declarations:overview", args=[draft.pk])
    att2 = materials_post(client, draft, idcard, pdf_upload()) and Attachment.objects.get()
    resp = client.post(reverse("declarations:attachment_delete", args=[draft.pk, att2.pk]), {"back": "//evil.example/"})
    assert resp["Location"] == reverse("declarations:overview", args=[draft.pk])


# --------------------------------------------------------------------------------------------- who may see it
def _urls(d, att, row) -> dict[str, str]:
    return {
        "overview": reverse("declarations:overview", args=[d.pk]),
        "view": reverse("declarations:view", args=[d.pk]),
        "pdf": reverse("declarations:pdf", args=[d.pk]),
        "submit": reverse("declarations:submit", args=[d.pk]),
        "withdraw": reverse("declarations:withdraw", args=[d.pk]),
        "abandon": reverse("declarations:abandon", args=[d.pk]),
        "row_detail": section_url(d, "education", row.pk, action="detail"),
        "row_edit": section_url(d, "education", row.pk, action="edit"),
        "row_delete": section_url(d, "education", row.pk, action="delete"),
        "row_add": section_url(d, "education", action="add"),
        "attachment": reverse("declarations:attachment", args=[d.pk, att.pk]),
        "preview": reverse("declarations:attachment", args=[d.pk, att.pk]) + "?inline=1",
        **{
            f"section:{key}": section_url(d, key)
            for key in (
                "commitment",
                "basic",
                "social_insurance",
                "education",
                "work",
                "summary",
                "materials",
                "others",
            )
        },
    }


@pytest.fixture
def dossier_with_row(client, draft, idcard):
    client.post(
        section_url(draft, "education", action="add"), {**ROWS["education"], "upload": pdf_upload("学位证.pdf")}
    )
    materials_post(client, draft, idcard, pdf_upload("身份证.pdf"))
    return draft, Education.objects.get(declaration=draft), Attachment.objects.filter(section="materials").get()


def _assert_404_everywhere(c: Client, d, att, row):
    for name, url in _urls(d, att, row).items():
        assert c.get(url).status_code == 404, ("GET", name)
    posts = {
        "row_edit": (section_url(d, "education", row.pk, action="edit"), {**ROWS["education"], "school": "篡改"}),
        "row_delete": (section_url(d, "education", row.pk, action="delete"), {}),
        "row_add": (section_url(d, "education", action="add"), ROWS["education"]),
        "basic": (section_url(d, "basic"), {"ethnicity": "篡改"}),
        "materials": (section_url(d, "materials"), {"material": att.field.split(":")[1], "upload": pdf_upload()}),
        "attachment_delete": (reverse("declarations:attachment_delete", args=[d.pk, att.pk]), {}),
        "submit": (reverse("declarations:submit", args=[d.pk]), {}),
        "withdraw": (reverse("declarations:withdraw", args=[d.pk]), {}),
        "abandon": (reverse("declarations:abandon", args=[d.pk]), {}),
    }
    for name, (url, data) in posts.items():
        assert c.post(url, data).status_code == 404, ("POST", name)


def _unchanged(d, row, att):
    row.refresh_from_db()
    assert row.school == "四川大学"
    assert Attachment.objects.filter(pk=att.pk).exists()
    assert Attachment.objects.filter(declaration=d).count() == 2
    assert Education.objects.filter(declaration=d).count() == 1
    d.refresh_from_db()
    assert d.status == "draft" and d.basic.ethnicity == ""


def test_another_applicant_guessing_ids_gets_404_everywhere(dossier_with_row, world):
    d, row, att = dossier_with_row
    other = client_for(new_applicant("李好奇"))
    _assert_404_everywhere(other, d, att, row)
    _unchanged(d, row, att)


def test_an_operator_of_an_unrelated_unit_gets_404_everywhere_even_after_submission(client, dossier_with_row, world):
    d, row, att = dossier_with_row
    outsider = client_for(world.other_op)
    _assert_404_everywhere(outsider, d, att, row)
    _unchanged(d, row, att)
    Declaration.objects.filter(pk=d.pk).update(status=Declaration.Status.SUBMITTED)
    for name in ("view", "pdf", "attachment", "preview", "overview"):
        assert outsider.get(_urls(d, att, row)[name]).status_code == 404, name
    # while the unit's own operator now sees it
    assert client_for(world.unit_op).get(_urls(d, att, row)["view"]).status_code == 200


def test_the_applicant_s_own_unit_sees_nothing_of_a_draft(dossier_with_row, world):
    d, row, att = dossier_with_row
    unit = client_for(world.unit_op)
    assert unit.get(reverse("declarations:view", args=[d.pk])).status_code == 404
    assert unit.get(reverse("declarations:attachment", args=[d.pk, att.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_the_same_way_for_real_and_made_up_ids(dossier_with_row):
    d, row, att = dossier_with_row
    anon = Client()
    real = _urls(d, att, row)
    for name, url in real.items():
        resp = anon.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith(reverse("login")), name
        assert b"%PDF" not in resp.content
    made_up = anon.get(reverse("declarations:attachment", args=[d.pk + 1000, att.pk + 1000]))
    assert made_up.status_code == 302 and made_up["Location"].startswith(reverse("login"))
    assert anon.post(reverse("declarations:attachment_delete", args=[d.pk, att.pk])).status_code == 302
    assert Attachment.objects.filter(pk=att.pk).exists()


def test_an_attachment_id_of_another_dossier_is_404_under_my_dossier(client, dossier_with_row, world):
    d, row, att = dossier_with_row
    other = client_for(new_applicant("王邻居"))
    theirs = start_declaration(other, world)
    # my attachment addressed under their dossier, and the reverse
    assert other.get(reverse("declarations:attachment", args=[theirs.pk, att.pk])).status_code == 404
    assert other.post(reverse("declarations:attachment_delete", args=[theirs.pk, att.pk])).status_code == 404
    assert client.get(reverse("declarations:attachment", args=[theirs.pk, att.pk])).status_code == 404
    assert Attachment.objects.filter(pk=att.pk).exists()


def test_the_unit_s_operator_downloads_attachments_once_the_dossier_is_submitted(client, complete, world):
    submit(client, complete)
    att = Attachment.objects.filter(declaration=complete, section="materials").first()
    reviewer = client_for(world.unit_op)
    resp = reviewer.get(reverse("declarations:attachment", args=[complete.pk, att.pk]))
    assert resp.status_code == 200 and resp["X-Content-Type-Options"] == "nosniff"
    # …but never an unrelated unit's operator
    assert (
        client_for(world.other_op).get(reverse("declarations:attachment", args=[complete.pk, att.pk])).status_code
        == 404
    )
