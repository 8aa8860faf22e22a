"""common.uploads: attachments are judged by their bytes — never by name or claimed content type.

Every sample file is generated here, in code (Pillow, pypdf, zlib, or by hand); no binary is committed.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import time
import warnings
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, features
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from common import uploads
from common.uploads import (
    MAX_FILE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_NAME_CHARS,
    MSG_EMPTY,
    MSG_IMAGE_CORRUPT,
    MSG_IMAGE_TOO_BIG,
    MSG_PDF_COMPLEX,
    MSG_PDF_CORRUPT,
    MSG_PDF_EMBEDDED,
    MSG_PDF_ENCRYPTED,
    MSG_PDF_LAUNCH,
    MSG_PDF_RICH_MEDIA,
    MSG_PDF_SCRIPT,
    MSG_PDF_XFA,
    MSG_PHOTO_TOO_LARGE,
    MSG_TYPE,
    MSG_TYPE_IMAGE,
    MSG_TYPE_PDF,
    PHOTO_MAX_BYTES,
    CheckedFile,
    check_photo,
    check_upload,
    safe_display_name,
)

# --- sample generators ------------------------------------------------------------------------------------------


def upload(data: bytes, name: str = "附件.bin", content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_bytes(fmt: str = "JPEG", size=(64, 48), mode: str = "RGB", color=(200, 30, 30), **save) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, fmt, **save)
    return buf.getvalue()


def noise_jpeg(at_least: int, *, seed: int = 7) -> bytes:
    """A random-noise JPEG (incompressible) of at least ``at_least`` bytes and not much more."""
    rnd = random.Random(seed)
    side = int((at_least / 1.3) ** 0.5)
    while True:
        buf = io.BytesIO()
        Image.frombytes("RGB", (side, side), rnd.randbytes(side * side * 3)).save(buf, "JPEG", quality=95)
        if buf.tell() >= at_least:
            return buf.getvalue()
        side = int(side * 1.05) + 1


def exif_jpeg() -> bytes:
    """40×20, left half red, right half blue, stored sideways (EXIF orientation 6) with a GPS position."""
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    im.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "ACME Phone"  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (30.0, 15.0, 7.5), 3: "E", 4: (120.0, 9.0, 36.0)})
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, quality=95, icc_profile=b"\0" * 128, comment=b"secret comment")
    return buf.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def one_bit_png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A black 1-bit greyscale PNG written by hand; ``rows`` < height leaves the pixel data short."""
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def pdf_bytes(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_writer(pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return writer


def js_action(code: str = "app.alert('hi')") -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def valid_pdf(pages: int = 1) -> bytes:
    return pdf_bytes(pdf_writer(pages))


def raw_pdf(*extra: bytes, catalog: bytes = b"", page: bytes = b"") -> bytes:
    """A PDF written by hand, with a classic xref table: catalogue 1, pages 2, page 3, then ``extra`` from 4 on."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page + b" >>",
        *extra,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_with_object_stream(hidden: bytes) -> bytes:
    """PDF 1.5 by hand: object 4 (``hidden``) compressed inside object stream 5, found through xref stream 6."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    plain = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }
    for number, body in plain.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n" % (
        len(header),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 5, 0)]  # object 4: in object stream 5, index 0
    rows += [struct.pack(">BIH", 1, offsets[5], 0), struct.pack(">BIH", 1, offsets[6], 0)]
    table = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def refused(data: bytes, *, name: str = "附件.bin", check=check_upload, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        check(upload(data, name), **kwargs)
    return info.value


def assert_refused(data: bytes, message: str, code: str, **kwargs) -> None:
    error = refused(data, **kwargs)
    assert error.messages == [message]
    assert error.code == code


# --- names ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\x00b.pdf", "ab.pdf"),
        ("C:\\Users\\x\\证书.pdf", "证书.pdf"),
        ("/var/www/../证书 扫描件.JPG", "证书 扫描件.JPG"),
        ("   ", "附件"),
        ("..", "附件"),
        (".", "附件"),
        ("../..", "附件"),
        ("", "附件"),
        (None, "附件"),
        (".pdf", "附件.pdf"),
        ("a..b...pdf", "a.b.pdf"),
        ("  学历\t证书 \n (2020) .pdf  ", "学历 证书 (2020).pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override dropped: no disguised extension
        ("a\u200bb\x7f\x1b.pdf", "ab.pdf"),
        ('报告<1>:"最终"|版?*.pdf', "报告_1___最终__版__.pdf"),
        ("name.", "name"),
        ("职称\u3000证书.png", "职称 证书.png"),
    ],
)
def test_safe_display_name(raw, expected):
    assert safe_display_name(raw) == expected


def test_safe_display_name_truncates_the_stem_and_keeps_the_extension():
    name = "很" * 150 + "x" * 150 + ".pdf"
    safe = safe_display_name(name)
    assert len(safe) == MAX_NAME_CHARS
    assert safe.endswith(".pdf")
    assert safe.startswith("很很很")
    long_without_extension = safe_display_name("z" * 300)
    assert long_without_extension == "z" * MAX_NAME_CHARS


@pytest.mark.parametrize("raw", ["../../etc/passwd", "a\x00b.pdf", "x" * 300 + ".pdf", "..\\..\\boot.ini", "\r\n.."])
def test_safe_display_name_is_header_safe(raw):
    safe = safe_display_name(raw)
    assert safe and len(safe) <= MAX_NAME_CHARS
    assert not any(c in safe for c in '/\\\x00\r\n"')
    assert ".." not in safe


def test_uploaded_name_is_made_safe_and_matches_the_content():
    checked = check_upload(upload(valid_pdf(), "../../" + "长" * 300 + ".pdf"))
    assert len(checked.display_name) <= MAX_NAME_CHARS
    assert checked.display_name.endswith(".pdf") and "/" not in checked.display_name
    assert check_upload(upload(valid_pdf(), "a\x00b.PDF")).display_name == "ab.PDF"
    assert check_upload(upload(image_bytes("JPEG"), "照片.jpeg")).display_name == "照片.jpeg"
    assert check_upload(upload(image_bytes("PNG"), "扫描件.png")).display_name == "扫描件.jpg"  # re-encoded to JPEG
    assert check_upload(upload(valid_pdf(), "报告.2023")).display_name == "报告.2023.pdf"
    assert check_upload(io.BytesIO(valid_pdf())).display_name == "附件.pdf"  # no name at all


# --- the name and the claimed type are never trusted ------------------------------------------------------------


def test_a_real_png_named_pdf_is_an_image():
    checked = check_upload(upload(image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0)), "x.pdf", "application/pdf"))
    assert (checked.kind, checked.extension, checked.content_type) == ("image", ".png", "image/png")
    assert checked.display_name == "x.png"


def test_a_real_pdf_named_jpg_is_a_pdf():
    data = valid_pdf()
    checked = check_upload(upload(data, "x.jpg", "image/jpeg"))
    assert (checked.kind, checked.extension, checked.content_type) == ("pdf", ".pdf", "application/pdf")
    assert checked.display_name == "x.pdf"
    assert checked.content == data


# --- type refusals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(range(256)) * 8, "证书.pdf", id="exe-renamed-pdf"),
        pytest.param(b"<html><script>alert(document.cookie)</script></html>", "照片.jpg", id="html-renamed-jpg"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>alert(1)</script><rect width='10' height='10'/></svg>",
            "logo.svg",
            id="svg",
        ),
        pytest.param(b"just some text\n", "说明.txt", id="text"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\0" * 64, "a.png", id="elf"),
        pytest.param(b"BM" + b"\0" * 64, "a.bmp", id="bmp-header"),
    ],
)
def test_non_image_non_pdf_is_refused(data, name):
    assert_refused(data, MSG_TYPE, "file_type", name=name)


def test_zip_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("证书.pdf", valid_pdf())
    assert_refused(buf.getvalue(), MSG_TYPE, "file_type", name="证书.pdf")


def test_allow_narrows_the_message():
    assert_refused(b"<html></html>", MSG_TYPE_IMAGE, "file_type", allow=("image",))
    assert_refused(valid_pdf(), MSG_TYPE_IMAGE, "file_type", allow=("image",))
    assert_refused(image_bytes("PNG"), MSG_TYPE_PDF, "file_type", allow=("pdf",))
    assert check_upload(upload(valid_pdf()), allow=("pdf",)).kind == "pdf"
    with pytest.raises(ValueError):
        check_upload(upload(valid_pdf()), allow=("exe",))


# --- size -------------------------------------------------------------------------------------------------------


def test_empty_file_is_refused():
    assert_refused(b"", MSG_EMPTY, "file_empty")


def test_file_over_the_limit_is_refused():
    data = valid_pdf()
    assert_refused(data + b"\0" * (1024 * 1024), "文件大小不能超过 1 MB。", "file_too_large", max_bytes=1024 * 1024)
    assert_refused(data + b"\0" * 2048, "文件大小不能超过 1.5 KB。", "file_too_large", max_bytes=1536)
    assert_refused(data, f"文件大小不能超过 {len(data) - 1} 字节。", "file_too_large", max_bytes=len(data) - 1)
    assert check_upload(upload(data), max_bytes=len(data)).content == data


def test_default_limit_is_ten_megabytes():
    assert MAX_FILE_BYTES == 10 * 1024 * 1024
    assert_refused(b"%PDF-" + b"\0" * MAX_FILE_BYTES, "文件大小不能超过 10 MB。", "file_too_large")


class CountingReader(io.BytesIO):
    """A file object without ``size`` that records how much was read from it."""

    name = "big.pdf"

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        chunk = super().read(n)
        self.bytes_read += len(chunk)
        return chunk


def test_reads_at_most_one_byte_over_the_limit():
    f = CountingReader(b"%PDF-" + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as info:
        check_upload(f, max_bytes=1000)
    assert info.value.code == "file_too_large"
    assert f.bytes_read == 1001


def test_the_upload_is_rewound_after_checking():
    data = valid_pdf()
    f = upload(data)
    f.read(10)
    check_upload(f)
    assert f.read() == data


# --- images -----------------------------------------------------------------------------------------------------


def test_valid_jpeg():
    checked = check_upload(upload(image_bytes("JPEG", size=(64, 48)), "证件照.jpg", "image/jpeg"))
    assert isinstance(checked, CheckedFile)
    assert (checked.kind, checked.extension, checked.content_type) == ("image", ".jpg", "image/jpeg")
    assert (checked.width, checked.height, checked.pages) == (64, 48, None)
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()
    assert checked.size == len(checked.content)
    with Image.open(io.BytesIO(checked.content)) as im:
        assert (im.format, im.size, im.mode) == ("JPEG", (64, 48), "RGB")


def test_png_without_transparency_becomes_jpeg():
    checked = check_upload(upload(image_bytes("PNG", size=(30, 20), color=(10, 200, 10)), "扫描件.png"))
    assert (checked.extension, checked.content_type, checked.width, checked.height) == (".jpg", "image/jpeg", 30, 20)
    with Image.open(io.BytesIO(checked.content)) as im:
        assert im.format == "JPEG"
        r, g, b = im.getpixel((15, 10))
        assert g > 180 and r < 40 and b < 40


def test_png_with_alpha_stays_png_with_its_alpha():
    im = Image.new("RGBA", (20, 20), (0, 0, 255, 0))
    im.paste((255, 0, 0, 255), (0, 0, 10, 20))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    checked = check_upload(upload(buf.getvalue(), "签名.png"))
    assert (checked.extension, checked.content_type) == (".png", "image/png")
    with Image.open(io.BytesIO(checked.content)) as out:
        assert (out.format, out.mode) == ("PNG", "RGBA")
        assert out.getpixel((5, 5)) == (255, 0, 0, 255)
        assert out.getpixel((15, 5))[3] == 0


def test_palette_png_with_transparency_stays_transparent():
    im = Image.new("P", (10, 10), 1)
    im.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    buf = io.BytesIO()
    im.save(buf, "PNG", transparency=1)
    checked = check_upload(upload(buf.getvalue()))
    with Image.open(io.BytesIO(checked.content)) as out:
        assert out.format == "PNG"
        assert out.convert("RGBA").getpixel((0, 0))[3] == 0


def test_gif_and_webp_are_accepted_as_images():
    assert check_upload(upload(image_bytes("GIF", mode="P", color=3))).kind == "image"
    if features.check("webp"):
        assert check_upload(upload(image_bytes("WEBP"))).extension == ".jpg"


def test_greyscale_cmyk_and_sixteen_bit_images_are_converted():
    grey = check_upload(upload(image_bytes("PNG", mode="L", color=128)))
    with Image.open(io.BytesIO(grey.content)) as im:
        assert (im.format, im.mode) == ("JPEG", "L")
    cmyk = check_upload(upload(image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))))
    with Image.open(io.BytesIO(cmyk.content)) as im:
        assert (im.format, im.mode) == ("JPEG", "RGB")
    deep = check_upload(upload(image_bytes("PNG", mode="I;16", color=32768)))
    with Image.open(io.BytesIO(deep.content)) as im:
        assert im.mode == "L"
        assert 120 <= im.getpixel((0, 0)) <= 136  # scaled to 8 bits, not clipped to white


def test_exif_orientation_applied_and_metadata_stripped():
    original = exif_jpeg()
    with Image.open(io.BytesIO(original)) as im:  # the sample really carries what we strip
        assert im.getexif()[0x0112] == 6 and im.getexif().get_ifd(0x8825)
        assert "icc_profile" in im.info and "comment" in im.info
    checked = check_upload(upload(original, "IMG_0001.JPG", "image/jpeg"))
    assert (checked.width, checked.height) == (20, 40)
    assert checked.display_name == "IMG_0001.JPG"
    assert b"ACME" not in checked.content and b"secret" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as im:
        assert im.size == (20, 40)
        exif = im.getexif()
        assert len(exif) == 0 and not exif.get_ifd(0x8825)
        assert "exif" not in im.info and "icc_profile" not in im.info and "comment" not in im.info
        top, bottom = im.getpixel((10, 5)), im.getpixel((10, 35))
        assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
        assert bottom[2] > 200 and bottom[0] < 60


def test_bytes_appended_to_an_image_are_dropped():
    payload = b"<html><script>alert(1)</script></html>"
    checked = check_upload(upload(image_bytes("JPEG") + payload, "x.jpg"))
    assert payload not in checked.content


def test_png_text_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    checked = check_upload(upload(image_bytes("PNG", mode="RGBA", color=(1, 2, 3, 4), pnginfo=info)))
    assert b"script" not in checked.content


def test_truncated_image_is_refused():
    rnd = random.Random(3)
    buf = io.BytesIO()
    Image.frombytes("RGB", (120, 120), rnd.randbytes(120 * 120 * 3)).save(buf, "PNG")
    assert_refused(buf.getvalue()[: buf.tell() // 2], MSG_IMAGE_CORRUPT, "image_corrupt")
    jpeg = noise_jpeg(20_000)
    assert_refused(jpeg[: len(jpeg) // 2], MSG_IMAGE_CORRUPT, "image_corrupt")
    assert_refused(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, MSG_IMAGE_CORRUPT, "image_corrupt")


def test_decompression_bomb_png_is_refused_without_decoding():
    bomb = one_bit_png(20_000, 20_000)  # 400 million pixels, complete and valid, a few tens of KB
    assert len(bomb) < 200_000
    limit_before = Image.MAX_IMAGE_PIXELS
    started = time.perf_counter()
    assert_refused(bomb, MSG_IMAGE_TOO_BIG, "image_too_big")
    assert time.perf_counter() - started < 1
    assert Image.MAX_IMAGE_PIXELS == limit_before  # the global limit is left alone
    # only the header is true: 30000 × 30000 declared, one row of data
    assert_refused(one_bit_png(30_000, 30_000, rows=1), MSG_IMAGE_TOO_BIG, "image_too_big")


def test_pillow_bomb_warning_becomes_a_refusal_not_a_warning():
    side = 10_000  # 100 Mpx: above Pillow's warning threshold, below its error threshold
    assert Image.MAX_IMAGE_PIXELS < side * side < 2 * Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert_refused(one_bit_png(side, side, rows=1), MSG_IMAGE_TOO_BIG, "image_too_big")
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]


def test_image_between_our_limit_and_pillows_is_refused():
    side = int(MAX_IMAGE_PIXELS**0.5) + 100  # over our limit, under Pillow's default warning threshold
    assert side * side < Image.MAX_IMAGE_PIXELS
    assert_refused(one_bit_png(side, side, rows=1), MSG_IMAGE_TOO_BIG, "image_too_big")


def low_quality_noise_jpeg(quality: int) -> bytes:
    buf = io.BytesIO()
    rnd = random.Random(1)
    Image.frombytes("RGB", (300, 300), rnd.randbytes(300 * 300 * 3)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def test_jpeg_quality_is_lowered_to_stay_within_the_limit():
    data = low_quality_noise_jpeg(5)  # re-encoded at quality 85 it would grow
    checked = check_upload(upload(data), max_bytes=len(data))
    assert checked.size <= len(data)


def test_image_that_cannot_be_reencoded_within_the_limit_is_refused():
    data = low_quality_noise_jpeg(10)  # grows at every quality tried
    assert_refused(data, f"文件大小不能超过 {len(data) / 1024:.1f} KB。", "file_too_large", max_bytes=len(data))
    rnd = random.Random(9)
    im = Image.frombytes("P", (200, 200), rnd.randbytes(200 * 200))
    im.putpalette(rnd.randbytes(768))
    buf = io.BytesIO()
    im.save(buf, "PNG", transparency=0)  # one byte a pixel in, four bytes (RGBA) a pixel out
    assert len(buf.getvalue()) < 100 * 1024
    assert_refused(buf.getvalue(), "文件大小不能超过 100 KB。", "file_too_large", max_bytes=100 * 1024)


# --- photo ------------------------------------------------------------------------------------------------------


def test_photo_over_500kb_is_refused():
    big = noise_jpeg(600 * 1024)
    assert len(big) > PHOTO_MAX_BYTES
    assert check_upload(upload(big)).kind == "image"  # fine as an ordinary attachment
    assert_refused(big, MSG_PHOTO_TOO_LARGE, "photo_too_large", check=check_photo)


def test_photo_of_100kb_passes():
    small = noise_jpeg(100 * 1024)
    assert len(small) < PHOTO_MAX_BYTES
    checked = check_photo(upload(small, "证件照.jpg"))
    assert checked.kind == "image" and checked.size <= PHOTO_MAX_BYTES


def test_photo_stays_within_the_limit_after_reencoding():
    data = low_quality_noise_jpeg(5)
    padded = data[:-2] + b"\0" * (PHOTO_MAX_BYTES - len(data)) + data[-2:]  # exactly 500 KB, trailing padding
    assert len(padded) == PHOTO_MAX_BYTES
    assert check_photo(upload(padded)).size <= PHOTO_MAX_BYTES


def test_photo_must_be_an_image():
    assert_refused(valid_pdf(), MSG_TYPE_IMAGE, "file_type", check=check_photo)
    assert_refused(b"<html></html>", MSG_TYPE_IMAGE, "file_type", check=check_photo)


# --- PDF: accepted ----------------------------------------------------------------------------------------------


def test_valid_pdf_is_returned_unchanged():
    data = valid_pdf(pages=3)
    checked = check_upload(upload(data, "学历证书.pdf", "application/pdf"))
    assert checked.content == data
    assert (checked.kind, checked.extension, checked.content_type, checked.pages) == (
        "pdf",
        ".pdf",
        "application/pdf",
        3,
    )
    assert (checked.width, checked.height) == (None, None)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.display_name == "学历证书.pdf"


def test_pdf_with_links_outlines_and_cycles_is_accepted():
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI (https://rsj.example.gov.cn/) >> >>"
    outline = [b"<< /Type /Outlines /First 6 0 R /Last 7 0 R /Count 2 >>"]
    items = [
        b"<< /Title (one) /Parent 5 0 R /Next 7 0 R /Dest [3 0 R /Fit] >>",
        b"<< /Title (two) /Parent 5 0 R /Prev 6 0 R /Dest [3 0 R /Fit] >>",
    ]
    data = raw_pdf(link, *outline, *items, catalog=b"/Outlines 5 0 R", page=b"/Annots [4 0 R]")
    assert check_upload(upload(data)).pages == 1


def test_object_stream_pdf_is_read():
    assert check_upload(upload(pdf_with_object_stream(b"<< /Type /Action /S /GoTo /D [3 0 R /Fit] >>"))).pages == 1


def test_hand_written_clean_pdf_is_accepted():
    checked = check_upload(upload(raw_pdf()))
    assert checked.pages == 1 and PdfReader(io.BytesIO(checked.content)).pages


# --- PDF: active content ----------------------------------------------------------------------------------------


def test_pdf_with_open_action_javascript_is_refused():
    writer = pdf_writer()
    writer.root_object[NameObject("/OpenAction")] = js_action()
    assert_refused(pdf_bytes(writer), MSG_PDF_SCRIPT, "pdf_javascript")


def test_pdf_with_names_javascript_is_refused():
    writer = pdf_writer()
    writer.add_open_action(JavaScript("this.print({bUI:true});"))
    assert "/JavaScript" in writer.root_object["/Names"]
    assert_refused(pdf_bytes(writer), MSG_PDF_SCRIPT, "pdf_javascript")


def test_pdf_with_page_additional_action_javascript_is_refused():
    writer = pdf_writer(pages=2)
    writer.pages[1][NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(js_action())})
    assert_refused(pdf_bytes(writer), MSG_PDF_SCRIPT, "pdf_javascript")


def test_pdf_with_document_additional_action_javascript_is_refused():
    writer = pdf_writer()
    writer.root_object[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): js_action()})
    assert_refused(pdf_bytes(writer), MSG_PDF_SCRIPT, "pdf_javascript")


@pytest.mark.parametrize(
    "annotation",
    [
        pytest.param(b"/A << /S /JavaScript /JS 5 0 R >>", id="link-action-with-script-stream"),
        pytest.param(b"/A << /S /JavaScript >>", id="javascript-action-without-js"),
        pytest.param(b"/AA << /E << /JS (app.alert(1)) >> >>", id="bare-js-key"),
        pytest.param(b"/A << /S /URI /URI (  JavaScript:alert(1)) >>", id="javascript-uri"),
        pytest.param(b"/A << /S /URI /URI 6 0 R >>", id="javascript-uri-by-reference"),
    ],
)
def test_pdf_with_annotation_javascript_is_refused(annotation):
    script = b"<< /Length 11 >>\nstream\napp.alert()\nendstream"
    annot = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] " + annotation + b" >>"
    uri = b"<feff006a006100760061007300630072006900700074003a>"  # "javascript:" as a UTF-16 text string
    assert_refused(raw_pdf(annot, script, uri, page=b"/Annots [4 0 R]"), MSG_PDF_SCRIPT, "pdf_javascript")


def test_obfuscated_names_are_decoded():
    data = raw_pdf(catalog=b"/OpenAction << /S /J#61va#53cript /J#53 (app.alert(1)) >>")
    assert b"/JavaScript" not in data and b"/JS" not in data
    assert_refused(data, MSG_PDF_SCRIPT, "pdf_javascript")


def test_script_inside_a_compressed_object_stream_is_refused():
    data = pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    assert b"JavaScript" not in data
    assert_refused(data, MSG_PDF_SCRIPT, "pdf_javascript")


def test_script_in_an_unreferenced_object_is_refused():
    assert_refused(raw_pdf(b"<< /S /JavaScript /JS (app.alert(1)) >>"), MSG_PDF_SCRIPT, "pdf_javascript")


def test_action_type_given_by_reference_is_resolved():
    assert_refused(
        raw_pdf(b"<< /S 5 0 R /F (calc.exe) >>", b"/Launch", catalog=b"/OpenAction 4 0 R"), MSG_PDF_LAUNCH, "pdf_launch"
    )


def test_pdf_with_launch_action_is_refused():
    writer = pdf_writer()
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("C:\\Windows\\System32\\cmd.exe")}
    )
    assert_refused(pdf_bytes(writer), MSG_PDF_LAUNCH, "pdf_launch")


def test_pdf_with_embedded_file_is_refused():
    writer = pdf_writer()
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    assert_refused(pdf_bytes(writer), MSG_PDF_EMBEDDED, "pdf_embedded_file")


def test_pdf_with_file_attachment_annotation_is_refused():
    annot = b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS << /Type /Filespec /F (a.txt) >> >>"
    assert_refused(raw_pdf(annot, page=b"/Annots [4 0 R]"), MSG_PDF_EMBEDDED, "pdf_embedded_file")


def test_pdf_with_rich_media_is_refused():
    annot = b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>"
    assert_refused(raw_pdf(annot, page=b"/Annots [4 0 R]"), MSG_PDF_RICH_MEDIA, "pdf_rich_media")


def test_pdf_with_xfa_form_is_refused():
    writer = pdf_writer()
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): ArrayObject([TextStringObject("template")])}
    )
    assert_refused(pdf_bytes(writer), MSG_PDF_XFA, "pdf_xfa")


# --- PDF: encrypted, damaged, hostile structure ----------------------------------------------------------------


@pytest.mark.parametrize("user_password", ["", "secret"])
def test_encrypted_pdf_is_refused(user_password):
    writer = pdf_writer()
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    assert_refused(pdf_bytes(writer), MSG_PDF_ENCRYPTED, "pdf_encrypted")


def test_truncated_pdf_is_refused():
    data = valid_pdf(pages=2)
    assert_refused(data[: len(data) // 2], MSG_PDF_CORRUPT, "pdf_corrupt")
    assert_refused(data[: data.rindex(b"%%EOF")], MSG_PDF_CORRUPT, "pdf_corrupt")  # only the marker missing
    assert_refused(data[: data.rindex(b"startxref")] + b"%%EOF\n", MSG_PDF_CORRUPT, "pdf_corrupt")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\n%%EOF\n", id="header-only"),
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\nstartxref\n9\n%%EOF\n", id="garbage"),
        pytest.param(b"%PDF-1.4\nstartxref\n999999\n%%EOF\n", id="pointer-past-end"),
        pytest.param(b"%PDF-" + b"\0" * 5000 + b"%%EOF", id="eof-far-from-the-end"),
    ],
)
def test_damaged_pdf_is_refused(data):
    assert_refused(data, MSG_PDF_CORRUPT, "pdf_corrupt")


def test_pdf_without_pages_is_refused():
    assert_refused(pdf_bytes(PdfWriter()), MSG_PDF_CORRUPT, "pdf_corrupt")


def test_deeply_nested_pdf_is_refused():
    nested = b"[" * 150 + b"]" * 150
    assert_refused(raw_pdf(b"<< /Deep " + nested + b" >>"), MSG_PDF_COMPLEX, "pdf_too_complex")
    very = b"[" * 20_000 + b"]" * 20_000
    error = refused(raw_pdf(b"<< /Deep " + very + b" >>"))
    assert error.code in ("pdf_too_complex", "pdf_corrupt")


def test_pdf_with_too_many_objects_is_refused_up_front():
    data = raw_pdf(*([b"<< /A [1 2 3] /B (x) >>"] * (uploads.MAX_PDF_OBJECTS + 10)))
    started = time.perf_counter()
    assert_refused(data, MSG_PDF_COMPLEX, "pdf_too_complex")
    assert time.perf_counter() - started < 3


def test_pdf_with_an_exponential_page_tree_is_refused():
    # 12 levels of /Pages nodes, each listing the next one ten times: 10^12 pages from 14 objects
    levels = [
        b"<< /Type /Pages /Kids [" + b" ".join([b"%d 0 R" % (n + 1)] * 10) + b"] /Count 10 >>" for n in range(4, 16)
    ]
    data = raw_pdf(*levels, b"<< /Type /Page /MediaBox [0 0 10 10] >>")
    data = data.replace(b"/Kids [3 0 R] /Count 1", b"/Kids [4 0 R] /Count 1")  # same length: offsets hold
    started = time.perf_counter()
    error = refused(data)
    assert error.code in ("pdf_corrupt", "pdf_too_complex")
    assert time.perf_counter() - started < 5


def test_pdf_container_budget(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PDF_CONTAINERS", 3)
    assert_refused(valid_pdf(), MSG_PDF_COMPLEX, "pdf_too_complex")


def test_pdf_with_many_dangling_references_is_refused_quickly():
    refs = b" ".join(b"%d 0 R" % n for n in range(100_000, 102_000))
    started = time.perf_counter()
    assert_refused(raw_pdf(b"[" + refs + b"]", catalog=b"/Extra 4 0 R"), MSG_PDF_CORRUPT, "pdf_corrupt")
    assert time.perf_counter() - started < 3
    assert check_upload(upload(raw_pdf(b"<< /Gone 99 0 R >>"))).pages == 1  # a few are tolerated


def test_checked_file_helpers():
    checked = check_upload(upload(valid_pdf(), "证书.pdf"))
    assert "content" not in repr(checked) or "%PDF" not in repr(checked)
    as_upload = checked.to_uploaded_file()
    assert (as_upload.name, as_upload.content_type, as_upload.read()) == (
        "证书.pdf",
        "application/pdf",
        checked.content,
    )


def test_limits():
    assert MAX_IMAGE_PIXELS == 40_000_000
    assert PHOTO_MAX_BYTES == 500 * 1024
    assert MAX_NAME_CHARS == 100


def test_truncated_image_is_refused_even_after_weasyprint_is_imported():
    """WeasyPrint sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True when imported; uploads must not follow it."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    test_truncated_image_is_refused()
