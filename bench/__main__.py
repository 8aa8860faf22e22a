"""`make bench`: speed figures, printed — never asserted in tests.

Builds a throw-away SQLite database with a full dossier (several rows in every section) and measures the
申报表 PDF render (cold, then warm). Later issues add their figures here (certificates, inbox).
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
sys.path.insert(0, str(ROOT))


def _setup() -> None:
    tmp = tempfile.mkdtemp(prefix="zc-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _full_dossier():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from accounts import services as accounts_services
    from accounts.models import Role, RoleAssignment, User
    from common.checksums import make_id_number, make_uscc
    from declarations import sections as S
    from declarations import services as D
    from orgs.models import Org, Region
    from titles.demo import committees_load
    from titles.models import Committee, QualificationName, Series, Specialty

    prov = Region.objects.add_root(create_kwargs={"code": "510000", "name": "四川省", "level": "province"})
    root = Org.objects.add_root(
        instance=Org(
            name="四川省人力资源和社会保障厅",
            kind="hr_province",
            region=prov,
            locality=prov,
            uscc=make_uscc("1", "1", "510000", "00000001"),
        )
    )
    op = User(
        username=make_id_number("510104", dt.date(1980, 1, 1), "011"),
        name="省厅经办",
        org=root,
        is_unit_admin=True,
        must_change_password=False,
    )
    op.id_number = op.username
    op.set_password("Bench@2026x")
    op.save()
    RoleAssignment.objects.create(user=op, role=Role.objects.get(code="hr_province"), org=root)
    accounts_services.org_permissions_sync(user=op, org=root)
    made = accounts_services.org_create_with_operator(
        actor=op,
        parent=root,
        kind="central",
        name="中国工程物理研究院",
        uscc=make_uscc("1", "1", "510000", "00000002"),
        region=prov,
        locality=prov,
        operator_name="单位经办",
        operator_id_number=make_id_number("510104", dt.date(1981, 1, 1), "021"),
    )
    ip = accounts_services.org_create_with_operator(
        actor=op,
        parent=root,
        kind="committee_office",
        name="四川省知识产权服务促进中心",
        uscc=make_uscc("1", "1", "510000", "00000003"),
        region=prov,
        locality=prov,
        operator_name="评办",
        operator_id_number=make_id_number("510104", dt.date(1982, 1, 1), "031"),
    ).org
    committees_load(province=root, ip_center=ip, region=prov)
    app = User(
        username=make_id_number("510104", dt.date(1985, 3, 12), "123"),
        name="张伟",
        org=made.org,
        must_change_password=False,
    )
    app.id_number = app.username
    app.set_password("Bench@2026x")
    app.save()
    D.commitment_accept(user=app)
    d = D.declaration_start(
        user=app,
        choice=D.StartChoice(
            unit=made.org,
            mode="review",
            series=Series.objects.get(code="GC"),
            level="vice_senior",
            specialty=Specialty.objects.get(code="GC01"),
            qualification=QualificationName.objects.get(name="高级工程师"),
            committee=Committee.objects.get(name="四川省工程技术高级职称评审委员会"),
            method="normal",
            break_conditions=[],
            entrusted=False,
        ),
    )

    def img():
        buf = io.BytesIO()
        Image.new("RGB", (300, 400), (120, 140, 200)).save(buf, "JPEG")
        return SimpleUploadedFile("照片.jpg", buf.getvalue())

    D.attachment_add(user=app, declaration=d, section="basic", upload=img(), field="photo")
    text = "负责水利水电工程项目的设计、施工管理与技术攻关，主持完成多项省级重点工程。" * 3
    for section in S.sections_for(d):
        if not section.many:
            continue
        for i in range(4):
            data = {}
            for f in section.model._meta.fields:
                if f.name in (
                    "id",
                    "profile",
                    "declaration",
                    "sort",
                    "created_at",
                    "locked",
                    "template",
                    "details",
                    "phase",
                    "until_now",
                ):
                    continue
                t = f.get_internal_type()
                if t == "DateField":
                    data[f.name] = (
                        dt.date(2010 + i, 1, 1)
                        if "start" in f.name or f.name != "end_date"
                        else dt.date(2011 + i, 6, 30)
                    )
                elif t in ("PositiveIntegerField", "IntegerField"):
                    data[f.name] = 2020 + i
                elif getattr(f, "choices", None):
                    data[f.name] = f.choices[0][0]
                else:
                    data[f.name] = (text if t == "TextField" else f"{section.title}{i + 1}")[: f.max_length or 500]
            D.row_save(user=app, section=section, data=data, declaration=d)
    d.summary.text = text * 10
    d.summary.save()
    return d, op


def bench_declaration_pdf() -> dict:
    """申报表 PDF of a full dossier: the first render in the process (stylesheet parsed, fonts loaded), then warm."""
    from pypdf import PdfReader

    from declarations.pdf import declaration_form_pdf
    from declarations.views import dossier_context

    d, reviewer = _full_dossier()
    ctx = dossier_context(d, reviewer)
    t0 = time.perf_counter()
    pdf = declaration_form_pdf(ctx)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        declaration_form_pdf(ctx)
        warm.append(time.perf_counter() - t0)
    return {
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "size_kb": len(pdf) / 1024,
        "cold_ms": cold * 1000,
        "warm_ms": statistics.median(warm) * 1000,
        "warm_min_ms": min(warm) * 1000,
    }


def main() -> None:
    _setup()
    r = bench_declaration_pdf()
    print("申报表 PDF (full dossier: 4 rows in every section)")
    print(f"  pages: {r['pages']}, size: {r['size_kb']:.0f} KB")
    print(f"  first render in the process (fonts loaded): {r['cold_ms']:.0f} ms")
    print(f"  warm render, median of 5: {r['warm_ms']:.0f} ms (min {r['warm_min_ms']:.0f} ms; goal: ≤ 1000 ms)")
    print()
    from bench.certificates import bench_certificates

    bench_certificates()  # prints its own table: single, batch per certificate, signing, size, Latin-only beside


if __name__ == "__main__":
    main()
