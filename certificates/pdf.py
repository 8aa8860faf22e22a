"""职称电子证书 PDFs (CRT-4): a batch of certificates is rendered as ONE WeasyPrint document — one layout and one
font-subsetting pass — and then split into one self-contained PDF per certificate with pypdf.

Speed (see bench/certificates.py): the font configuration and the two stylesheets (layout + fonts) are built once
per process and reused, so a warm render only parses the small HTML, lays out fixed-size boxes and subsets the
shipped GB2312 font. Characters outside GB2312 (𠀀, 䶮 …) fall back per glyph, through fontconfig, to HanaMinA /
HanaMinB (Debian package fonts-hanazono), which are embedded only when a certificate actually uses them.

Safety: every value goes through Django's autoescaping template, and WeasyPrint fetches through
common.pdf.SafeURLFetcher, which serves only data: URIs (the photo and the QR code built here) and our static files.
"""

from __future__ import annotations

import base64
import gc
import io
import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from common.pdf import STATIC_PREFIX, SafeURLFetcher

if TYPE_CHECKING:
    from certificates.models import Certificate

log = logging.getLogger(__name__)

TEMPLATE = "certificates/pdf/certificate.html"
LAYOUT_CSS = "css/certificate.css"
PHOTO_SIZE = (300, 400)  # px, 3:4 — about 230 dpi in the 33 × 44 mm box; no wider keeps the file small
PHOTO_QUALITY = 80
QR_MASK = 2  # see _qr_data_uri
QR_LIGHT = "#fffdf6"  # the page colour (static/css/certificate.css)

# The shipped GB2312 subset first; rare characters fall back per glyph to the Hanazono Mincho fonts.
FONT_CSS_ZH = (
    '@font-face { font-family: "ZC Sans"; src: url("' + STATIC_PREFIX + 'fonts/wqy-microhei-gb2312.ttf"); }\n'
    'body { font-family: "ZC Sans", "HanaMinA", "HanaMinB", sans-serif; }'
)

LABELS_ZH = {
    "lang": "zh-CN",
    "kicker": "四川省职称评审",
    "title": "专业技术职务任职资格证书",
    "subtitle": "职称电子证书",
    "photo": "照片",
    "name": "姓　　名",
    "gender": "性　　别",
    "id_number": "身份证号",
    "level": "层　　级",
    "work_unit": "工作单位",
    "series": "系　　列",
    "specialty": "专　　业",
    "qualification": "资格名称",
    "approved_on": "评审通过时间",
    "committee": "评审委员会",
    "document_number": "发文文号",
    "number": "证书编号",
    "scan": "扫码验证",
    "scan_hint": "使用手机扫描左侧二维码，可在线核验本证书的真伪与状态。",
    "issuing_org": "发证单位：",
    "issued_on": "发证日期：",
    "signed": "本证书经发证单位电子签名，篡改即失效",
    "date_format": "Y年n月j日",
}

# Value cell widths in ideographs at 12.5 pt. Longer values are printed smaller ("small", 10 pt) or smaller and
# wrapping ("wrap", 7.5 pt, up to three lines — room for every field's max_length); never clipped.
_HALF_CELL, _FULL_CELL, _ORG_CELL = 14.0, 35.5, 18.0
_VALUE_STEPS = ((1.0, ""), (1.25, "small"))
_ORG_STEPS = ((1.0, ""), (1.33, "small"), (1.72, "smaller"))


def verification_url(cert: Certificate, base_url: str) -> str:
    """The public verification page of a certificate, printed as the QR code."""
    return f"{base_url.rstrip('/')}/verify/{cert.token}/"


def render_certificate(cert: Certificate, *, base_url: str) -> bytes:
    return render_certificates([cert], base_url=base_url)[0]


def render_certificates(certs: Sequence[Certificate], *, base_url: str) -> list[bytes]:
    """One PDF per certificate, in order; rendered together (one layout, one font subset), split with pypdf."""
    return _render(certs, base_url=base_url)


# --- internals -------------------------------------------------------------------------------------------------

# WeasyPrint's HTML user-agent stylesheet matches six pseudo-elements (::marker, ::footnote-call …) on every element
# and hundreds of rules we never use; computing those styles was a third of the layout time. The certificate
# template uses only these elements, so it gets this minimal UA sheet instead (the hook WeasyPrint's own test
# suite uses).
_UA_CSS = (
    "head, style, script, title, meta, link, template { display: none }\n"
    "html, body, section, div, p, h1 { display: block }"
)

_UA = CSS(string=_UA_CSS)


class _CertificateHTML(HTML):
    def _ua_stylesheets(self, forms=False):
        return [_UA]

    def _ph_stylesheets(self):
        return []


FONT_CONFIG = FontConfiguration()  # one per process: Pango's font caches stay warm between renders
_lock = threading.Lock()  # … and it is shared, so one render at a time per process
_stylesheets: dict[str, list[CSS]] = {}


def _prepare(font_css: str) -> list[CSS]:
    """[layout CSS, font CSS], parsed once per process (the @font-face font is loaded once too)."""
    sheets = _stylesheets.get(font_css)
    if sheets is None:
        layout_path = finders.find(LAYOUT_CSS)
        if not layout_path:
            raise RuntimeError(f"static file {LAYOUT_CSS} not found")
        fetcher = SafeURLFetcher()
        sheets = _stylesheets[font_css] = [
            CSS(filename=layout_path, font_config=FONT_CONFIG, url_fetcher=fetcher),
            CSS(string=font_css, font_config=FONT_CONFIG, url_fetcher=fetcher, base_url=str(settings.BASE_DIR)),
        ]
    return sheets


def _render(
    certs: Sequence[Certificate], *, base_url: str, labels: dict | None = None, font_css: str = FONT_CSS_ZH
) -> list[bytes]:
    if not certs:
        return []
    labels = labels or LABELS_ZH
    pages = [_page(c, base_url, labels) for c in certs]
    html = render_to_string(TEMPLATE, {"pages": pages, "L": labels})
    with _lock:
        sheets = _prepare(font_css)
        gc_was_on = gc.isenabled()
        gc.disable()  # a render allocates ~10⁵ short-lived objects; collections mid-render cost more than they free
        try:
            document = _CertificateHTML(
                string=html, url_fetcher=SafeURLFetcher(), base_url=str(settings.BASE_DIR)
            ).render(font_config=FONT_CONFIG, stylesheets=sheets)
            if len(document.pages) != len(certs):
                raise RuntimeError(f"the certificate layout gave {len(document.pages)} pages for {len(certs)}")
            data = document.write_pdf()
            del document
        finally:
            if gc_was_on:
                gc.enable()
    return _split(data, [c.number for c in certs], labels["subtitle"])


# A name operand in a content stream (/F1 12 Tf, /Im3 Do, /a1.0 gs …).
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")


def _split(data: bytes, numbers: list[str], title: str) -> list[bytes]:
    """One PDF per page. WeasyPrint gives every page the same /Resources (all the batch's photos and QR codes), so
    each page keeps only the resources its content stream names — a certificate never carries another holder's
    photo — and pypdf copies the page with everything it still references (the batch's font subset included), so
    every file is self-contained."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    reader = PdfReader(io.BytesIO(data))
    for font in reader.pages[0]["/Resources"].get("/Font", {}).values():  # shared by every page
        _compact_widths(font.get_object())
    out = []
    for page, number in zip(reader.pages, numbers, strict=True):
        used = {m.decode("latin-1") for m in _NAME.findall(page.get_contents().get_data())}
        resources = page["/Resources"]
        pruned = DictionaryObject()
        for category, entries in resources.items():
            entries = entries.get_object()
            if isinstance(entries, DictionaryObject):
                kept = DictionaryObject({k: entries.raw_get(k) for k in entries if k[1:] in used})
                if kept:
                    pruned[NameObject(category)] = kept
            else:
                pruned[NameObject(category)] = resources.raw_get(category)
        page[NameObject("/Resources")] = pruned
        writer = PdfWriter()
        writer.add_page(page)
        writer.add_metadata({"/Title": f"{title} {number}", "/Creator": "职称申报评审系统"})
        buf = io.BytesIO()
        writer.write(buf)
        out.append(buf.getvalue())
    return out


def _compact_widths(font) -> None:
    """Drop the glyph widths equal to the default (1000: every ideograph) from a CID font's /W array. The batch's
    font carries the widths of every glyph of the batch; pypdf copies them into each file number by number."""
    from pypdf.generic import ArrayObject, NameObject, NumberObject

    if font.get("/Subtype") != "/Type0":
        return
    cid = font["/DescendantFonts"][0].get_object()
    if "/DW" in cid or "/W" not in cid:
        return
    items, widths, i = list(cid["/W"]), {}, 0
    while i < len(items):
        first, nxt = int(items[i]), items[i + 1]
        if isinstance(nxt, list):  # first [w1 w2 …]
            widths.update((first + k, w) for k, w in enumerate(nxt))
            i += 2
        else:  # first last w
            widths.update((g, items[i + 2]) for g in range(first, int(nxt) + 1))
            i += 3
    compact, run_start, run = ArrayObject(), None, ArrayObject()
    for gid in sorted(g for g, w in widths.items() if float(w) != 1000):
        if run and gid != run_start + len(run):
            compact += [NumberObject(run_start), run]
            run = ArrayObject()
        if not run:
            run_start = gid
        run.append(widths[gid])
    if run:
        compact += [NumberObject(run_start), run]
    cid[NameObject("/W")] = compact


def _page(cert: Certificate, base_url: str, labels: dict) -> dict:
    url = verification_url(cert, base_url)
    return {
        "cert": cert,
        "url": url,
        "level": labels.get("levels", {}).get(cert.level) or cert.get_level_display(),
        "qr_uri": _qr_data_uri(url),
        "photo_uri": _photo_data_uri(cert.photo),
        "fit": {
            "holder_name": _fit(cert.holder_name, _HALF_CELL),
            "work_unit": _fit(cert.work_unit, _FULL_CELL),
            "series": _fit(cert.series, _HALF_CELL),
            "specialty": _fit(cert.specialty, _HALF_CELL),
            "qualification": _fit(cert.qualification, _HALF_CELL),
            "committee": _fit(cert.committee, _FULL_CELL),
            "document_number": _fit(cert.document_number, _HALF_CELL),
            # 15 pt with 2 pt letter-spacing, after its label (Latin letters are relatively wider there), then
            # 12 pt with 1 pt, then 10 pt with none.
            "issuing_org": _fit(labels["issuing_org"] + cert.issuing_org_name, _ORG_CELL, latin=0.68, steps=_ORG_STEPS),
        },
    }


def _fit(value: str, cell: float, *, latin: float = 0.55, steps=_VALUE_STEPS) -> str:
    """CSS class for a value: the first of ``steps`` (how much longer than ``cell`` it may be, class) it fits
    in, else "wrap". ``cell``: the width in ideographs; ``latin``: other characters' width relative to one."""
    width = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else latin for ch in value or "")
    for factor, css_class in steps:
        if width <= cell * factor:
            return css_class
    return "wrap"


def _qr_data_uri(url: str) -> str:
    import segno

    # A fixed mask pattern: segno's search for the best of the eight costs ~6 ms in pure Python, more than the
    # rest of the QR code; any mask decodes (the test decodes it with zxing). One pixel per module, drawn
    # unsmoothed (image-rendering: pixelated): a few hundred bytes, sharp at any zoom.
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False, mask=QR_MASK).save(buf, kind="png", scale=1, border=4, light=QR_LIGHT)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _photo_data_uri(key: str) -> str | None:
    """The holder photo as a small JPEG data: URI (cropped to 3:4, at most 300 × 400 px, metadata stripped), or
    None — the placeholder box — when there is none or it cannot be read."""
    if not key:
        return None
    from PIL import Image, ImageOps

    try:
        with default_storage.open(key, "rb") as fh:
            img = Image.open(fh)
            img.draft("RGB", PHOTO_SIZE)  # JPEG: decode at 1/2, 1/4 … scale, still ≥ the target size
            img = ImageOps.exif_transpose(img).convert("RGB")
        w, h = img.size
        target = PHOTO_SIZE[0] / PHOTO_SIZE[1]
        if w / h > target:  # too wide: crop the sides
            cw = round(h * target)
            img = img.crop(((w - cw) // 2, 0, (w - cw) // 2 + cw, h))
        elif w / h < target:  # too tall: crop mostly the bottom (keep the head)
            ch = round(w / target)
            top = (h - ch) // 4
            img = img.crop((0, top, w, top + ch))
        if img.width > PHOTO_SIZE[0]:
            img = img.resize(PHOTO_SIZE, Image.Resampling.BICUBIC, reducing_gap=2.0)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=PHOTO_QUALITY)
    except Exception:  # noqa: BLE001 — a missing or broken photo must not stop the certificate
        log.warning("certificate photo %r unreadable; printing the placeholder", key, exc_info=True)
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
