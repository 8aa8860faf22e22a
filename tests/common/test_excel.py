"""common.excel: exports keep what users typed as text — a value starting with "=" is never a live formula."""

import io

from openpyxl import load_workbook

from common.excel import xlsx_bytes


def test_text_starting_with_equals_is_exported_as_text_not_a_formula():
    data = xlsx_bytes("导出", ["姓名", "备注"], [["张三", "=HYPERLINK(\"http://evil\",\"点我\")"], ["李四", None]])
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=False))
    assert [c.value for c in rows[0]] == ["姓名", "备注"] and rows[0][0].font.bold
    cell = rows[1][1]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://evil\",\"点我\")"
    assert rows[2][1].value in (None, "")
