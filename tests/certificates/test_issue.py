"""CRT-1 numbering, CRT-2 issuing with the PDF outbox, CRT-3 my certificates / download / revocation / public
verification, CRT-4 the ministry report — through HTTP, on declarations approved by the real review chain."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certificates import services
from certificates.models import Certificate, IssueBatch, IssuingUnit, MinistryReport, NumberRange
from declarations.models import Declaration
from tests.certificates.conftest import CITY_HR, ROOT_CODE, approved_declaration
from tests.workflow.helpers import client_for, submitted

pytestmark = pytest.mark.django_db


def text(resp) -> str:
    return resp.content.decode()


def issue(world, decls, oncommit, **extra):
    data = {"org": world.root.pk, "declaration": [d.pk for d in decls], "scope": "selected", **extra}
    with oncommit():
        return client_for(world.root_op).post(reverse("certificates:issue"), data, follow=True)


def state(d: Declaration) -> tuple:
    return (Certificate.objects.count(), IssueBatch.objects.count(),
            list(NumberRange.objects.values_list("next_seq", flat=True)), Declaration.objects.get(pk=d.pk).status)


# --------------------------------------------------------------------------------------------- CRT-1
def test_numbers_come_from_the_unit_pool_in_order_and_the_pool_extends_itself(world):
    unit = IssuingUnit.objects.get(code=ROOT_CODE)
    year = timezone.localdate().year
    services.number_range_create(user=world.root_op, issuing_unit=unit, year=year, start=1, end=2)
    with transaction.atomic():
        first = services.numbers_take(issuing_unit=unit, year=year, count=3)
    assert first == [f"{year}{ROOT_CODE}000001", f"{year}{ROOT_CODE}000002", f"{year}{ROOT_CODE}000003"]
    ranges = list(NumberRange.objects.filter(issuing_unit=unit).order_by("start"))
    assert [(r.start, r.end, r.auto) for r in ranges] == [(1, 2, False), (3, 1002, True)]
    with transaction.atomic():
        assert services.numbers_take(issuing_unit=unit, year=year, count=1) == [f"{year}{ROOT_CODE}000004"]


def test_a_number_range_overlapping_another_is_refused_on_the_page(world):
    unit = IssuingUnit.objects.get(code=ROOT_CODE)
    c = client_for(world.root_op)
    url = reverse("certificates:unit_ranges", args=[unit.pk])
    assert c.post(url, {"year": 2026, "start": 1, "end": 100}).status_code == 302
    resp = c.post(url, {"year": 2026, "start": 50, "end": 150})
    assert "重叠" in text(resp) and 'value="150"' in text(resp)
    assert NumberRange.objects.filter(issuing_unit=unit).count() == 1


def test_issuing_unit_codes_are_added_unique_and_cancelled_with_a_reason(world):
    c = client_for(world.root_op)
    city = world.orgs[CITY_HR]
    resp = c.post(reverse("certificates:units"), {"org": city.pk, "code": "5114"}, follow=True)
    assert "已添加发证单位编码 5114" in text(resp)
    unit = IssuingUnit.objects.get(code="5114")
    resp = c.post(reverse("certificates:units"), {"org": world.orgs["眉山市水务局"].pk, "code": "5114"})
    assert "已被使用" in text(resp)
    resp = c.post(reverse("certificates:unit_cancel", args=[unit.pk]), {"reason": ""})
    assert "请填写注销原因" in text(resp)
    assert IssuingUnit.objects.get(pk=unit.pk).is_active
    c.post(reverse("certificates:unit_cancel", args=[unit.pk]), {"reason": "机构调整"})
    unit.refresh_from_db()
    assert not unit.is_active and unit.cancel_reason == "机构调整"
    export = c.get(reverse("certificates:units"), {"export": "xlsx"})
    ws = load_workbook(__import__("io").BytesIO(export.content)).active
    assert ["5114", CITY_HR, "已注销", "机构调整"] in [list(r) for r in ws.iter_rows(values_only=True)]


def test_certificate_numbers_are_unique_in_the_database(world, oncommit):
    d = approved_declaration(world)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    dup = Certificate.objects.filter(pk=cert.pk).values()[0]
    dup.update(id=None, declaration_id=None, token=__import__("uuid").uuid4())
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(**dup)


# --------------------------------------------------------------------------------------------- CRT-2
def test_the_final_org_lists_approved_declarations_and_issues_them_with_their_pdfs(world, oncommit):
    d1, d2 = approved_declaration(world), approved_declaration(world, unit=world.orgs["眉山市私营企业"])
    page = client_for(world.root_op).get(reverse("certificates:issue"))
    assert d1.applicant.name in text(page) and "发放证书" in text(page)
    resp = issue(world, [d1, d2], oncommit, document_number="川人社职〔2026〕1号")
    assert "已发放 2 本证书" in text(resp)
    batch = IssueBatch.objects.get()
    certs = list(Certificate.objects.order_by("number"))
    year = timezone.localdate().year
    assert [c.number for c in certs] == [f"{year}{ROOT_CODE}000001", f"{year}{ROOT_CODE}000002"]
    c1 = Certificate.objects.get(declaration=d1)
    assert (c1.holder_name, c1.holder_id_number, c1.qualification, c1.series, c1.committee, c1.document_number,
            c1.issuing_org_name, c1.batch_id) == (
        d1.applicant.name, d1.applicant.id_number, d1.qualification.name, d1.series.name, d1.committee.name,
        "川人社职〔2026〕1号", world.root.name, batch.pk)
    # No Redis here: the Celery task ran eagerly on commit, so the batch page shows it all done.
    for c in certs:
        assert c.pdf_state == Certificate.PdfState.DONE, c.pdf_error
        data = default_storage.open(c.pdf_file).read()
        assert hashlib.sha256(data).hexdigest() == c.pdf_sha256 and data.startswith(b"%PDF-")
        assert c.pdf_file == f"certificates/{ROOT_CODE}/{c.number}.pdf"
    progress = client_for(world.root_op).get(reverse("certificates:batch_progress", args=[batch.pk]))
    assert "data-done>2<" in text(progress) and "全部完成" in text(progress)
    # Issued declarations leave the list.
    assert d1.applicant.name not in text(client_for(world.root_op).get(reverse("certificates:issue")))


def test_issue_all_matching_the_query(world, oncommit):
    _d1, d2 = approved_declaration(world), approved_declaration(world)
    with oncommit():
        resp = client_for(world.root_op).post(reverse("certificates:issue"), {"org": world.root.pk, "scope": "all",
                                                                              "q": d2.applicant.name}, follow=True)
    assert "已发放 1 本证书" in text(resp)
    assert list(Certificate.objects.values_list("declaration_id", flat=True)) == [d2.pk]


def test_issuing_for_a_declaration_that_is_not_approved_is_refused_and_changes_nothing(world, oncommit):
    d_ok = approved_declaration(world)
    _a, _c, d_pending = submitted(world, world.orgs["东坡区私营企业"])
    before = state(d_pending)
    resp = issue(world, [d_ok, d_pending], oncommit)
    assert "尚未评审通过，不能发放证书" in text(resp)
    assert state(d_pending) == before and Certificate.objects.count() == 0


def test_issuing_twice_is_refused(world, oncommit):
    d = approved_declaration(world)
    issue(world, [d], oncommit)
    number = Certificate.objects.get().number
    resp = issue(world, [d], oncommit)
    assert f"证书已经发放（证书编号 {number}），不能重复发放" in text(resp)
    assert Certificate.objects.count() == 1 and IssueBatch.objects.count() == 1


def test_only_the_final_org_issues(world):
    d = approved_declaration(world)
    city_op = world.ops[CITY_HR]
    IssuingUnit.objects.create(code="5114", org=world.orgs[CITY_HR])
    resp = client_for(city_op).post(reverse("certificates:issue"),
                                    {"org": world.orgs[CITY_HR].pk, "declaration": [d.pk]}, follow=True)
    assert "不由本单位发证" in text(resp) and Certificate.objects.count() == 0
    # An org the user does not manage: 404; an applicant has no certificate pages at all.
    assert client_for(city_op).post(reverse("certificates:issue"),
                                    {"org": world.root.pk, "declaration": [d.pk]}).status_code == 404
    assert client_for(d.applicant).get(reverse("certificates:issue")).status_code == 404
    assert Certificate.objects.count() == 0


def test_an_org_without_an_issuing_code_cannot_issue(world, oncommit):
    d = approved_declaration(world)
    IssuingUnit.objects.filter(code=ROOT_CODE).update(is_active=False)
    resp = issue(world, [d], oncommit)
    assert "尚未配置有效的发证单位编码" in text(resp) and Certificate.objects.count() == 0


def test_a_failed_pdf_is_shown_and_can_be_retried(world, monkeypatch, oncommit):
    d = approved_declaration(world)
    from certificates import pdf as cert_pdf

    real = cert_pdf.render_certificates

    def broken(certs, **kw):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(cert_pdf, "render_certificates", broken)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    assert cert.pdf_state == Certificate.PdfState.FAILED and "字体缺失" in cert.pdf_error
    page = client_for(world.root_op).get(reverse("certificates:batch", args=[cert.batch_id]))
    assert "生成失败" in text(page) and "字体缺失" in text(page)
    monkeypatch.setattr(cert_pdf, "render_certificates", real)
    with oncommit():
        resp = client_for(world.root_op).post(reverse("certificates:retry"), {"cert": [cert.pk]}, follow=True)
    assert "已重新提交 1 本" in text(resp)
    cert.refresh_from_db()
    assert cert.pdf_state == Certificate.PdfState.DONE and cert.pdf_sha256


def test_the_render_task_is_safe_to_run_twice(world, oncommit):
    from certificates.tasks import certificates_render

    d = approved_declaration(world)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    sha, done_at = cert.pdf_sha256, cert.pdf_done_at
    assert certificates_render([cert.pk]) == 0  # already done: nothing claimed, nothing rewritten
    cert.refresh_from_db()
    assert (cert.pdf_sha256, cert.pdf_done_at, cert.pdf_attempts) == (sha, done_at, 1)


def test_the_sweeper_completes_pending_jobs_that_were_never_sent(world, oncommit):
    d = approved_declaration(world)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    # As if the broker had been down at commit: the row is pending, sent long ago.
    Certificate.objects.filter(pk=cert.pk).update(
        pdf_state="pending", pdf_file="", pdf_sha256="", pdf_enqueued_at=timezone.now() - timezone.timedelta(hours=1))
    assert services.pdf_jobs_sweep() == 1
    cert.refresh_from_db()
    assert cert.pdf_state == "done" and cert.pdf_sha256
    assert services.pdf_jobs_sweep() == 0


# --------------------------------------------------------------------------------------------- CRT-3
def test_the_holder_sees_and_downloads_their_certificate_and_nobody_else_does(world, oncommit):
    d = approved_declaration(world)
    other = approved_declaration(world)
    issue(world, [d, other], oncommit)
    mine = Certificate.objects.get(declaration=d)
    theirs = Certificate.objects.get(declaration=other)
    c = client_for(d.applicant)
    page = c.get(reverse("certificates:mine"))
    assert mine.number in text(page) and theirs.number not in text(page)
    resp = c.get(reverse("certificates:pdf", args=[mine.pk]))
    assert resp.status_code == 200 and resp["X-Content-Type-Options"] == "nosniff"
    body = b"".join(resp.streaming_content)
    assert hashlib.sha256(body).hexdigest() == mine.pdf_sha256
    assert "attachment" in resp["Content-Disposition"]
    # Guessing another holder's ids: 404 for the detail and the download.
    assert c.get(reverse("certificates:pdf", args=[theirs.pk])).status_code == 404
    assert c.get(reverse("certificates:detail", args=[theirs.pk])).status_code == 404
    assert c.get(reverse("certificates:revoke", args=[mine.pk])).status_code == 404  # holders do not revoke
    # Anonymous: to the login page.
    assert client_for(None).get(reverse("certificates:pdf", args=[mine.pk])).status_code == 302


def test_public_verification_by_number_and_by_qr_token_masks_the_name(world, oncommit):
    d = approved_declaration(world)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    anon = client_for(None)
    resp = anon.get(reverse("verify"), {"number": cert.number})
    page = text(resp)
    assert resp.status_code == 200 and "证书有效" in page and cert.pdf_sha256 in page
    assert cert.masked_name in page and d.applicant.name not in page
    assert cert.holder_id_number not in page
    resp = anon.get(reverse("verify_token", args=[cert.token]))
    assert "证书有效" in text(resp) and cert.number in text(resp)
    resp = anon.get(reverse("verify"), {"number": "2026999999999999"})
    assert "查无此证书" in text(resp)


def test_the_uploaded_pdf_matches_only_when_it_is_the_issued_file(world, oncommit):
    d = approved_declaration(world)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    data = default_storage.open(cert.pdf_file).read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    anon = client_for(None)
    ok = anon.post(reverse("verify"), {"number": cert.number, "pdf": SimpleUploadedFile("c.pdf", data)})
    assert "上传的文件与签发的电子证书一致" in text(ok)
    forged = bytearray(data)
    i = forged.index(b"/Length") + 1
    forged[i] ^= 1
    bad = anon.post(reverse("verify"), {"number": cert.number, "pdf": SimpleUploadedFile("c.pdf", bytes(forged))})
    assert "不一致" in text(bad) and "证书有效" in text(bad)
    # Without a number, the file alone is looked up by its hash.
    alone = anon.post(reverse("verify"), {"pdf": SimpleUploadedFile("c.pdf", data)})
    assert cert.number in text(alone) and "一致" in text(alone)
    unknown = anon.post(reverse("verify"), {"pdf": SimpleUploadedFile("c.pdf", bytes(forged))})
    assert "不是本系统签发的电子证书" in text(unknown)


def test_revocation_needs_a_reason_and_then_shows_on_the_public_page(world, oncommit):
    d = approved_declaration(world)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    c = client_for(world.root_op)
    resp = c.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "  "})
    assert "请填写撤销原因" in text(resp)
    cert.refresh_from_db()
    assert cert.status == "valid" and cert.revoked_at is None
    c.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "申报材料弄虚作假"})
    cert.refresh_from_db()
    assert cert.status == "revoked" and cert.revoke_reason == "申报材料弄虚作假" and cert.revoked_by == world.root_op
    page = text(client_for(None).get(reverse("verify"), {"number": cert.number}))
    assert "该证书已撤销" in page and "申报材料弄虚作假" in page and "证书有效" not in page
    # A city HR operator (not of the issuing chain) cannot revoke the province's certificate.
    assert client_for(world.ops[CITY_HR]).post(reverse("certificates:revoke", args=[cert.pk]),
                                               {"reason": "x"}).status_code == 404


def test_managers_search_and_export_certificates(world, oncommit):
    d = approved_declaration(world)
    issue(world, [d], oncommit)
    cert = Certificate.objects.get()
    c = client_for(world.root_op)
    assert cert.number in text(c.get(reverse("certificates:list"), {"q": d.applicant.name}))
    assert cert.number not in text(c.get(reverse("certificates:list"), {"status": "revoked"}))
    resp = c.get(reverse("certificates:export"), {"q": d.applicant.name})
    rows = list(load_workbook(__import__("io").BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号" and rows[1][0] == cert.number and len(rows) == 2
    # A city HR operator sees none of the province's certificates.
    assert cert.number not in text(client_for(world.ops[CITY_HR]).get(reverse("certificates:list")))


# --------------------------------------------------------------------------------------------- CRT-4
def test_report_selected_then_all_and_never_twice_unless_on_purpose(world, oncommit):
    d1, d2, d3 = (approved_declaration(world) for _ in range(3))
    issue(world, [d1, d2, d3], oncommit)
    c1, c2, c3 = (Certificate.objects.get(declaration=d) for d in (d1, d2, d3))
    c = client_for(world.root_op)
    url = reverse("certificates:report")
    resp = c.post(url, {"org": world.root.pk, "scope": "selected", "cert": [c1.pk]}, follow=True)
    assert "已上报 1 本证书" in text(resp)
    rep = MinistryReport.objects.get()
    assert list(rep.certificates.values_list("pk", flat=True)) == [c1.pk]
    # c1 again, not on purpose: refused, nothing changes.
    resp = c.post(url, {"org": world.root.pk, "scope": "selected", "cert": [c1.pk, c2.pk]}, follow=True)
    assert "已上报的证书" in text(resp) and MinistryReport.objects.count() == 1
    assert Certificate.objects.get(pk=c2.pk).reported_at is None
    # 全部上报: the two unreported ones only.
    c.post(url, {"org": world.root.pk, "scope": "all"})
    rep2 = MinistryReport.objects.latest("pk")
    assert set(rep2.certificates.values_list("pk", flat=True)) == {c2.pk, c3.pk}
    resp = c.post(url, {"org": world.root.pk, "scope": "all"}, follow=True)
    assert "没有可上报的证书" in text(resp)
    # Re-report on purpose.
    c.post(url, {"org": world.root.pk, "scope": "selected", "cert": [c1.pk], "rereport": "1"})
    assert MinistryReport.objects.latest("pk").rereport is True
    # The files: JSON with the documented keys, Excel with the same rows.
    body = json.loads(c.get(reverse("certificates:report_file", args=[rep2.pk, "json"])).content)
    assert body["format"] == "zhicheng-certificate-report" and body["count"] == 2
    assert {x["certificate_number"] for x in body["certificates"]} == {c2.number, c3.number}
    assert set(body["certificates"][0]) >= {"name", "id_number", "qualification", "issuing_unit_code", "pdf_sha256"}
    xl = c.get(reverse("certificates:report_file", args=[rep2.pk, "xlsx"]))
    rows = list(load_workbook(__import__("io").BytesIO(xl.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号" and {r[0] for r in rows[1:]} == {c2.number, c3.number}
    doc = open("docs/ministry-report.md", encoding="utf-8").read()
    for key in body["certificates"][0]:
        assert re.search(rf"`{key}`", doc), key
