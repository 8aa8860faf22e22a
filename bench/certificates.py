"""`make bench` figures for the 职称电子证书 PDFs (certificates/pdf.py, certificates/signing.py), printed, never asserted.

Needs no database: the certificates are unsaved Certificate instances (with an unsaved IssuingUnit/Org), their photos
live in an in-memory storage, and the signing keys are made in a temporary directory — nothing is written into the
project. Measures, in one run: the first render in the process, a warm single certificate (median of 10), a batch
of 50 (per certificate, median of 3 batches), signing (per certificate), file sizes, and the same layout with
Latin-only text in a Latin font (DejaVu Sans) for comparison — what the CJK text itself costs.

Run alone:  DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python -m bench.certificates
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE_URL = "https://zc.example.cn"
GOALS = {"single_ms": 150, "batch_ms_per_cert": 30, "sign_ms_per_cert": 25, "size_kb": 100}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超"]
UNITS = ["四川省水文水资源勘测局", "中国工程物理研究院", "成都市第一人民医院", "眉山市东坡区农业农村局", "四川大学"]
LATIN_NAMES = ["John Smith", "Maria Garcia", "Ahmed Khan", "Anna Muller", "Li Wei", "Olga Petrova", "Tom Brown"]

LABELS_LATIN = {
    "lang": "en",
    "kicker": "Sichuan Professional Titles",
    "title": "Title Certificate",
    "subtitle": "Electronic Certificate",
    "photo": "Photo",
    "name": "Name",
    "gender": "Gender",
    "id_number": "ID number",
    "level": "Level",
    "work_unit": "Employer",
    "series": "Series",
    "specialty": "Specialty",
    "qualification": "Qualification",
    "approved_on": "Approved on",
    "committee": "Committee",
    "document_number": "Document no.",
    "number": "Certificate no.",
    "scan": "Scan to verify",
    "scan_hint": "Scan the QR code to check this certificate online.",
    "issuing_org": "Issued by: ",
    "issued_on": "Issued on: ",
    "signed": "Digitally signed by the issuing unit",
    "date_format": "Y-m-d",
    "levels": {
        "yuan": "Technician",
        "assistant": "Assistant",
        "middle": "Intermediate",
        "vice_senior": "Associate Senior",
        "senior": "Senior",
    },
}
FONT_CSS_LATIN = 'body { font-family: "DejaVu Sans", sans-serif; }'


def _ensure_django() -> None:
    """Mirror bench/__main__.py: the project root on sys.path, then Django set up (unless the caller did)."""
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def _photo_bytes(seed: int) -> bytes:
    """A photo-like 600 × 800 JPEG (gradient, shapes, sensor noise) as an applicant would upload."""
    from PIL import Image, ImageDraw

    w, h = 600, 800
    base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    img = Image.blend(base, Image.new("RGB", (w, h), (170, 190, 225)), 0.7)
    draw = ImageDraw.Draw(img)
    draw.ellipse((150, 110, 450, 470), fill=(228, 188, 160))
    draw.rectangle((80, 500, 520, 800), fill=(30 + seed % 50, 50, 110))
    noise = Image.effect_noise((w, h), 18).convert("RGB")
    img = Image.blend(img, noise, 0.12)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _certificates(n: int, *, latin: bool = False, start: int = 0) -> list:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from certificates.models import Certificate, IssuingUnit
    from orgs.models import Org

    org = Org(name="Sichuan HR Department" if latin else "四川省人力资源和社会保障厅")
    unit = IssuingUnit(code="5100", org=org)
    out = []
    for i in range(start, start + n):
        key = default_storage.save(f"bench/{i}.jpg", ContentFile(_photo_bytes(i)))
        if latin:
            fields = {
                "holder_name": f"{LATIN_NAMES[i % len(LATIN_NAMES)]} {chr(65 + i % 26)}.",
                "gender": "M",
                "work_unit": "Sichuan Hydrology and Water Resources Survey Bureau",
                "series": "Engineering",
                "specialty": "Hydraulic Engineering",
                "qualification": "Senior Engineer",
                "committee": "Sichuan Senior Engineering Title Committee",
                "document_number": "SC-2025-12",
                "issuing_org_name": org.name,
            }
        else:
            fields = {
                "holder_name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)],
                "gender": "男" if i % 2 else "女",
                "work_unit": UNITS[i % len(UNITS)],
                "series": "工程技术",
                "specialty": "水利水电工程",
                "qualification": "高级工程师",
                "committee": "四川省工程技术高级职称评审委员会",
                "document_number": "川职称〔2025〕12号",
                "issuing_org_name": org.name,
            }
        cert = Certificate(
            number=f"2025{unit.code}{i + 1:06d}",
            holder_id_number=f"5101041985{(i % 12) + 1:02d}1{i % 10}{(i * 3) % 10}23X"[:18],
            level="vice_senior",
            approved_on=dt.date(2025, 6, 30),
            issued_on=dt.date(2025, 7, 15),
            photo=key,
            **fields,
        )
        cert.issuing_unit = unit
        out.append(cert)
    return out


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _measure(render, single: list, batch: list) -> dict:
    """Warm single render (median of len(single)) and batch-of-len(batch) cost per certificate (median of 3)."""
    times = []
    for cert in single:
        t0 = time.perf_counter()
        data = render([cert])[0]
        times.append(time.perf_counter() - t0)
    per_cert, cpu_per_cert, pdfs = [], [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        pdfs = render(batch)
        per_cert.append((time.perf_counter() - t0) / len(batch))
        cpu_per_cert.append((time.process_time() - c0) / len(batch))
    return {
        "single_ms": _ms(statistics.median(times)),
        "batch_ms_per_cert": _ms(statistics.median(per_cert)),
        "batch_cpu_ms_per_cert": _ms(statistics.median(cpu_per_cert)),
        "size_kb": round(len(data) / 1024, 1),
        "batch_max_kb": round(max(len(p) for p in pdfs) / 1024, 1),
        "pdfs": pdfs,
    }


def bench_certificates() -> dict:
    _ensure_django()
    from django.core.management import call_command
    from django.test import override_settings
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    from certificates import pdf as P
    from certificates import signing

    subsetter = "HarfBuzz" if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0) else "fontTools (slow fallback!)"
    with (
        tempfile.TemporaryDirectory(prefix="zc-bench-signing-") as keys,
        override_settings(
            CERT_SIGNING_DIR=Path(keys),
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ),
    ):
        call_command("signing_setup", verbosity=0)

        def zh(certs):
            return P.render_certificates(certs, base_url=BASE_URL)

        def latin(certs):
            return P._render(certs, base_url=BASE_URL, labels=LABELS_LATIN, font_css=FONT_CSS_LATIN)

        # First render in the process: stylesheets parsed, the 1.3 MB font loaded, Pango's caches filled.
        first = _certificates(1, start=900)
        t0 = time.perf_counter()
        zh(first)
        cold = time.perf_counter() - t0
        cjk = _measure(zh, _certificates(10, start=100), _certificates(50, start=200))

        # Signing: every PDF of the batch, with the org name given (no database lookup); the key loaded first.
        signing.sign_pdf(cjk["pdfs"][0], issuing_code="5100", org_name="四川省人力资源和社会保障厅")
        sign_times, signed = [], []
        for data in cjk["pdfs"]:
            t0 = time.perf_counter()
            signed.append(signing.sign_pdf(data, issuing_code="5100", org_name="四川省人力资源和社会保障厅"))
            sign_times.append(time.perf_counter() - t0)
        signing.verify_pdf(signed[1])  # the trust root loaded, pyHanko's validation code imported
        t0 = time.perf_counter()
        verified = signing.verify_pdf(signed[0])
        verify_ms = _ms(time.perf_counter() - t0)

        latin(_certificates(1, latin=True, start=901))  # its own stylesheets parsed once
        lat = _measure(latin, _certificates(10, latin=True, start=300), _certificates(50, latin=True, start=400))

    result = {
        "font_subsetting": subsetter,
        "cold_first_render_ms": _ms(cold),
        "single_ms": cjk["single_ms"],
        "batch50_ms_per_cert": cjk["batch_ms_per_cert"],
        "batch50_cpu_ms_per_cert": cjk["batch_cpu_ms_per_cert"],
        "sign_ms_per_cert": _ms(statistics.median(sign_times)),
        "sign_ms_per_cert_mean": _ms(statistics.mean(sign_times)),
        "verify_ms": verify_ms,
        "signature_valid": verified["valid"],
        "size_kb": cjk["size_kb"],
        "batch_max_kb": cjk["batch_max_kb"],
        "signed_max_kb": round(max(len(s) for s in signed) / 1024, 1),
        "latin_single_ms": lat["single_ms"],
        "latin_batch50_ms_per_cert": lat["batch_ms_per_cert"],
        "latin_batch50_cpu_ms_per_cert": lat["batch_cpu_ms_per_cert"],
        "latin_size_kb": lat["size_kb"],
        "cpus": os.cpu_count(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    _print(result)
    return result


def _print(r: dict) -> None:
    def row(label, cjk, latin, goal, unit):
        ok = "" if goal is None else ("ok" if cjk is not None and cjk <= goal else "OVER")
        goal_s = "" if goal is None else f"≤ {goal} {unit}"
        lat = "" if latin is None else f"{latin:>8}"
        print(f"  {label:<34}{cjk:>9} {unit:<3}{lat:>10}   {goal_s:<12} {ok}")

    print("职称电子证书 PDF (one A4 page, photo + QR; a batch is one WeasyPrint document split with pypdf)")
    print(f"  font subsetting: {r['font_subsetting']}; {r['cpus']} CPUs, load average {r['load_avg_1min']}")
    print(f"  {'':<34}{'CJK':>9}    {'Latin':>10}   {'goal':<12}")
    row("first render in the process", r["cold_first_render_ms"], None, None, "ms")
    row("warm single (median of 10)", r["single_ms"], r["latin_single_ms"], GOALS["single_ms"], "ms")
    row(
        "batch of 50, per certificate",
        r["batch50_ms_per_cert"],
        r["latin_batch50_ms_per_cert"],
        GOALS["batch_ms_per_cert"],
        "ms",
    )
    row("  … of which CPU time", r["batch50_cpu_ms_per_cert"], r["latin_batch50_cpu_ms_per_cert"], None, "ms")
    row("signing, per certificate (median)", r["sign_ms_per_cert"], None, GOALS["sign_ms_per_cert"], "ms")
    row("size, single", r["size_kb"], r["latin_size_kb"], GOALS["size_kb"], "KB")
    row("size, largest of the batch, signed", r["signed_max_kb"], None, GOALS["size_kb"], "KB")
    print(f"  verify_pdf: {r['verify_ms']} ms, valid: {r['signature_valid']}")


if __name__ == "__main__":
    bench_certificates()
