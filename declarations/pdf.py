"""The declaration form (申报表) as an A4 PDF (DCL-6)."""

from __future__ import annotations

import base64

from common.pdf import render_pdf


def _data_uri(att) -> str | None:
    if att is None or not att.is_image:
        return None
    with att.file.open("rb") as fh:
        return f"data:{att.content_type};base64,{base64.b64encode(fh.read()).decode()}"


def declaration_form_pdf(ctx: dict) -> bytes:
    return render_pdf("declarations/pdf/form.html", {**ctx, "photo_uri": _data_uri(ctx.get("photo"))})
