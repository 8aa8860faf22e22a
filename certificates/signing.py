"""PAdES signatures on 职称电子证书 PDFs (pyHanko, ECDSA P-256) and their verification.

Keys live in settings.CERT_SIGNING_DIR (`manage.py signing_setup` makes a demo CA and keys; never committed):
``<code>.key.pem`` + ``<code>.cert.pem`` for an issuing unit with its own key, else ``default.key.pem`` +
``default.cert.pem``; ``ca.cert.pem`` is the chain and the trust root for verify_pdf. Loaded signers are cached per
process (keyed by the files' modification times, so re-running signing_setup --force is picked up).

The signature is invisible (a field with an empty rectangle on page 1), PAdES baseline B-B: SHA-256, no timestamp
and no revocation info — the public verification page checks the certificate's status in the database.
"""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

FIELD_NAME = "电子印章"
REASON = "职称电子证书"

_lock = threading.Lock()
_signers: dict[tuple, tuple] = {}  # files' (path, mtime) → (SimpleSigner, bytes to reserve)
_trust: dict[tuple, object] = {}


def _dir() -> Path:
    return Path(settings.CERT_SIGNING_DIR)


def _stamp(*paths: Path) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns) for p in paths)


def _files_for(issuing_code: str) -> tuple[Path, Path]:
    d = _dir()
    if issuing_code and issuing_code.isdigit():
        key, cert = d / f"{issuing_code}.key.pem", d / f"{issuing_code}.cert.pem"
        if key.exists() and cert.exists():
            return key, cert
    key, cert = d / "default.key.pem", d / "default.cert.pem"
    if not (key.exists() and cert.exists()):
        raise ImproperlyConfigured(
            f"未找到证书签名密钥（{d}）：请安装发证单位的签名密钥和证书，"
            "或运行 python manage.py signing_setup 生成演示密钥。"
        )
    return key, cert


def _signer(issuing_code: str):
    from pyhanko.sign import signers

    key, cert = _files_for(issuing_code)
    ca = _dir() / "ca.cert.pem"
    chain = [ca] if ca.exists() else []
    stamp = _stamp(key, cert, *chain)
    signer = _signers.get(stamp)
    if signer is None:
        with _lock:
            signer = _signers.get(stamp)
            if signer is None:
                loaded = signers.SimpleSigner.load(str(key), str(cert), ca_chain_files=[str(c) for c in chain])
                if loaded is None:
                    raise ImproperlyConfigured(f"cannot load the signing key {key}")
                # Room for the CMS blob: the embedded certificates, plus the signature and the signed attributes.
                ders = {c.dump() for c in loaded.cert_registry} | {loaded.signing_cert.dump()}
                reserve = 4096 + sum(len(d) for d in ders)
                signer = _signers[stamp] = (loaded, -(-reserve // 512) * 512)  # pyHanko wants an even count
    return signer


def _signer_name(signer) -> str:
    return signer.signing_cert.subject.native.get("common_name", "")


def _org_name(issuing_code: str) -> str:
    from django.db import DatabaseError

    from certificates.models import IssuingUnit

    try:
        unit = IssuingUnit.objects.filter(code=issuing_code).select_related("org").first()
    except DatabaseError:
        return ""
    return unit.org.name if unit else ""


def sign_pdf(data: bytes, *, issuing_code: str, org_name: str = "") -> bytes:
    """The PDF with an invisible PAdES signature of the issuing unit (its own key when it has one, else the
    default key). The issuing org's name — ``org_name``, else looked up by code, else the signing certificate's
    common name — is written as the signature's name and location."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer, reserve = _signer(issuing_code)
    name = org_name or _org_name(issuing_code) or _signer_name(signer)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=REASON,
        location=name,
        name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    # Reserving the room for the CMS blob ourselves spares pyHanko a dry-run signature: half the signing time.
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer, in_place=False, bytes_reserved=reserve)
    return out.getvalue()


def _validation_context():
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    ca = _dir() / "ca.cert.pem"
    if not ca.exists():
        return None
    stamp = _stamp(ca)
    root = _trust.get(stamp)
    if root is None:
        root = _trust[stamp] = load_cert_from_pemder(str(ca))
    # A fresh context per validation (it caches paths and revocation state); no network fetching.
    return ValidationContext(trust_roots=[root], allow_fetching=False)


def verify_pdf(data: bytes) -> dict:
    """{"valid", "intact", "signer"} for the PDF's signature. ``intact``: the signed bytes are unchanged.
    ``valid``: intact, cryptographically valid, chains to our CA, and covers the whole file (nothing added after
    signing). ``signer``: the signing certificate's common name."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    result = {"valid": False, "intact": False, "signer": ""}
    try:
        sigs = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        if not sigs:
            return result
        context = _validation_context()
        if context is None:
            log.warning("verify_pdf: no ca.cert.pem in %s; nothing can be trusted", _dir())
        status = validate_pdf_signature(sigs[-1], context)
    except Exception:  # noqa: BLE001 — anything unreadable is simply not a valid certificate
        log.info("verify_pdf: unreadable or unverifiable PDF", exc_info=True)
        return result
    result["intact"] = bool(status.intact)
    result["signer"] = status.signing_cert.subject.native.get("common_name", "") if status.signing_cert else ""
    result["valid"] = bool(
        context is not None
        and status.intact
        and status.valid
        and status.trusted
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        and len(sigs) == 1
    )
    return result
