"""Helpers for the declaration tests: small real files, page text, the storage contents."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


# --------------------------------------------------------------------------------------------- files
def png_bytes(size: tuple[int, int] = (12, 16), colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def jpeg_noise_bytes(target: int) -> bytes:
    """A real JPEG of random pixels at least `target` bytes long (noise does not compress)."""
    import os

    side = 200
    while True:
        im = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=95)
        if buf.tell() >= target:
            return buf.getvalue()
        side += 100


def pdf_bytes(*, javascript: str | None = None, encrypt: str | None = None) -> bytes:
    """A one-page PDF made by pypdf; optionally with an OpenAction script, or encrypted."""
    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    if javascript is not None:
        action = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(javascript),
            }
        )
        w._root_object[NameObject("/OpenAction")] = w._add_object(action)
    if encrypt is not None:
        w.encrypt(user_password=encrypt, owner_password=encrypt + "-owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def bomb_png_bytes(width: int = 12_000, height: int = 12_000) -> bytes:
    """A PNG declaring width × height pixels (144 Mpx) whose compressed data is tiny: a decompression bomb."""
    im = Image.new("1", (width, height), 0)
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_upload(name: str = "证件照.png", **kw) -> SimpleUploadedFile:
    return upload(name, png_bytes(**kw), "image/png")


def pdf_upload(name: str = "证明.pdf") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(), "application/pdf")


# --------------------------------------------------------------------------------------------- pages
def text(content: bytes | str) -> str:
    """Visible text of a page: tags stripped, entities decoded, whitespace collapsed."""
    html = content.decode() if isinstance(content, bytes) else content
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL | re.IGNORECASE)
    html = re.sub(r"</?(a|span|strong|b|em|small|code)\b[^>]*>", "", html)  # inline: no gap in a sentence
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context else []


def nav_titles(content: bytes | str) -> list[str]:
    """The section titles of the dossier's left navigation (档案袋), in order, without the overview entry."""
    html = content.decode() if isinstance(content, bytes) else content
    nav = re.search(r'<nav class="dossier-nav.*?</nav>', html, flags=re.DOTALL)
    assert nav, "no dossier navigation on the page"
    items = [text(a) for a in re.findall(r"<a\b[^>]*>(.*?)</a>", nav.group(0), flags=re.DOTALL)]
    return [t.replace("●", "").strip() for t in items[1:]]


def hidden_values(content: bytes | str, name: str) -> list[str]:
    html = content.decode() if isinstance(content, bytes) else content
    return re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)


def field_value(content: bytes | str, name: str) -> str | None:
    """The value attribute of the <input name=…> on the page (None when absent)."""
    html = content.decode() if isinstance(content, bytes) else content
    tag = re.search(rf'<input\b[^>]*\bname="{name}"[^>]*>', html)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def pdf_with(*, launch: bool = False, embedded: bool = False, padding: int = 0) -> bytes:
    """A one-page PDF with a launch action, an embedded file, or `padding` bytes of random data in a stream."""
    import os

    from pypdf.generic import StreamObject

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    if launch:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
        )
        w._root_object[NameObject("/OpenAction")] = w._add_object(action)
    if embedded:
        w.add_attachment("payload.txt", b"hidden data")
    if padding:
        stream = StreamObject()
        stream.set_data(os.urandom(padding))
        w._root_object[NameObject("/ZcPadding")] = w._add_object(stream)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def raw_multipart(
    fields: dict, file_field: str, filename: bytes, data: bytes, content_type: str = "application/pdf"
) -> tuple[bytes, str]:
    """A multipart body written by hand, so the file name is sent exactly as given (the test client would
    reduce it to its basename first)."""
    boundary = "zc-test-boundary-7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="'.encode()
        + filename
        + f'"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
