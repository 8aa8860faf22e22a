"""Demo dossiers (issue 4 point 9): a complete draft, an incomplete draft and a submitted dossier.

Everything goes through declarations.services, as the pages do: the applicant accepts the commitment letter,
starts a 工程系列 副高级 declaration from the catalogue choice, fills the sections and uploads the photo and the
committee's required materials, then (for one of them) submits. The helpers are also used by the review-chain
demo (workflow/demo.py) and by tests that need a complete dossier without clicking through every page.

Idempotent: an applicant who already has a declaration is left alone.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from titles.catalogue import EvaluationMode, Level
from titles.models import Activity, Committee, QualificationName, Series, Specialty

from . import sections as S
from . import services
from .models import Assessment, Declaration

ENGINEERING_COMMITTEE = "四川省工程技术高级职称评审委员会"

# load_demo's applicant key (the unit's key in load_demo.ORGS) → (specialty code, what the demo makes of it).
DEMO_DOSSIERS: tuple[tuple[str, str, str], ...] = (
    ("caep", "GC0201", "complete"),  # 张伟, 中国工程物理研究院: every section filled, not yet submitted
    ("sc_agri", "GC0103", "incomplete"),  # 陈静, 四川省农业农村厅: a draft with sections still missing
    ("sc_hydro", "GC0102", "submitted"),  # 周婷, 四川省水文水资源勘测局: submitted, waiting at 单位审核
)


# --------------------------------------------------------------------------------------------- files
def pdf_file(name: str = "证明材料.pdf") -> SimpleUploadedFile:
    """A small one-page PDF (made by pypdf), as an upload."""
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    w.write(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/pdf")


def photo_file(name: str = "证件照.png") -> SimpleUploadedFile:
    """A small ID-photo-shaped PNG (a light background with a darker silhouette), as an upload."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (120, 160), (214, 228, 245))
    draw = ImageDraw.Draw(im)
    draw.ellipse((38, 28, 82, 78), fill=(90, 110, 140))
    draw.rectangle((24, 90, 96, 160), fill=(90, 110, 140))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


# --------------------------------------------------------------------------------------------- start
def dossier_start(
    *,
    user,
    unit=None,
    specialty_code: str = "GC01",
    level: str = Level.VICE_SENIOR,
    qualification_name: str = "高级工程师",
    committee_name: str = ENGINEERING_COMMITTEE,
    today: dt.date | None = None,
) -> Declaration:
    """Accept the commitment letter and start a declaration of the engineering series (a 评审 through the
    committee) at the applicant's own unit (or `unit`), as the start page does."""
    services.commitment_accept(user=user)
    specialty = Specialty.objects.select_related("series").get(code=specialty_code)
    series = Series.objects.get(pk=specialty.series_id)
    choice = services.StartChoice(
        unit=unit or user.org,
        mode=EvaluationMode.REVIEW,
        series=series,
        level=level,
        specialty=specialty,
        qualification=QualificationName.objects.get(series=series, level=level, name=qualification_name),
        committee=Committee.objects.get(name=committee_name),
        method=Declaration.Method.NORMAL,
        break_conditions=[],
        entrusted=False,
    )
    return services.declaration_start(user=user, choice=choice, today=today)


# --------------------------------------------------------------------------------------------- filling
def _birth_date(user) -> dt.date:
    n = user.id_number
    return dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))


def _row(user, d: Declaration, key: str, **data):
    return services.row_save(user=user, section=S.BY_KEY[key], data=data, declaration=d)


def _single(user, d: Declaration, key: str, **data):
    instance = getattr(d, key)
    return services.section_save(user=user, declaration=d, section=S.BY_KEY[key], instance=instance, data=data)


def dossier_fill(*, user, declaration: Declaration, complete: bool = True, today: dt.date | None = None) -> None:
    """Fill the dossier through the services. complete=True fills every required section, uploads the photo
    and the committee's required materials (completeness() is then empty); complete=False fills only the
    commitment, the basic information (no photo) and the education, leaving the rest to do."""
    today = today or timezone.localdate()
    d = declaration
    born = _birth_date(user)
    start_work = dt.date(born.year + 22, 7, 1)
    specialty = d.specialty.name
    _single(user, d, "commitment", signer=user.name, signed_on=today, agreed=True)
    _single(
        user,
        d,
        "basic",
        gender="male" if int(user.id_number[16]) % 2 else "female",
        birth_date=born,
        ethnicity="汉族",
        political_status="中共党员",
        email=f"{user.id_number[-6:]}@example.com",
        address=f"{d.unit.region.full_name}人民路18号",
        work_start_date=start_work,
        position="技术负责人",
        current_title="工程师",
        current_title_date=dt.date(start_work.year + 8, 12, 1),
    )
    _row(
        user,
        d,
        "education",
        start_date=dt.date(start_work.year - 4, 9, 1),
        end_date=dt.date(start_work.year, 6, 30),
        school="四川大学",
        major=specialty,
        education="大学本科",
        degree="工学学士",
        study_form="全日制",
    )
    if not complete:
        return
    services.attachment_add(user=user, declaration=d, section="basic", upload=photo_file(), field="photo")
    _row(
        user,
        d,
        "work",
        start_date=start_work,
        until_now=True,
        unit_name=d.unit.name,
        position="工程师",
        duties=f"从事{specialty}专业技术工作，负责项目技术管理和质量把关。",
    )
    _row(
        user,
        d,
        "achievements_after",
        title=f"{d.unit.name}{specialty}重点项目",
        start_date=dt.date(today.year - 5, 3, 1),
        end_date=dt.date(today.year - 3, 6, 30),
        description="主持项目技术方案设计与实施，项目通过验收并取得良好效益。",
    )
    for year in (today.year - 2, today.year - 1):
        _row(
            user,
            d,
            "assessments",
            year=year,
            result=Assessment.Result.EXCELLENT if year % 2 else Assessment.Result.COMPETENT,
            assessor=d.unit.name,
        )
    _single(
        user,
        d,
        "summary",
        text=(
            f"本人自{start_work.year}年参加工作以来，一直在{d.unit.name}从事{specialty}专业技术工作，"
            "主持和参与多项重点工程项目的设计、施工技术管理和质量安全管理，解决了多项关键技术难题，"
            "取得了显著的社会效益和经济效益，具备申报高级工程师的专业技术水平和工作能力。"
        ),
    )
    for mat in d.activity.materials.filter(required=True) if d.activity else []:
        services.attachment_add(
            user=user,
            declaration=d,
            section="materials",
            upload=pdf_file(f"{mat.name}.pdf"),
            field=f"material:{mat.pk}",
        )


def dossier_complete(*, user, unit=None, specialty_code: str = "GC01", today: dt.date | None = None) -> Declaration:
    """Start and completely fill a dossier (not submitted)."""
    d = dossier_start(user=user, unit=unit, specialty_code=specialty_code, today=today)
    dossier_fill(user=user, declaration=d, today=today)
    return Declaration.objects.get(pk=d.pk)


def dossier_submitted(*, user, unit=None, specialty_code: str = "GC01", today: dt.date | None = None) -> Declaration:
    """Start, fill and submit a dossier; the review chain starts its process at 单位审核."""
    d = dossier_complete(user=user, unit=unit, specialty_code=specialty_code, today=today)
    return services.declaration_submit(user=user, declaration=d, today=today)


# --------------------------------------------------------------------------------------------- load_demo
def engineering_activity_open(today: dt.date | None = None) -> bool:
    """Is the engineering committee's review activity open (demo dossiers can only be started while it is)?"""
    today = today or timezone.localdate()
    return Activity.objects.filter(
        committee__name=ENGINEERING_COMMITTEE,
        status=Activity.Status.PUBLISHED,
        opens_on__lte=today,
        closes_on__gte=today,
    ).exists()


def demo_declarations_load(*, applicants: dict, created: list[str], today: dt.date | None = None) -> None:
    """Called by `manage.py load_demo` with its applicants (by unit key); appends what it made to `created`.
    Nothing is started when the demo activity has closed (an old demo database): the rest of the demo stays."""
    if not engineering_activity_open(today):
        return
    for key, specialty_code, what in DEMO_DOSSIERS:
        user = applicants[key]
        if Declaration.objects.filter(applicant=user).exists():
            continue
        if what == "submitted":
            dossier_submitted(user=user, specialty_code=specialty_code, today=today)
            created.append(f"{user.name}的申报（已提交）")
            continue
        d = dossier_start(user=user, specialty_code=specialty_code, today=today)
        dossier_fill(user=user, declaration=d, complete=what == "complete", today=today)
        created.append(f"{user.name}的申报（{'完整' if what == 'complete' else '未完成'}草稿）")
