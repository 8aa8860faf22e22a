"""Checking uploaded attachments (images and PDFs) by their content.

Applicants attach scans and photos to their dossier. Nothing the client says about a file is trusted: not its
name, not its extension, not the ``Content-Type`` of the request. The type is decided from the bytes alone:

* **PDF** — the file must start with ``%PDF-``, end with ``startxref`` / ``%%EOF``, parse with pypdf and have at
  least one page. It is refused when it is encrypted, or when *any* object in it — reached from the trailer or
  listed in the cross-reference table, compressed object streams included — carries JavaScript, a launch
  action, an embedded file, a file-attachment annotation, rich media (Flash) or an XFA form. A clean
  PDF is returned byte for byte.
* **Image** — JPEG, PNG, GIF or WebP, identified by Pillow. The declared size is checked against
  :data:`MAX_IMAGE_PIXELS` *before* anything is decoded, so a decompression bomb costs nothing. The image is
  then decoded, turned upright according to its EXIF orientation and re-encoded from the pixels alone — EXIF
  (GPS position, camera serial), ICC profiles, comments, text chunks and any bytes appended to the file are
  gone. The result is a JPEG, or a PNG when the image has transparency.

Everything else — HTML, SVG, text, executables, archives, office documents — is refused. Every refusal is a
:class:`~django.core.exceptions.ValidationError` with a Chinese message and a ``code``, so forms can show it as
it is.

Names are for display only (:func:`safe_display_name`); storage keys are generated elsewhere. Limits per
dossier are the caller's business: add up :attr:`CheckedFile.size`.

Typical use in a form::

    def clean_file(self):
        checked = check_upload(self.cleaned_data["file"])
        return checked.to_uploaded_file()   # or keep ``checked`` and store ``checked.content``
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

# --- limits -----------------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest attachment accepted, before and after re-encoding."""

MAX_IMAGE_PIXELS = 40_000_000
"""Largest image accepted, in pixels (width × height): ample for an A3 scan at 600 dpi (7016 × 4961 = 35 Mpx)."""

PHOTO_MAX_BYTES = 500 * 1024
"""Largest applicant photo (证件照) accepted, as uploaded."""

MAX_NAME_CHARS = 100
"""Longest display name, in characters, extension included."""

MAX_PDF_OBJECTS = 50_000
"""Most indirect objects a PDF may list. Parsing costs ~0.1 ms an object (a 300-page book has 10–30 thousand);
a file of hundreds of thousands of tiny objects is refused up front instead of tying up a worker."""

MAX_PDF_CONTAINERS = 2_000_000
"""Most dictionaries and arrays inspected in all, a backstop for the walk."""

MAX_PDF_UNLISTED = 100
"""Most references to objects the cross-reference data does not list. pypdf looks for each in the whole file,
so thousands of them would be slow; a file with that many dangling references is damaged anyway."""

MAX_PDF_DEPTH = 100
"""Deepest nesting of arrays/dictionaries inside one PDF object that is inspected before giving up."""

JPEG_QUALITY = 85
FALLBACK_NAME = "附件"

Kind = Literal["image", "pdf"]

# --- messages ---------------------------------------------------------------------------------------------------

MSG_EMPTY = "文件为空。"
MSG_NAME_REFUSED = "文件名不可用：{reason}。请重命名文件后重新上传。"
MSG_TOO_LARGE = "文件大小不能超过 {limit}。"
MSG_PHOTO_TOO_LARGE = "照片大小不能超过 500KB。"
MSG_TYPE = "只能上传 JPG/PNG 图片或 PDF 文件。"
MSG_TYPE_IMAGE = "只能上传图片。"
MSG_TYPE_PDF = "只能上传 PDF 文件。"
MSG_IMAGE_TOO_BIG = "图片尺寸过大。"
MSG_IMAGE_CORRUPT = "图片文件已损坏或不完整。"
MSG_PDF_CORRUPT = "PDF 文件已损坏或不完整。"
MSG_PDF_ENCRYPTED = "PDF 文件已加密，请上传未加密的文件。"
MSG_PDF_SCRIPT = "PDF 文件包含脚本，不能上传。"
MSG_PDF_LAUNCH = "PDF 文件包含启动外部程序的动作，不能上传。"
MSG_PDF_EMBEDDED = "PDF 文件包含嵌入文件，不能上传。"
MSG_PDF_RICH_MEDIA = "PDF 文件包含多媒体内容，不能上传。"
MSG_PDF_XFA = "PDF 文件包含动态表单（XFA），不能上传。"
MSG_PDF_COMPLEX = "PDF 文件结构过于复杂，无法检查，请另存后重新上传。"


# --- the result -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed :func:`check_upload` or :func:`check_photo`: what to store, and how to describe it."""

    content: bytes = field(repr=False)
    """The bytes to store: the original PDF, or the re-encoded image."""
    kind: Kind
    content_type: str
    """``image/jpeg``, ``image/png`` or ``application/pdf`` — of :attr:`content`, not of the upload."""
    extension: str
    """``.jpg``, ``.png`` or ``.pdf`` — of :attr:`content`."""
    display_name: str
    """The client's file name made safe (:func:`safe_display_name`), its extension matching :attr:`extension`."""
    sha256: str
    """Hex SHA-256 of :attr:`content`."""
    width: int | None = None
    height: int | None = None
    pages: int | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    def to_uploaded_file(self) -> SimpleUploadedFile:
        """The checked content as an in-memory upload, ready for a ``FileField`` (name it with a generated key)."""
        return SimpleUploadedFile(self.display_name, self.content, content_type=self.content_type)


# --- names ------------------------------------------------------------------------------------------------------

_WINDOWS_UNSAFE = str.maketrans({c: "_" for c in '<>:"|?*'})
_EXTENSION_RE = re.compile(r"^(.*?)(\.[A-Za-z0-9]{1,10})$", re.DOTALL)
_TYPE_EXTENSION_RE = re.compile(r"^(.+?)\.([A-Za-z0-9]{0,4}[A-Za-z][A-Za-z0-9]{0,4})$", re.DOTALL)
_EXTENSION_ALIASES = {".jpg": {".jpg", ".jpeg", ".jpe"}, ".png": {".png"}, ".pdf": {".pdf"}}


def safe_display_name(name: str | None) -> str:
    """Reduce a client's file name to something safe to show and to put in a ``Content-Disposition`` header.

    Keeps the last path component only (``/`` and ``\\`` both separate), drops control, format (e.g. the
    right-to-left override) and surrogate characters, turns any whitespace run into one space, replaces the
    characters Windows forbids in names, collapses ``..`` to ``.``, strips leading/trailing dots and spaces, and
    shortens the stem so that the whole name, extension kept, has at most :data:`MAX_NAME_CHARS` characters.
    Never returns an empty string: a name with nothing left becomes ``附件`` (``.pdf`` becomes ``附件.pdf``).
    """
    text = unicodedata.normalize("NFC", name if isinstance(name, str) else "")
    text = re.split(r"[/\\]", text)[-1]
    kept = []
    for ch in text:
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) not in ("Cc", "Cf", "Cs"):
            kept.append(ch)
    text = "".join(kept).translate(_WINDOWS_UNSAFE)
    text = re.sub(r" +", " ", text).strip()
    text = re.sub(r" ?\. ?", ".", text)  # "a . pdf" → "a.pdf": no spaces around dots
    text = re.sub(r"\.{2,}", ".", text)  # no ".." anywhere
    if _EXTENSION_RE.fullmatch(text) and text.startswith("."):  # ".pdf": an extension without a stem
        text = FALLBACK_NAME + text
    text = text.strip(" .")
    if not text:
        return FALLBACK_NAME
    if len(text) <= MAX_NAME_CHARS:
        return text
    match = _EXTENSION_RE.fullmatch(text)
    stem, ext = (match.group(1), match.group(2)) if match else (text, "")
    stem = stem[: MAX_NAME_CHARS - len(ext)].rstrip(" .") or FALLBACK_NAME
    return stem + ext


def _display_name_for(name: str | None, extension: str) -> str:
    """:func:`safe_display_name`, with the extension made to match the checked content.

    ``scan.png`` re-encoded to JPEG becomes ``scan.jpg``; ``x.pdf`` that is really a PNG becomes ``x.png``;
    ``photo.JPEG`` stays as it is. A trailing part that does not look like a file type (``报告.2023``) is kept
    and the extension appended.
    """
    safe = safe_display_name(name)
    match = _TYPE_EXTENSION_RE.fullmatch(safe)
    if match and "." + match.group(2).lower() in _EXTENSION_ALIASES[extension]:
        return safe
    stem = match.group(1) if match else safe
    stem = stem[: MAX_NAME_CHARS - len(extension)].rstrip(" .") or FALLBACK_NAME
    return stem + extension


# --- reading ----------------------------------------------------------------------------------------------------


def _format_limit(max_bytes: int) -> str:
    if max_bytes >= 1024 * 1024:
        mb = max_bytes / (1024 * 1024)
        return f"{mb:g} MB" if mb == int(mb) else f"{mb:.1f} MB"
    if max_bytes >= 1024:
        kb = max_bytes / 1024
        return f"{kb:g} KB" if kb == int(kb) else f"{kb:.1f} KB"
    return f"{max_bytes} 字节"


def _too_large(max_bytes: int, message: str | None, code: str) -> ValidationError:
    return ValidationError(message or MSG_TOO_LARGE.format(limit=_format_limit(max_bytes)), code=code)


def _read_at_most(f: Any, limit: int) -> bytes:
    """Read up to ``limit`` bytes from the start of ``f`` and rewind it (when it can be rewound)."""
    if hasattr(f, "seek"):
        f.seek(0)
    parts, remaining = [], limit
    while remaining > 0:
        chunk = f.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    if hasattr(f, "seek"):
        f.seek(0)
    return b"".join(parts)


def _type_error(allow: tuple[str, ...]) -> ValidationError:
    if set(allow) == {"image"}:
        return ValidationError(MSG_TYPE_IMAGE, code="file_type")
    if set(allow) == {"pdf"}:
        return ValidationError(MSG_TYPE_PDF, code="file_type")
    return ValidationError(MSG_TYPE, code="file_type")


# --- the checks -------------------------------------------------------------------------------------------------


def check_upload(
    f: Any,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    allow: Iterable[Kind] = ("image", "pdf"),
) -> CheckedFile:
    """Check an uploaded file by its content and return what may be stored.

    ``f`` is a Django ``UploadedFile`` (or any binary file object; its ``name`` is used for display only).
    At most ``max_bytes + 1`` bytes are read. ``allow`` restricts the accepted kinds. Raises
    :class:`~django.core.exceptions.ValidationError` (Chinese message, with a ``code``) when the file is refused.
    """
    return _check(f, max_bytes=max_bytes, allow=tuple(allow), too_large_message=None, too_large_code="file_too_large")


def check_photo(f: Any) -> CheckedFile:
    """Check the applicant's photo: an image whose upload is at most :data:`PHOTO_MAX_BYTES` (500 KB).

    The re-encoded result stays within the same limit (JPEG quality is lowered if need be).
    """
    return _check(
        f,
        max_bytes=PHOTO_MAX_BYTES,
        allow=("image",),
        too_large_message=MSG_PHOTO_TOO_LARGE,
        too_large_code="photo_too_large",
    )


def _check(
    f: Any, *, max_bytes: int, allow: tuple[str, ...], too_large_message: str | None, too_large_code: str
) -> CheckedFile:
    unknown = set(allow) - {"image", "pdf"}
    if unknown or not allow:
        raise ValueError(f"allow must name 'image' and/or 'pdf', not {allow!r}")
    refusal = getattr(f, "name_refusal", "")  # noted by common.middleware from the raw name the client sent
    if refusal:
        raise ValidationError(MSG_NAME_REFUSED.format(reason=refusal), code="file_name")
    declared = getattr(f, "size", None)  # computed by Django from the bytes received, not sent by the client
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(max_bytes, too_large_message, too_large_code)
    data = _read_at_most(f, max_bytes + 1)
    if not data:
        raise ValidationError(MSG_EMPTY, code="file_empty")
    if len(data) > max_bytes:
        raise _too_large(max_bytes, too_large_message, too_large_code)
    name = getattr(f, "name", None)

    if data.startswith(b"%PDF-"):
        if "pdf" not in allow:
            raise _type_error(allow)
        pages = _check_pdf(data)
        return CheckedFile(
            content=data,
            kind="pdf",
            content_type="application/pdf",
            extension=".pdf",
            display_name=_display_name_for(name, ".pdf"),
            sha256=hashlib.sha256(data).hexdigest(),
            pages=pages,
        )
    if "image" in allow:
        content, extension, width, height = _reencode_image(data, allow, max_bytes, too_large_message, too_large_code)
        return CheckedFile(
            content=content,
            kind="image",
            content_type="image/png" if extension == ".png" else "image/jpeg",
            extension=extension,
            display_name=_display_name_for(name, extension),
            sha256=hashlib.sha256(content).hexdigest(),
            width=width,
            height=height,
        )
    raise _type_error(allow)


# --- images -----------------------------------------------------------------------------------------------------

# Only these decoders are ever tried, so an upload can never reach Pillow's EPS (Ghostscript), TIFF, PSD, …
_IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _reencode_image(
    data: bytes, allow: tuple[str, ...], max_bytes: int, too_large_message: str | None, too_large_code: str
) -> tuple[bytes, str, int, int]:
    """Decode the image under the pixel limit and re-encode it from its pixels alone."""
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that; make both refusals. The
        # global limit is left alone: MAX_IMAGE_PIXELS below is ours, checked before any pixel is decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=_IMAGE_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(MSG_IMAGE_TOO_BIG, code="image_too_big") from exc
        except Exception as exc:  # UnidentifiedImageError, and whatever a malformed header provokes
            if _looks_like_image(data):
                raise ValidationError(MSG_IMAGE_CORRUPT, code="image_corrupt") from exc
            raise _type_error(allow) from exc
        with im:
            width, height = im.size
            if width <= 0 or height <= 0 or width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(MSG_IMAGE_TOO_BIG, code="image_too_big")
            try:
                _load_strict(im)
                out = _upright(im)
                out, fmt = _clean_mode(out)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise ValidationError(MSG_IMAGE_TOO_BIG, code="image_too_big") from exc
            except Exception as exc:  # truncated data, bad Huffman tables, broken zlib stream, …
                raise ValidationError(MSG_IMAGE_CORRUPT, code="image_corrupt") from exc
    out.info = {}  # no EXIF, ICC profile, comment, transparency key or text chunk can ride along
    content = _encode(out, fmt, max_bytes)
    if content is None:
        raise _too_large(max_bytes, too_large_message, too_large_code)
    return content, ".png" if fmt == "PNG" else ".jpg", out.width, out.height


def _load_strict(im: Image.Image) -> None:
    """Decode every pixel, refusing truncated data even when another library (WeasyPrint sets
    PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True on import) has told Pillow to pad missing data."""
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        im.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _upright(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (a phone photo taken sideways), ignoring unreadable EXIF."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # malformed EXIF: keep the pixels as stored
        return im.copy()


def _has_alpha(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return True
    return "transparency" in im.info and im.mode in ("P", "L", "RGB", "1", "I;16", "I")


def _clean_mode(im: Image.Image) -> tuple[Image.Image, str]:
    """The image in a mode JPEG/PNG can hold: RGB or L for JPEG, RGBA or LA for PNG (only with transparency)."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16-bit greyscale PNG: scale, don't clip to white
        transparent = _has_alpha(im)
        im = im.point(lambda v: v / 256).convert("L")
        return (im.convert("LA"), "PNG") if transparent else (im, "JPEG")
    if _has_alpha(im):
        if im.mode in ("L", "LA", "La") or (im.mode == "1"):
            return im.convert("LA"), "PNG"
        return im.convert("RGBA"), "PNG"
    if im.mode in ("L", "1"):
        return im.convert("L"), "JPEG"
    return im.convert("RGB"), "JPEG"


def _encode(im: Image.Image, fmt: str, max_bytes: int) -> bytes | None:
    """Encode; for JPEG lower the quality until it fits ``max_bytes``. ``None`` when it cannot be made to fit."""
    qualities = (JPEG_QUALITY, 75, 65, 50) if fmt == "JPEG" else (None,)
    for quality in qualities:
        buf = io.BytesIO()
        if fmt == "JPEG":
            im.save(buf, "JPEG", quality=quality, optimize=True)
        else:
            im.save(buf, "PNG")
        if buf.tell() <= max_bytes:
            return buf.getvalue()
    return None


# --- PDFs -------------------------------------------------------------------------------------------------------

_SCRIPT = (MSG_PDF_SCRIPT, "pdf_javascript")
_LAUNCH = (MSG_PDF_LAUNCH, "pdf_launch")
_EMBEDDED = (MSG_PDF_EMBEDDED, "pdf_embedded_file")
_RICH_MEDIA = (MSG_PDF_RICH_MEDIA, "pdf_rich_media")
_XFA = (MSG_PDF_XFA, "pdf_xfa")

# A dictionary key that is enough on its own (names are compared after pypdf decodes #xx escapes).
_BAD_KEYS = {
    "/JS": _SCRIPT,  # the script of a JavaScript (or Rendition) action
    "/JavaScript": _SCRIPT,  # the document-level script name tree in /Names
    "/EmbeddedFiles": _EMBEDDED,  # the embedded-file name tree in /Names
    "/EF": _EMBEDDED,  # a file specification carrying the file itself (also PDF/A-3 /AF)
    "/RichMediaContent": _RICH_MEDIA,
    "/RichMediaSettings": _RICH_MEDIA,
    "/XFA": _XFA,  # an XFA form in /AcroForm
}
# A name anywhere as a value: /S /JavaScript, /S /Launch, /Type /EmbeddedFile, /Subtype /FileAttachment, …
_BAD_NAMES = {
    "/JavaScript": _SCRIPT,
    "/Launch": _LAUNCH,
    "/EmbeddedFile": _EMBEDDED,
    "/FileAttachment": _EMBEDDED,
    "/RichMedia": _RICH_MEDIA,
    "/Flash": _RICH_MEDIA,
}
_JS_URI = re.compile(rb"^\s*javascript:", re.IGNORECASE)
_STARTXREF = re.compile(rb"startxref\s*(\d+)\s*$")


def _refuse(what: tuple[str, str]) -> ValidationError:
    return ValidationError(what[0], code=what[1])


def _check_pdf(data: bytes) -> int:
    """Refuse a PDF that is damaged, encrypted or active; return its page count."""
    corrupt = ValidationError(MSG_PDF_CORRUPT, code="pdf_corrupt")
    # The end of the file: a truncated upload loses its %%EOF and its startxref pointer first.
    eof = data.rfind(b"%%EOF")
    if eof < 0 or eof < len(data) - 1024:
        raise corrupt
    pointer = _STARTXREF.search(data, max(0, eof - 64), eof)
    if pointer is None or int(pointer.group(1)) >= len(data):
        raise corrupt
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # pypdf raises many kinds on damaged input
        if re.search(rb"/Encrypt\s*(<<|\d+\s+\d+\s+R)", data):  # an encryption pypdf cannot even set up
            raise ValidationError(MSG_PDF_ENCRYPTED, code="pdf_encrypted") from exc
        raise corrupt from exc
    if reader.is_encrypted:
        raise ValidationError(MSG_PDF_ENCRYPTED, code="pdf_encrypted")
    try:
        _scan_pdf_objects(reader)  # first: it bounds the work that resolving the page tree may cause
        pages = len(reader.pages)
        if pages < 1:
            raise corrupt
    except ValidationError:
        raise
    except RecursionError as exc:
        raise ValidationError(MSG_PDF_COMPLEX, code="pdf_too_complex") from exc
    except Exception as exc:
        raise corrupt from exc
    return pages


def _scan_pdf_objects(reader: PdfReader) -> None:
    """Walk every object of the document and refuse active or embedded content.

    The walk starts from the trailer *and* from every object the cross-reference data lists (objects inside
    compressed object streams included), so nothing hides by being unreachable from the catalogue or by being
    referenced from an unusual place. Each indirect object is read once (reference cycles are harmless), nesting
    inside one object is bounded by :data:`MAX_PDF_DEPTH`, and stream data is not decoded — only the stream
    dictionaries are inspected (a script stream is found through the ``/JS`` key that points to it).
    """
    listed = {(idnum, gen) for gen, entries in reader.xref.items() if gen != 65535 for idnum in entries}
    listed.update((idnum, 0) for idnum in reader.xref_objStm)
    if len(listed) > MAX_PDF_OBJECTS:
        raise ValidationError(MSG_PDF_COMPLEX, code="pdf_too_complex")

    trailer = DictionaryObject({k: v for k, v in reader.trailer.items() if k != "/Encrypt"})
    stack: list[tuple[Any, int]] = [(trailer, 0)]
    stack.extend((IndirectObject(idnum, gen, reader), 0) for idnum, gen in sorted(listed))
    seen: set[tuple[int, int]] = set()
    unlisted, containers = MAX_PDF_UNLISTED, MAX_PDF_CONTAINERS
    while stack:
        obj, depth = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            if key not in listed:
                unlisted -= 1
                if unlisted < 0:
                    raise ValidationError(MSG_PDF_CORRUPT, code="pdf_corrupt")
            obj, depth = obj.get_object(), 0
        if isinstance(obj, DictionaryObject):  # stream objects included: their dictionary is what matters
            containers -= 1
            for key, value in obj.items():
                if str(key) in _BAD_KEYS:
                    raise _refuse(_BAD_KEYS[str(key)])
                if key == "/URI":
                    _check_uri(value, listed)
                _inspect(value, depth, stack)
        elif isinstance(obj, ArrayObject):
            containers -= 1
            for value in obj:
                _inspect(value, depth, stack)
        else:
            _inspect(obj, depth, stack)
        if containers < 0 or depth > MAX_PDF_DEPTH:
            raise ValidationError(MSG_PDF_COMPLEX, code="pdf_too_complex")


def _inspect(value: Any, depth: int, stack: list[tuple[Any, int]]) -> None:
    """Check a value in place (names) or queue it for the walk (containers, references)."""
    if isinstance(value, NameObject):
        if str(value) in _BAD_NAMES:
            raise _refuse(_BAD_NAMES[str(value)])
    elif isinstance(value, IndirectObject):
        stack.append((value, 0))
    elif isinstance(value, (DictionaryObject, ArrayObject)):
        stack.append((value, depth + 1))


def _check_uri(value: Any, listed: set[tuple[int, int]]) -> None:
    """A link whose target is ``javascript:…`` is a script too."""
    if isinstance(value, IndirectObject):
        if (value.idnum, value.generation) not in listed:
            return  # not resolved here: a dangling reference would make pypdf search the whole file
        value = value.get_object()
    if isinstance(value, ByteStringObject):
        target = bytes(value)
    elif isinstance(value, TextStringObject):
        target = str(value).encode("utf-8", "replace")
    else:
        return
    if _JS_URI.match(target):
        raise _refuse(_SCRIPT)
