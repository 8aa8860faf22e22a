"""CRT-6 批量导入 (003 §1.29): the Excel template with its drop-down lists; upload → every row validated in the
background (progress on the job page) → the failed rows listed with their reasons → 【提交】 creates certificates for
the valid rows only, numbers from the pool, once — through HTTP."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from certificates import imports
from certificates import services as cert_services
from certificates.models import Certificate, ImportJob, IssuingUnit
from common.checksums import make_id_number
from tests.certificates.conftest import CITY_HR, ROOT_CODE
from tests.declarations.helpers import text
from tests.factories import next_id_number
from tests.workflow.helpers import client_for, new_applicant

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = 2023


def row(**kw) -> list:
    """A valid row of the template (工程系列 · 水利水电工程 · 副高级 · 高级工程师), values overridable by field."""
    values = {
        "name": "王历史",
        "id_number": next_id_number(),
        "gender": "男",
        "work_unit": "四川省水利水电勘测设计研究院",
        "series": "工程系列",
        "specialty": "水利水电工程",
        "level": "副高级",
        "qualification": "高级工程师",
        "committee": "四川省工程技术高级职称评审委员会",
        "approved_on": dt.date(YEAR, 5, 20),
        "issued_on": dt.date(YEAR, 6, 30),
        "document_number": "川职改〔2023〕12号",
        "number": None,
    }
    values.update(kw)
    return [values[f] for f, _label, _required in imports.COLUMNS]


def workbook(rows, headers=None) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("证书信息")
    ws.append(headers or imports.HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, data: bytes, *, org, name="历史证书.xlsx"):
    return client.post(reverse("certificates:import"), {"org": org.pk, "file": SimpleUploadedFile(name, data, XLSX)})


def run_upload(world, rows_or_bytes, capture, *, headers=None, user=None):
    """Upload as the province operator and let the validation (enqueued on commit) run; returns the job."""
    data = rows_or_bytes if isinstance(rows_or_bytes, bytes) else workbook(rows_or_bytes, headers)
    before = set(ImportJob.objects.values_list("pk", flat=True))
    c = client_for(user or world.root_op)
    with capture(execute=True):
        resp = upload(c, data, org=world.root)
        assert resp.status_code == 302, text(resp.content)[:2000]
    job = ImportJob.objects.exclude(pk__in=before).get()
    assert resp["Location"] == reverse("certificates:import_job", args=[job.pk])
    return job


def confirm(world, job, capture, user=None):
    c = client_for(user or world.root_op)
    with capture(execute=True):
        return c.post(reverse("certificates:import_confirm", args=[job.pk]), follow=True)


def imported():
    return Certificate.objects.filter(source=Certificate.Source.IMPORT)


# --------------------------------------------------------------------------------------------- template
def test_the_template_has_the_columns_drop_down_lists_and_instructions(world):
    resp = client_for(world.root_op).get(reverse("certificates:import_template"))
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames[:2] == ["证书信息", "填写说明"]
    ws = wb["证书信息"]
    assert (
        [c.value for c in ws[1]]
        == imports.HEADERS
        == [
            "姓名*",
            "身份证号*",
            "性别",
            "工作单位*",
            "系列*",
            "专业*",
            "层级*",
            "资格名称*",
            "评审委员会",
            "评审通过时间*",
            "发证日期*",
            "发文文号",
            "证书编号",
        ]
    )
    lists = wb[imports.LIST_SHEET]
    assert lists.sheet_state == "hidden"
    column = {
        lists.cell(1, i).value: [c for c in (lists.cell(r, i).value for r in range(2, lists.max_row + 1)) if c]
        for i in range(1, lists.max_column + 1)
    }
    assert column["层级"] == ["员级", "助理级", "中级", "副高级", "正高级"]
    assert "工程系列" in column["系列"] and "水利水电工程" in column["专业"] and "高级工程师" in column["资格名称"]

    by_column = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_column[re.match(r"[A-Z]+", rng.coord).group()] = dv
    for letter, title in (("E", "系列"), ("F", "专业"), ("G", "层级"), ("H", "资格名称")):
        dv = by_column[letter]
        assert dv.type == "list" and dv.formula1.startswith(f"'{imports.LIST_SHEET}'!"), letter
        col = [lists.cell(1, i).value for i in range(1, lists.max_column + 1)].index(title) + 1
        assert f"${lists.cell(1, col).column_letter}$2" in dv.formula1
    assert by_column["J"].type == "date" and by_column["K"].type == "date"
    assert "下拉列表" in " ".join(str(c.value) for c in wb["填写说明"]["A"])


# --------------------------------------------------------------------------------------------- the happy path
def test_a_valid_file_is_validated_then_committed_on_confirm_with_pool_numbers_once(
    world, django_capture_on_commit_callbacks
):
    unit = IssuingUnit.objects.get(code=ROOT_CODE)
    cert_services.number_range_create(user=world.root_op, issuing_unit=unit, year=YEAR, start=500, end=599)
    holder = new_applicant("李持证")
    rows = [
        row(name="李持证", id_number=holder.id_number),
        row(name="赵导入", gender="女"),
        row(name="钱编号", number="HIST-2023-0001", level="中级", qualification="工程师"),
    ]
    job = run_upload(world, rows, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.state, job.total, job.processed, job.passed, job.failed) == (ImportJob.State.VALIDATED, 3, 3, 3, 0)
    assert not imported().exists()  # nothing before 【提交】

    c = client_for(world.root_op)
    page = text(c.get(reverse("certificates:import_job", args=[job.pk])).content)
    assert "校验通过 3 条" in page and "校验不通过 0 条" in page and "提交" in page
    ask = c.get(reverse("certificates:import_confirm", args=[job.pk]))
    assert ask.status_code == 200 and "确定为 3 条校验通过的记录" in text(ask.content)
    assert not imported().exists()  # the confirmation page changes nothing

    resp = confirm(world, job, django_capture_on_commit_callbacks)
    assert resp.status_code == 200
    job.refresh_from_db()
    assert (job.state, job.committed) == (ImportJob.State.DONE, 3)
    certs = {c.holder_name: c for c in imported()}
    assert set(certs) == {"李持证", "赵导入", "钱编号"}
    assert certs["钱编号"].number == "HIST-2023-0001" and certs["钱编号"].level == "middle"
    assert sorted(certs[n].number for n in ("李持证", "赵导入")) == [
        f"{YEAR}{ROOT_CODE}000500",
        f"{YEAR}{ROOT_CODE}000501",
    ]
    assert certs["李持证"].holder_id == holder.pk and certs["赵导入"].holder_id is None
    c0 = certs["赵导入"]
    assert (
        c0.source,
        c0.issuing_unit_id,
        c0.issuing_org_name,
        c0.series,
        c0.specialty,
        c0.level,
        c0.qualification,
        c0.gender,
        c0.approved_on,
        c0.issued_on,
        c0.issued_by_id,
    ) == (
        Certificate.Source.IMPORT,
        unit.pk,
        world.root.name,
        "工程系列",
        "水利水电工程",
        "vice_senior",
        "高级工程师",
        "女",
        dt.date(YEAR, 5, 20),
        dt.date(YEAR, 6, 30),
        world.root_op.pk,
    )
    assert all(x.pdf_enqueued_at is not None for x in certs.values())  # their PDF jobs were sent

    # A second confirm, or the commit task delivered twice, creates nothing more.
    again = confirm(world, job, django_capture_on_commit_callbacks)
    assert "已提交导入，不能重复提交" in text(again.content)
    assert imports.import_commit(job.pk) == 0
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.COMMITTING, committed=0, claim=None)
    assert imports.import_commit(job.pk) == 0  # a re-run from the start skips the rows already present
    assert imported().count() == 3
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.DONE
    # The validation delivered twice does nothing either.
    assert imports.import_validate(job.pk) == 0


def test_a_commit_that_breaks_off_keeps_what_it_committed_and_resumes_on_a_second_confirm(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    job = run_upload(world, [row(name="甲"), row(name="乙"), row(name="丙")], django_capture_on_commit_callbacks)
    monkeypatch.setattr(imports, "COMMIT_CHUNK", 1)
    real, calls = imports.numbers_take, []

    def flaky(**kw):
        calls.append(kw)
        if len(calls) == 2:
            raise ValidationError(cert_services.MSG_NUMBERS_EXHAUSTED)
        return real(**kw)

    monkeypatch.setattr(imports, "numbers_take", flaky)
    confirm(world, job, django_capture_on_commit_callbacks)
    page = text(client_for(world.root_op).get(reverse("certificates:import_job", args=[job.pk])).content)
    job.refresh_from_db()
    assert (job.state, job.committed) == (ImportJob.State.FAILED, 1) and "证书编号已用完" in job.error
    assert "导入中断" in page and imported().count() == 1
    confirm(world, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.state, job.committed) == (ImportJob.State.DONE, 3)
    assert sorted(imported().values_list("holder_name", flat=True)) == ["丙", "乙", "甲"]


# --------------------------------------------------------------------------------------------- refusals
def test_wrong_columns_fail_the_job_with_a_clear_message_and_nothing_is_created(
    world, django_capture_on_commit_callbacks
):
    headers = ["姓名", "身份证", "单位", "职称"]
    job = run_upload(
        world, [["张三", next_id_number(), "某单位", "高级工程师"]], django_capture_on_commit_callbacks, headers=headers
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and job.passed == 0
    assert (
        "表头不正确" in job.error and "姓名*、身份证号*、性别" in job.error and "姓名、身份证、单位、职称" in job.error
    )
    c = client_for(world.root_op)
    page = text(c.get(reverse("certificates:import_job", args=[job.pk])).content)
    assert "表头不正确" in page and reverse("certificates:import_confirm", args=[job.pk]) not in page
    resp = confirm(world, job, django_capture_on_commit_callbacks)
    assert "只有校验完成且有校验通过记录" in text(resp.content)
    assert not imported().exists()


def test_bad_rows_are_listed_with_their_reasons_and_only_valid_rows_commit_on_confirm(
    world, django_capture_on_commit_callbacks
):
    unit = IssuingUnit.objects.get(code=ROOT_CODE)
    held_id = next_id_number()
    Certificate.objects.create(
        number="OLD-0001",
        holder_name="孙已有",
        holder_id_number=held_id,
        series="工程系列",
        specialty="水利水电工程",
        level="vice_senior",
        qualification="高级工程师",
        approved_on=dt.date(2020, 1, 1),
        issued_on=dt.date(2020, 2, 1),
        issuing_unit=unit,
        issuing_org_name=world.root.name,
    )
    first_id = next_id_number()
    bad_id = next_id_number()
    bad_id = bad_id[:17] + ("0" if bad_id[17] != "0" else "1")
    rows = [
        row(name="甲合格", id_number=first_id),  # 2 valid
        row(name="乙日期", approved_on="去年夏天"),  # 3 text in a date cell
        row(name="丙系列", series="魔法系列"),  # 4 unknown series
        row(name="丁重复", id_number=first_id),  # 5 duplicate of row 2
        row(name="戊身份证", id_number=bad_id),  # 6 bad check digit
        row(name="己专业", specialty="临床医学"),  # 7 specialty of another series
        row(name="庚层级", level="中级"),  # 8 qualification not of that level
        row(name="辛未来", issued_on=timezone.localdate() + dt.timedelta(days=3)),  # 9 in the future
        row(name="壬顺序", approved_on=dt.date(YEAR, 7, 1), issued_on=dt.date(YEAR, 6, 1)),  # 10 issued before approved
        row(name="癸已有", id_number=held_id),  # 11 already holds it
        row(name="子编号", number="OLD-0001"),  # 12 number taken
        row(name="", work_unit=""),  # 13 required cells
        row(name="丑合格", gender="女", number="NEW-0002"),  # 14 valid
        row(name="寅编号重复", number="NEW-0002"),  # 15 number twice in the file
        row(name="卯层级", level="特级"),  # 16 unknown level
    ]
    job = run_upload(world, rows, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.state, job.processed, job.passed, job.failed) == (ImportJob.State.VALIDATED, 15, 2, 13)
    reasons = {e["row"]: " ".join(e["errors"]) for e in job.row_errors}
    assert set(reasons) == set(range(3, 14)) | {15, 16}
    assert "评审通过时间“去年夏天”不是有效日期" in reasons[3]
    assert "系列“魔法系列”不存在" in reasons[4]
    assert "与第 2 行重复" in reasons[5]
    assert "校验位" in reasons[6]
    assert "专业“临床医学”不属于系列“工程系列”" in reasons[7]
    assert "资格名称“高级工程师”不属于工程系列中级" in reasons[8]
    assert "发证日期不能晚于今天" in reasons[9]
    assert "发证日期不能早于评审通过时间" in reasons[10]
    assert "已有“高级工程师”证书（证书编号 OLD-0001）" in reasons[11]
    assert "证书编号“OLD-0001”已被使用" in reasons[12]
    assert "姓名必填" in reasons[13] and "工作单位必填" in reasons[13]
    assert "证书编号“NEW-0002”与第 14 行重复" in reasons[15]
    assert "层级“特级”无效" in reasons[16]

    c = client_for(world.root_op)
    page = text(c.get(reverse("certificates:import_job", args=[job.pk])).content)
    assert "魔法系列" in page and "戊身份证" in page and "校验不通过 13 条" in page
    errors = c.get(reverse("certificates:import_errors", args=[job.pk]))
    assert errors.status_code == 200
    sheet = list(load_workbook(io.BytesIO(errors.content)).active.iter_rows(values_only=True))
    assert sheet[0] == ("行号", "姓名", "身份证号", "失败说明") and len(sheet) == 14
    assert sheet[2][0] == 4 and "魔法系列" in sheet[2][3]
    assert not imported().exists()

    confirm(world, job, django_capture_on_commit_callbacks)
    assert sorted(imported().values_list("holder_name", flat=True)) == ["丑合格", "甲合格"]
    assert ImportJob.objects.get(pk=job.pk).committed == 2


def test_an_exe_renamed_xlsx_and_a_zip_that_is_not_a_workbook_are_refused(world):
    import zipfile

    c = client_for(world.root_op)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"
    resp = upload(c, exe, org=world.root, name="证书.xlsx")
    assert resp.status_code == 400 and imports.MSG_FILE_TYPE in text(resp.content)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    resp = upload(c, buf.getvalue(), org=world.root, name="证书.xlsx")
    assert resp.status_code == 400 and imports.MSG_FILE_TYPE in text(resp.content)
    assert not ImportJob.objects.exists()


def test_import_pages_are_for_certificate_managers_of_the_org_only(world, client, django_capture_on_commit_callbacks):
    job = run_upload(world, [row()], django_capture_on_commit_callbacks)
    applicant = client_for(new_applicant())
    for name, args in (
        ("import", []),
        ("import_template", []),
        ("import_job", [job.pk]),
        ("import_progress", [job.pk]),
        ("import_confirm", [job.pk]),
        ("import_errors", [job.pk]),
    ):
        url = reverse(f"certificates:{name}", args=args)
        assert applicant.get(url).status_code in (403, 404), name
        assert client.get(url).status_code == 302, name
    city = client_for(world.ops[CITY_HR])
    assert city.get(reverse("certificates:import_job", args=[job.pk])).status_code == 404
    assert city.post(reverse("certificates:import_confirm", args=[job.pk])).status_code == 404
    # The city bureau has no issuing-unit code: it cannot import, nor import in the province's name.
    page = city.get(reverse("certificates:import"))
    assert page.status_code == 200 and "尚未配置有效的发证单位编码" in text(page.content)
    assert upload(city, workbook([row()]), org=world.root).status_code == 400
    assert ImportJob.objects.count() == 1 and not imported().exists()


def test_the_progress_piece_polls_while_running_and_reloads_the_page_when_done(
    world, django_capture_on_commit_callbacks
):
    c = client_for(world.root_op)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = upload(c, workbook([row(), row()]), org=world.root)
    job = ImportJob.objects.get()
    page = c.get(resp["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    progress_url = reverse("certificates:import_progress", args=[job.pk])
    assert f'hx-get="{progress_url}?state=validating"' in html and 'hx-trigger="every 1s"' in html
    for cb in callbacks:
        cb()
    piece = c.get(progress_url, {"state": "validating"}, headers={"HX-Request": "true"})
    assert piece["HX-Refresh"] == "true" and "hx-get" not in piece.content.decode()
    assert "校验通过 2 条" in text(piece.content)


# --------------------------------------------------------------------------------------------- volume
def _big_file(n: int, *, bad_every: int = 1000) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("证书信息")
    ws.append(imports.HEADERS)
    start = dt.date(1960, 1, 1)
    approved, issued = dt.date(YEAR, 5, 20), dt.date(YEAR, 6, 30)
    for i in range(n):
        idn = make_id_number("510802", start + dt.timedelta(days=i // 900), f"{i % 900 + 100:03d}")
        ws.append(
            [
                f"人员{i}",
                idn,
                "男",
                "四川省某设计院",
                "魔法系列" if i % bad_every == 0 else "工程系列",
                "水利水电工程",
                "副高级",
                "高级工程师",
                "",
                approved,
                issued,
                "",
                None,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_50000_row_file_returns_a_job_page_and_validates_every_row(world, django_capture_on_commit_callbacks):
    data = _big_file(imports.MAX_ROWS)
    c = client_for(world.root_op)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = upload(c, data, org=world.root)
    assert resp.status_code == 302  # the upload only stores the file; validation runs as a job
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.VALIDATING
    assert c.get(resp["Location"]).status_code == 200
    started = time.monotonic()
    for cb in callbacks:
        cb()
    print(f"\n50,000-row validation took {time.monotonic() - started:.1f} s")
    job.refresh_from_db()
    assert (job.state, job.total, job.processed, job.passed, job.failed) == (
        ImportJob.State.VALIDATED,
        50_000,
        50_000,
        49_950,
        50,
    )
    assert len(job.valid_rows) == 49_950 and len(job.row_errors) == 50
    assert job.row_errors[1]["row"] == 1002 and "魔法系列" in job.row_errors[1]["errors"][0]
    page = c.get(reverse("certificates:import_job", args=[job.pk]))
    assert page.status_code == 200 and "人员1000" in text(page.content) and "校验不通过 50 条" in text(page.content)


def test_a_file_over_50000_rows_is_refused(world, django_capture_on_commit_callbacks):
    job = run_upload(world, _big_file(imports.MAX_ROWS + 1), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and "50000" in job.error and job.passed == 0
    assert job.valid_rows == []
    resp = confirm(world, job, django_capture_on_commit_callbacks)
    assert "只有校验完成且有校验通过记录" in text(resp.content) and not imported().exists()
