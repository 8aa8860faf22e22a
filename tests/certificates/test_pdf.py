"""CRT-4 the 职称电子证书 PDF (certificates/pdf.py), its QR code and its PAdES signature (certificates/signing.py).

Certificates are built directly with the ORM here (no review chain needed to print one). Keys: the demo CA and the
default signing key are made once per session into settings.CERT_SIGNING_DIR (.test-signing, gitignored).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import stat

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image, ImageDraw
from pypdf import PdfReader

from certificates.models import Certificate, IssuingUnit
from certificates.pdf import render_certificate, render_certificates, verification_url
from certificates.signing import sign_pdf, verify_pdf
from common.pdf import FetchRefused, SafeURLFetcher
from tests.factories import create_unit, province_root

BASE = "https://zc.example.cn"
RARE = "𠀀"  # U+20000, CJK Extension B: outside the shipped GB2312 font
RARE_A = "䶮"  # U+4DAE, CJK Extension A
_seq = itertools.count(1)


# --- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def signing_dir(django_db_blocker):
    """The demo CA and the default signing key, made once per session (idempotent) into CERT_SIGNING_DIR."""
    with django_db_blocker.unblock():
        call_command("signing_setup", verbosity=0)
    return settings.CERT_SIGNING_DIR


@pytest.fixture(autouse=True)
def photo_storage(settings, tmp_path):
    """Photos go to an empty storage directory of this test's own."""
    root = tmp_path / "certificate-photos"
    root.mkdir(exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def unit(db) -> IssuingUnit:
    root, _op = province_root()
    return IssuingUnit.objects.create(code="5100", org=root)


def make_cert(unit: IssuingUnit, **fields) -> Certificate:
    n = next(_seq)
    data = {
        "number": f"2025{unit.code}{n:06d}",
        "holder_name": "张伟",
        "holder_id_number": "510104198503121234",
        "gender": "男",
        "work_unit": "四川省水文水资源勘测局",
        "series": "工程技术",
        "specialty": "水利水电工程",
        "level": "vice_senior",
        "qualification": "高级工程师",
        "committee": "四川省工程技术高级职称评审委员会",
        "approved_on": dt.date(2025, 6, 30),
        "issued_on": dt.date(2025, 7, 15),
        "document_number": "川职称〔2025〕12号",
        "issuing_unit": unit,
        "issuing_org_name": unit.org.name,
    }
    data.update(fields)
    return Certificate.objects.create(**data)


def photo_key(width: int = 900, height: int = 1200, tint: int = 0) -> str:
    img = Image.new("RGB", (width, height), (205, 215, 235))
    draw = ImageDraw.Draw(img)
    draw.ellipse((width * 0.25, height * 0.12, width * 0.75, height * 0.55), fill=(232, 190, 160))
    draw.rectangle((width * 0.12, height * 0.6, width * 0.88, height), fill=(40, 60, 100 + tint))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    return default_storage.save(f"photos/{next(_seq)}.jpg", ContentFile(buf.getvalue()))


# --- helpers -------------------------------------------------------------------------------------------------


def text_of(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def flat(s: str) -> str:
    return "".join(s.split())


def fonts_of(data: bytes) -> dict[str, bool]:
    """{BaseFont: embedded?}: a font is embedded when its descriptor carries a /FontFile2 or /FontFile3."""
    out = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            out[str(font["/BaseFont"])] = "/FontFile2" in desc or "/FontFile3" in desc
    return out


def images_of(data: bytes) -> list:
    page = PdfReader(io.BytesIO(data)).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})
    return [x.get_object() for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]


def qr_texts(data: bytes) -> list[str]:
    import pypdfium2 as pdfium
    import zxingcpp

    pdf = pdfium.PdfDocument(data)
    try:
        image = pdf[0].render(scale=3).to_pil().convert("L")  # 216 dpi: ~6 px per QR module
    finally:
        pdf.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def byte_range(data: bytes) -> tuple[int, int, int, int]:
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert m, "no /ByteRange in the signed PDF"
    a, b, c, d = map(int, m.groups())
    return a, b, c, d


# --- the PDF -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_certificate_prints_its_fields_with_the_font_embedded(unit):
    cert = make_cert(unit, photo=photo_key())
    data = render_certificate(cert, base_url=BASE)

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = flat(text_of(data))
    for value in (
        cert.holder_name,
        cert.number,
        cert.qualification,
        cert.holder_id_number,
        cert.work_unit,
        cert.series,
        cert.specialty,
        cert.committee,
        cert.document_number,
        cert.issuing_org_name,
        "副高级",
        "2025年6月30日",
        "2025年7月15日",
        "扫码验证",
        "专业技术职务任职资格证书",
    ):
        assert flat(value) in text, value
    fonts = fonts_of(data)
    assert fonts and all(fonts.values()), fonts  # every font embedded (subset), none left to the viewer
    assert any("ZC-Sans" in name for name in fonts), fonts  # the shipped GB2312 font
    assert reader.metadata.title == f"职称电子证书 {cert.number}"
    assert len(data) < 100 * 1024


@pytest.mark.django_db
def test_qr_code_decodes_to_the_verification_url(unit):
    cert = make_cert(unit)
    url = verification_url(cert, BASE + "/")
    assert url == f"{BASE}/verify/{cert.token}/"
    assert qr_texts(render_certificate(cert, base_url=BASE)) == [url]


@pytest.mark.django_db
def test_photo_is_a_small_embedded_jpeg_and_a_missing_one_prints_the_placeholder(unit):
    with_photo = render_certificate(make_cert(unit, photo=photo_key(2400, 3200)), base_url=BASE)
    photos = [im for im in images_of(with_photo) if im.get("/Filter") == "/DCTDecode"]
    assert len(photos) == 1
    assert photos[0]["/Width"] <= 300 and photos[0]["/Height"] <= 400
    assert "照片" not in flat(text_of(with_photo))

    for key in ("", "photos/gone.jpg"):
        data = render_certificate(make_cert(unit, photo=key), base_url=BASE)
        assert not [im for im in images_of(data) if im.get("/Filter") == "/DCTDecode"]
        assert "照片" in flat(text_of(data))


@pytest.mark.django_db
def test_rare_characters_outside_gb2312_print_through_the_fallback_font(unit):
    cert = make_cert(unit, holder_name=f"王{RARE}{RARE_A}", work_unit=f"{RARE_A}研究所")
    data = render_certificate(cert, base_url=BASE)
    text = flat(text_of(data))
    assert f"王{RARE}{RARE_A}" in text
    assert f"{RARE_A}研究所" in text
    fonts = fonts_of(data)
    assert all(fonts.values()), fonts
    assert any("HanaMin" in name for name in fonts), (
        f"no Hanazono fallback font embedded ({fonts}): install fonts-hanazono (make system-deps)"
    )
    assert len(data) < 100 * 1024


@pytest.mark.django_db
def test_markup_and_template_syntax_in_fields_print_literally(unit):
    cert = make_cert(
        unit,
        holder_name="<script>alert(1)</script>",
        work_unit="{{7*7}}{% now 'Y' %}",
        committee="<b>评委会</b>&amp;",
        number="2025510012345",
        holder_id_number="510104198503121234",
    )
    text = flat(text_of(render_certificate(cert, base_url=BASE)))
    assert "<script>alert(1)</script>" in text
    assert "{{7*7}}{%now'Y'%}" in text
    assert "<b>评委会</b>&amp;" in text
    assert "49" not in text.replace(str(cert.token), "")  # never evaluated


@pytest.mark.django_db
def test_urls_in_fields_are_never_fetched(unit, monkeypatch):
    fetched = []
    real_fetch = SafeURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(SafeURLFetcher, "fetch", recording_fetch)
    cert = make_cert(
        unit,
        holder_name='<img src="file:///etc/passwd">',
        work_unit='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        committee="<style>@import url(http://127.0.0.1:9/y.css);</style>",
        photo=photo_key(),
    )
    text = flat(text_of(render_certificate(cert, base_url=BASE)))
    assert flat('<img src="file:///etc/passwd">') in text
    assert flat('<link rel="stylesheet" href="http://127.0.0.1:9/x.css">') in text
    assert all(u.startswith(("data:", "zc-static:")) for u in fetched), fetched  # photo, QR, (first render) font
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.css", "zc-static:../../etc/passwd"):
        with pytest.raises(FetchRefused):
            SafeURLFetcher().fetch(url)


@pytest.mark.django_db
def test_long_values_shrink_instead_of_spilling_onto_a_second_page(unit):
    cert = make_cert(
        unit,
        holder_name="阿卜杜热合曼·买买提依明·艾力" * 2,
        work_unit="四川省某某市某某县某某乡镇人民政府农业农村综合服务中心水利水电工程技术推广站" * 2,
        series="工程技术" * 15,
        specialty="水利水电工程建设管理" * 6,
        qualification="高级工程师" * 12,
        committee="四川省工程技术高级职称评审委员会" * 7,
        document_number="川职称〔2025〕" * 6,
        issuing_org_name="四川省某某市某某县人力资源和社会保障局职称改革工作领导小组办公室" * 2,
    )
    data = render_certificate(cert, base_url=BASE)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = flat(text_of(data))
    assert flat(cert.committee) in text and flat(cert.issuing_org_name) in text


@pytest.mark.django_db
def test_a_batch_gives_one_self_contained_pdf_per_certificate(unit, signing_dir):
    names = ["赵明", "钱华", "孙强", f"李{RARE}", "周静"]
    certs = [make_cert(unit, holder_name=n, photo=photo_key(tint=10 * i)) for i, n in enumerate(names)]
    pdfs = render_certificates(certs, base_url=BASE)
    assert len(pdfs) == 5
    for cert, data in zip(certs, pdfs, strict=True):
        assert len(PdfReader(io.BytesIO(data)).pages) == 1
        assert len(data) < 100 * 1024
        text = flat(text_of(data))
        assert cert.number in text and cert.holder_name in text
        for other in certs:
            if other is not cert:
                assert other.number not in text and other.holder_name not in text
        # Only its own photo and QR code: WeasyPrint shares one /Resources across the batch, the split prunes it.
        assert len(images_of(data)) == 2
        assert all(fonts_of(data).values())
        assert qr_texts(data) == [verification_url(cert, BASE)]
        signed = sign_pdf(data, issuing_code=unit.code)
        assert verify_pdf(signed)["valid"] is True
    assert render_certificates([], base_url=BASE) == []


# --- the signature -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signature_validates_and_any_change_breaks_it(unit, signing_dir):
    data = render_certificate(make_cert(unit), base_url=BASE)
    signed = sign_pdf(data, issuing_code=unit.code)
    result = verify_pdf(signed)
    # Signed by the unit's own key where one was made (load_demo makes one for 5100), else the default key.
    assert result["valid"] is True and result["intact"] is True
    assert result["signer"]  # which key signs: test_issuing_unit_keys_and_a_foreign_ca

    # The signature dictionary names the issuing org (looked up by its code), reason and field.
    reader = PdfReader(io.BytesIO(signed))
    field = next(f for f in reader.get_fields().values() if f.get("/FT") == "/Sig")
    sig = field["/V"].get_object()
    assert sig["/Name"] == unit.org.name and sig["/Location"] == unit.org.name
    assert sig["/Reason"] == "职称电子证书"
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"

    # One byte flipped inside a content stream that the ByteRange covers (not inside /Contents).
    a, b, c, d = byte_range(signed)
    m = re.compile(rb"stream\r?\n").search(signed, a, b)
    assert m is not None
    pos = m.end() + 10
    assert a <= pos < b
    tampered = bytearray(signed)
    tampered[pos] ^= 0x01
    broken = verify_pdf(bytes(tampered))
    assert broken["valid"] is False and broken["intact"] is False

    # Anything appended after signing is not covered: no longer valid.
    assert verify_pdf(signed + b"\n% appended\n")["valid"] is False
    # Unsigned, or not a PDF at all.
    assert verify_pdf(data) == {"valid": False, "intact": False, "signer": ""}
    assert verify_pdf(b"not a pdf") == {"valid": False, "intact": False, "signer": ""}


@pytest.mark.django_db
def test_issuing_unit_keys_and_a_foreign_ca(unit, signing_dir, settings, tmp_path):
    city, _op = create_unit(actor=province_root()[1], parent=unit.org, kind="hr_city")
    IssuingUnit.objects.create(code="5114", org=city)
    own = tmp_path / "keys"
    settings.CERT_SIGNING_DIR = own
    call_command("signing_setup", "--codes", "5114", verbosity=0)
    for name in ("ca", "default", "5114"):
        assert stat.S_IMODE((own / f"{name}.key.pem").stat().st_mode) == 0o600
    before = {p.name: p.read_bytes() for p in own.iterdir()}
    call_command("signing_setup", "--codes", "5114", verbosity=0)  # idempotent: nothing replaced
    assert {p.name: p.read_bytes() for p in own.iterdir()} == before

    data = render_certificate(make_cert(unit), base_url=BASE)
    assert verify_pdf(sign_pdf(data, issuing_code="5114"))["signer"] == city.name  # the unit's own key
    assert verify_pdf(sign_pdf(data, issuing_code="5199"))["signer"] == "职称电子证书签名（默认）"  # no key: default
    foreign = sign_pdf(data, issuing_code="5114")

    # Signed under another CA: intact, but not trusted by ours.
    settings.CERT_SIGNING_DIR = signing_dir
    result = verify_pdf(foreign)
    assert result["intact"] is True and result["valid"] is False
