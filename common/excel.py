"""Excel exports: one helper that turns a header and rows into an .xlsx download (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append([_cell(h, bold=True, Font=Font, ws=ws) for h in headers])
    for row in rows:
        ws.append([_text_cell(v, ws) if isinstance(v, str) and v.startswith("=") else ("" if v is None else v)
                   for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text_cell(value: str, ws):
    """Text a user typed that starts with "=" stays text: openpyxl would otherwise write it as a live formula."""
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(ws, value=value)
    c.data_type = "s"
    return c


def _cell(value, *, bold: bool, Font, ws):
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(ws, value=value)
    c.font = Font(bold=bold)
    return c


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """An attachment download; `filename` may be Chinese (RFC 5987 filename*, with an ASCII fallback)."""
    resp = HttpResponse(xlsx_bytes(title, headers, rows), content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return resp
