"""`manage.py signing_setup`: a local demo CA and the signing certificates for 职称电子证书 (certificates/signing.py).

Writes into CERT_SIGNING_DIR (or --dir): ca.key.pem / ca.cert.pem, default.key.pem / default.cert.pem, and
<code>.key.pem / <code>.cert.pem for each --codes issuing-unit code (CN = that IssuingUnit's org name when it exists,
else the code). ECDSA P-256, 10 years, keyUsage digitalSignature + nonRepudiation. Idempotent: existing files are
kept unless --force (a new CA re-issues every certificate). Keys are written 0600. Never commit these files; a real
deployment puts certificates issued by a proper CA in CERT_SIGNING_DIR instead.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

CA_NAME = "职称电子证书测试根证书（演示用）"
VALIDITY = dt.timedelta(days=3652)


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)  # also when the file existed with other permissions


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "职称申报评审系统（演示）"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn[:64]),
        ]
    )


def make_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name(CA_NAME)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_signer(cn: str, ca_key, ca_cert: x509.Certificate) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _org_name(code: str) -> str:
    from certificates.models import IssuingUnit

    unit = IssuingUnit.objects.filter(code=code).select_related("org").first()
    return unit.org.name if unit else code


class Command(BaseCommand):
    help = "Create the demo CA and the certificate-signing keys in CERT_SIGNING_DIR (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="target directory (default: settings.CERT_SIGNING_DIR)")
        parser.add_argument("--codes", nargs="*", default=[], help="issuing-unit codes to give their own key")
        parser.add_argument("--force", action="store_true", help="replace existing files")

    def handle(self, *args, **options):
        target = Path(options["dir"] or settings.CERT_SIGNING_DIR)
        codes, force = options["codes"] or [], options["force"]
        say = self.stdout.write if options["verbosity"] >= 1 else (lambda _msg: None)
        if not target.exists():
            target.mkdir(parents=True)
            os.chmod(target, 0o700)
        for code in codes:
            if not code.isdigit():
                raise CommandError(f"发证单位编码须为数字：{code!r}")
        ca_key_path, ca_cert_path = target / "ca.key.pem", target / "ca.cert.pem"
        new_ca = force or not (ca_key_path.exists() and ca_cert_path.exists())
        if new_ca:
            ca_key, ca_cert = make_ca()
            _write(ca_key_path, _key_pem(ca_key), 0o600)
            _write(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
            say(f"created {ca_cert_path}")
        else:
            ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
            ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        stems = ["default", *codes]
        if new_ca:  # a new CA: re-issue every signing certificate already here, or they would no longer verify
            stems += sorted(p.name.removesuffix(".cert.pem") for p in target.glob("*.cert.pem"))
        for stem in dict.fromkeys(stems):
            if stem == "ca":
                continue
            key_path, cert_path = target / f"{stem}.key.pem", target / f"{stem}.cert.pem"
            if not new_ca and key_path.exists() and cert_path.exists():
                say(f"kept {cert_path}")
                continue
            cn = "职称电子证书签名（默认）" if stem == "default" else _org_name(stem)
            key, cert = make_signer(cn, ca_key, ca_cert)
            _write(key_path, _key_pem(key), 0o600)
            _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
            say(f"created {cert_path} ({cn})")
