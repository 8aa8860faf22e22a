"""The declaration form (申报表) as an A4 PDF (DCL-6)."""

from __future__ import annotations

import base64
import re

from common.pdf import render_pdf

# Geometry of a multi-row section's table (form.css: 9pt text, 1.4 mm cell padding, 16 mm page margins on A4).
_TABLE_MM = 210 - 2 * 16
_EM_MM = 9 * 25.4 / 72
_CELL_MM = 2 * 1.4 + 0.25  # padding and rule
_NO_MM = 10  # the 序号 column
_SHORT_EM = 7.0  # texts up to this wide stay on one line when the table has room for it
_SLACK_EM = 0.3  # rounding and glyph widths
_UNBREAKABLE = re.compile(r"[0-9A-Za-z\-_.:/@#%+()\[\]]+")


def _data_uri(att) -> str | None:
    if att is None or not att.is_image:
        return None
    with att.file.open("rb") as fh:
        return f"data:{att.content_type};base64,{base64.b64encode(fh.read()).decode()}"


def _em(text: str) -> float:
    """Rough printed width in em: CJK and full-width characters 1 em, the rest about half."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text)


def _measure(text: str) -> tuple[float, float]:
    """(longest unbreakable run, longest line) of a cell's text, in em."""
    lines = str(text).splitlines() or [""]
    widest = max(_em(line) for line in lines)
    runs = [_em(run) for line in lines for run in _UNBREAKABLE.findall(line)]
    cjk = 1.0 if any(ord(ch) >= 0x2E80 for line in lines for ch in line) else 0.0
    return max([cjk, *runs]), widest


def column_widths(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Percent widths for a 序号 column then `headers`, from their contents, as the CSS automatic table layout
    would choose them (every column at least its longest unbreakable run, long text gets the room left), but
    computed here so that WeasyPrint can use the much cheaper fixed layout. Sums to 100."""
    avail = _TABLE_MM - _NO_MM - len(headers) * _CELL_MM
    lo, hi = [], []
    for i, header in enumerate(headers):
        h_min, h_max = _measure(header)
        col = [_measure(row[i]) for row in rows]
        widest = max([h_max, *(w for _, w in col)])
        lo.append((max([min(h_max, 4.0), h_min, *(m for m, _ in col)]) + _SLACK_EM) * _EM_MM)
        hi.append((widest + _SLACK_EM) * _EM_MM)
    soft = [max(m, min(h, (_SHORT_EM + _SLACK_EM) * _EM_MM)) for m, h in zip(lo, hi, strict=True)]
    if sum(soft) <= avail:
        lo = soft
    if sum(hi) <= avail:  # everything fits on one line: share the slack in proportion
        widths = [w * avail / sum(hi) for w in hi]
    elif sum(lo) >= avail:  # even the minimums do not fit: shrink them alike
        widths = [w * avail / sum(lo) for w in lo]
    else:  # minimums first, the rest to the columns that want more, in proportion to how much more
        extra = avail - sum(lo)
        want = [h - m for m, h in zip(lo, hi, strict=True)]
        widths = [m + extra * w / sum(want) for m, w in zip(lo, want, strict=True)]
    return [f"{w * 100 / _TABLE_MM:.2f}" for w in [_NO_MM, *(w + _CELL_MM for w in widths)]]


def _atts(atts) -> str:
    return "；".join(a.display_name for a in atts) or "—"


def _with_widths(block: dict) -> dict:
    if not block.get("rows"):
        return block
    headers = list(block["columns"])
    rows = [[str(v) for _, v in r["cells"]] for r in block["rows"]]
    if block.get("has_details"):
        headers.append("模板填写内容")
        for row, r in zip(rows, block["rows"], strict=True):
            row.append("\n".join(f"{k}：{v}" for k, v in r["details"]))
    headers.append("附件")
    for row, r in zip(rows, block["rows"], strict=True):
        row.append(_atts(r["attachments"]))
    return {**block, "widths": column_widths(headers, rows)}


def declaration_form_pdf(ctx: dict) -> bytes:
    return render_pdf(
        "declarations/pdf/form.html",
        {**ctx, "blocks": [_with_widths(b) for b in ctx["blocks"]], "photo_uri": _data_uri(ctx.get("photo"))},
        css_template="declarations/pdf/form.css",
        ua_css_template="declarations/pdf/ua.css",
    )
