"""TTL-1 Excel: export the catalogue, import it into an empty database and get the same tree; a workbook with
bad rows lists every bad row (sheet, row, reason) and imports nothing; valid rows wait for the confirm."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from titles.catalogue import Level
from titles.demo import catalogue_load
from titles.excel import QUAL_HEADERS, SERIES_HEADERS, SPECIALTY_HEADERS
from titles.models import QualificationName, Series, Specialty

from .conftest import client_for
from .helpers import text, titles_state

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTHING_IMPORTED = "请修改以上错误行后重新上传；本次没有导入任何数据。"


# --------------------------------------------------------------------------------------------- helpers
def snapshot() -> dict:
    """The catalogue as data, independent of primary keys: what a round trip must preserve."""
    by_path = {s.path: s for s in Specialty.objects.all()}
    specs = {}
    for s in Specialty.objects.select_related("series").order_by("series__code", "path"):
        parent = by_path[s.path[: -Specialty.steplen]].code if s.depth > 1 else ""
        specs.setdefault(s.series.code, []).append((s.code, s.name, parent, s.depth, s.is_active))
    return {
        "series": sorted(Series.objects.values_list("code", "name", "sort", "is_active")),
        "specialties": specs,  # per series, in tree (path) order
        "qualifications": sorted(
            (
                q.series.code,
                q.level,
                q.name,
                q.national_title,
                q.allows_review,
                q.allows_initial,
                q.allows_recognition,
                q.is_active,
                tuple(sorted(q.specialties.values_list("code", flat=True))),
            )
            for q in QualificationName.objects.select_related("series")
        ),
    }


def counts() -> tuple[int, int, int]:
    return Series.objects.count(), Specialty.objects.count(), QualificationName.objects.count()


def wipe_catalogue() -> None:
    QualificationName.objects.all().delete()
    Specialty.objects.all().delete()
    Series.objects.all().delete()
    assert counts() == (0, 0, 0)


def workbook(series=(), specialties=(), qualifications=(), *, headers=None) -> bytes:
    headers = headers or {}
    wb = Workbook()
    wb.remove(wb.active)
    for title, default, rows in (
        ("系列", SERIES_HEADERS, series),
        ("专业", SPECIALTY_HEADERS, specialties),
        ("资格名称", QUAL_HEADERS, qualifications),
    ):
        ws = wb.create_sheet(title)
        ws.append(headers.get(title, default))
        for r in rows:
            ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, data: bytes, name: str = "catalogue.xlsx", content_type: str = XLSX):
    return client.post(reverse("titles:import"), {"file": SimpleUploadedFile(name, data, content_type=content_type)})


def confirm(client, **kw):
    return client.post(reverse("titles:import"), {"action": "confirm"}, **kw)


def error_rows(html: bytes) -> str:
    page = text(html)
    assert "工作表 行号 错误原因" in page, page
    return page


@pytest.fixture
def hr_client(hr):
    return client_for(hr[1])


@pytest.fixture
def catalogue(hr):
    """The demo catalogue, with a retired specialty, a retired qualification and a retired series to carry."""
    catalogue_load()
    Specialty.objects.filter(code="JS04").update(is_active=False)
    QualificationName.objects.filter(name="技术员").update(is_active=False)
    old = Series.objects.create(code="OLD", name="已停用系列", sort=9, is_active=False)
    Specialty.objects.add_root(instance=Specialty(series=old, code="OLD01", name="旧专业", is_active=False))
    return snapshot()


# --------------------------------------------------------------------------------------------- round trip
def test_export_then_import_into_an_empty_catalogue_gives_the_same_tree(hr_client, catalogue):
    resp = hr_client.get(reverse("titles:export"))
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX
    assert resp["Content-Disposition"].startswith('attachment; filename="catalogue-')
    exported = resp.content
    wb = load_workbook(io.BytesIO(exported))
    assert wb.sheetnames == ["系列", "专业", "资格名称"]
    assert wb["专业"].max_row - 1 == Specialty.objects.count()

    wipe_catalogue()
    preview = upload(hr_client, exported)
    assert preview.status_code == 200
    page = text(preview.content)
    assert "错误： 0 行" in page and "确认导入" in page
    assert counts() == (0, 0, 0)  # nothing written before the confirm

    done = confirm(hr_client, follow=True)
    assert "导入成功" in text(done.content)
    assert snapshot() == catalogue
    # The imported tree is a real treebeard tree: children hang under their parents.
    gc01 = Specialty.objects.get(code="GC01")
    assert sorted(Specialty.objects.filter(path__startswith=gc01.path, depth=2).values_list("code", flat=True)) == [
        "GC0101",
        "GC0102",
        "GC0103",
    ]
    assert gc01.numchild == 3
    # A specialty limit on a qualification survives (卫生: 副主任护师 only for 护理).
    assert list(QualificationName.objects.get(name="副主任护师").specialties.values_list("code", flat=True)) == ["WS02"]


def test_import_over_the_existing_catalogue_updates_by_code_and_deletes_nothing(hr_client, catalogue):
    wb = load_workbook(io.BytesIO(hr_client.get(reverse("titles:export")).content))
    ws = wb["专业"]
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "GC01":
            row[2].value = "水利水电工程（含水工）"
    ws.delete_rows(ws.max_row)  # a row missing from the file is kept in the database, not deleted
    buf = io.BytesIO()
    wb.save(buf)
    before = counts()
    upload(hr_client, buf.getvalue())
    confirm(hr_client)
    assert Specialty.objects.get(code="GC01").name == "水利水电工程（含水工）"
    assert counts() == before


def test_valid_preview_imports_nothing_until_confirmed(hr_client, hr):
    data = workbook(
        series=[("GC", "工程系列", 1, "是")],
        specialties=[("GC", "GC01", "水利水电工程", "", "是"), ("GC", "GC0101", "水工建筑", "GC01", "是")],
        qualifications=[("GC", "副高级", "高级工程师", "高级工程师", "是", "否", "否", "", "是")],
    )
    resp = upload(hr_client, data)
    page = text(resp.content)
    assert "通过：系列 1 行，专业 2 行，资格名称 1 行；错误： 0 行。" in page
    assert "GC · GC0101 水工建筑（上级 GC01）" in page and "GC · 高级工程师（高级工程师）" in page
    assert counts() == (0, 0, 0)
    # Leaving the preview without confirming imports nothing either.
    hr_client.get(reverse("titles:catalogue"))
    assert counts() == (0, 0, 0)

    confirm(hr_client)
    assert counts() == (1, 2, 1)
    q = QualificationName.objects.get()
    assert (q.level, q.allows_review, q.allows_initial) == (Level.VICE_SENIOR, True, False)
    # The pending file is used once: a second confirm has nothing to import.
    again = confirm(hr_client, follow=True)
    assert "没有待确认的导入文件，请重新上传。" in text(again.content)
    assert counts() == (1, 2, 1)


# --------------------------------------------------------------------------------------------- bad rows
def test_every_bad_row_is_listed_with_sheet_row_and_reason_and_nothing_is_imported(hr_client, catalogue):
    before = titles_state()
    data = workbook(
        series=[("NEW", "新系列", 5, "是"), ("NEW", "重复的新系列", 6, "是"), ("BAD", "坏标志系列", 7, "也许")],
        specialties=[
            ("NEW", "N01", "新专业", "", "是"),  # valid
            ("XX", "X01", "未知系列的专业", "", "是"),  # row 3: unknown series
            ("NEW", "N01", "重复代码", "", "是"),  # row 4: duplicate code
            ("NEW", "N02", "孤儿专业", "N99", "是"),  # row 5: missing parent
            ("NEW", "N03", "坏标志专业", "", "对"),  # row 6: bad flag
        ],
        qualifications=[
            ("NEW", "副高级", "新资格", "新资格", "是", "否", "否", "", "是"),  # valid
            ("NEW", "特级", "无效层级", "无效层级", "是", "否", "否", "", "是"),  # row 3: invalid level
            ("NEW", "中级", "坏标志资格", "坏标志资格", "Y", "否", "否", "", "是"),  # row 4: bad flag
            ("NEW", "中级", "限定不存在", "限定不存在", "是", "否", "否", "N77", "是"),  # row 5: unknown limit
            ("ZZ", "中级", "未知系列资格", "未知系列资格", "是", "否", "否", "", "是"),  # row 6: unknown series
        ],
    )
    resp = upload(hr_client, data)
    assert resp.status_code == 200
    page = error_rows(resp.content)
    expected = [
        "系列 3 系列代码“NEW”重复。",
        "系列 4 “启用”只能填“是”或“否”。",
        "专业 3 系列代码“XX”不存在。",
        "专业 4 专业代码“N01”在系列“NEW”中重复。",
        "专业 5 上级专业代码“N99”不存在（上级专业须排在下级之前）。",
        "专业 6 “启用”只能填“是”或“否”。",
        "资格名称 3 层级“特级”无效，应为：员级、助理级、中级、副高级、正高级。",
        "资格名称 4 “可评审/可初定/可认定/启用”只能填“是”或“否”。",
        "资格名称 5 限定专业代码不存在：N77。",
        "资格名称 6 系列代码“ZZ”不存在。",
    ]
    for line in expected:
        assert line in page, line
    assert "错误： 10 行" in page
    assert NOTHING_IMPORTED in page and "确认导入" not in page
    assert titles_state() == before

    # Confirm is impossible: nothing is pending.
    resp = confirm(hr_client, follow=True)
    assert "没有待确认的导入文件，请重新上传。" in text(resp.content)
    assert titles_state() == before


def test_a_duplicate_of_an_existing_specialty_code_in_the_file_is_listed(hr_client, catalogue):
    before = titles_state()
    data = workbook(specialties=[("GC", "GC09", "新专业", "", "是"), ("GC", "GC09", "又一个", "", "是")])
    page = error_rows(upload(hr_client, data).content)
    assert "专业 3 专业代码“GC09”在系列“GC”中重复。" in page
    assert titles_state() == before


def test_a_wrong_header_is_reported_and_nothing_is_imported(hr_client, catalogue):
    before = titles_state()
    data = workbook(series=[("NEW", "新系列", 1, "是")], headers={"专业": ["系列", "代码", "名称", "上级", "启用"]})
    page = error_rows(upload(hr_client, data).content)
    assert "专业 1 表头应为：系列代码、专业代码、专业名称、上级专业代码、启用。" in page
    assert "确认导入" not in page
    assert titles_state() == before


def test_a_missing_sheet_is_reported(hr_client, catalogue):
    wb = Workbook()
    wb.active.title = "系列"
    wb.active.append(SERIES_HEADERS)
    buf = io.BytesIO()
    wb.save(buf)
    page = error_rows(upload(hr_client, buf.getvalue()).content)
    assert "缺少工作表“专业”。" in page and "缺少工作表“资格名称”。" in page


def test_a_file_that_is_not_xlsx_gets_a_clear_message(hr_client, catalogue):
    before = titles_state()
    resp = upload(hr_client, "系列代码,系列名称\nGC,工程系列\n".encode(), name="catalogue.csv", content_type="text/csv")
    assert resp.status_code == 200
    page = text(resp.content)
    assert "文件无法读取，请上传由本系统导出的 .xlsx 模板。" in page and "确认导入" not in page
    assert titles_state() == before


def test_a_bad_upload_after_a_valid_preview_cancels_the_pending_import(hr_client, hr):
    good = workbook(series=[("GC", "工程系列", 1, "是")])
    upload(hr_client, good)
    bad = workbook(series=[("JJ", "经济系列", 1, "也许")])
    page = error_rows(upload(hr_client, bad).content)
    assert "系列 2 “启用”只能填“是”或“否”。" in page
    # The operator's last file had errors; a confirm must not import the earlier one.
    resp = confirm(hr_client, follow=True)
    assert "没有待确认的导入文件，请重新上传。" in text(resp.content)
    assert counts() == (0, 0, 0)


def test_upload_without_a_file_is_refused(hr_client, hr):
    resp = hr_client.post(reverse("titles:import"), {})
    assert resp.status_code == 200
    assert "这个字段是必填项。" in text(resp.content)
    assert counts() == (0, 0, 0)


def test_a_file_that_became_invalid_before_the_confirm_imports_nothing(hr_client, catalogue):
    # Previewed while 工程系列 exists (the file names only a new specialty under it) ...
    data = workbook(specialties=[("GC", "GC09", "新专业", "", "是")])
    assert "错误： 0 行" in text(upload(hr_client, data).content)
    # ... then the series code changes before the confirm: the whole file is checked again and refused.
    Series.objects.filter(code="GC").update(code="GCX")
    before = titles_state()
    resp = confirm(hr_client)
    page = text(resp.content)
    assert "文件中有错误行，未导入任何数据。" in page and "专业 2 系列代码“GC”不存在。" in page
    assert titles_state() == before


def test_a_series_name_already_used_by_another_code_is_listed_not_a_server_error(hr_client, catalogue):
    before = titles_state()
    data = workbook(series=[("GC2", "工程系列", 1, "是"), ("NEW", "新系列", 2, "是"), ("NEW2", "新系列", 3, "是")])
    page = error_rows(upload(hr_client, data).content)
    assert "系列 2 系列名称“工程系列”已被系列代码“GC”使用。" in page
    assert "系列 4 系列名称“新系列”重复。" in page
    assert "确认导入" not in page
    assert titles_state() == before


def test_too_long_values_are_listed(hr_client, catalogue):
    before = titles_state()
    data = workbook(
        series=[("S" * 21, "过长代码系列", 1, "是")],
        specialties=[("GC", "GC09", "长" * 101, "", "是")],
        qualifications=[("GC", "中级", "资" * 51, "工程师", "是", "否", "否", "", "是")],
    )
    page = error_rows(upload(hr_client, data).content)
    assert "系列 2 系列代码不能超过 20 个字符。" in page
    assert "专业 2 专业名称不能超过 100 个字符。" in page
    assert "资格名称 2 资格名称不能超过 50 个字符。" in page
    assert titles_state() == before


def test_moving_an_existing_specialty_to_another_parent_is_listed(hr_client, catalogue):
    before = titles_state()
    data = workbook(specialties=[("GC", "GC0101", "水工建筑", "GC02", "是"), ("GC", "GC02", "电子信息", "", "是")])
    page = error_rows(upload(hr_client, data).content)
    assert "专业 2 专业“GC0101”的上级专业是“GC01”，导入不能移动专业，请在页面上处理。" in page
    assert "专业 3" not in page  # an unchanged existing root is fine
    assert titles_state() == before


def test_rows_that_pass_are_shown_beside_the_bad_ones(hr_client, catalogue):
    data = workbook(specialties=[("GC", "GC09", "新专业", "", "是"), ("XX", "X01", "未知系列", "", "是")])
    page = error_rows(upload(hr_client, data).content)
    assert "专业 3 系列代码“XX”不存在。" in page
    assert "校验通过的行（未导入）" in page and "GC · GC09 新专业" in page
    assert "确认导入" not in page
