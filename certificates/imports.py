"""批量导入 (CRT-6, 003 §1.29): historical or externally decided titles brought in from an Excel file.

Upload (`import_start`) → the file is checked by content and stored, an ImportJob is written and the validation task
is enqueued on commit → `import_validate` reads the workbook (openpyxl read_only), checks the header and every row
against the catalogue and the existing certificates, and stores the failed rows with their reasons and the valid
rows as cleaned dicts, reporting progress every few hundred rows → the operator confirms (`import_confirm`) →
`import_commit` creates the certificates of the valid rows only, a thousand rows per transaction, numbers from the
pool for rows without one, and enqueues their PDFs. Both tasks claim their job with a conditional update and are
safe to run twice; a re-run of the commit resumes after the last committed chunk and skips rows already present.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import uuid
import zipfile
from collections import defaultdict

from celery import shared_task
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts import permissions as P
from accounts.models import User
from common.checksums import validate_id_number
from common.uploads import safe_display_name
from orgs.models import Org
from titles.catalogue import Level
from titles.excel import LEVEL_BY_LABEL, _too_long
from titles.models import QualificationName, Series, Specialty

from .models import Certificate, ImportJob, IssuingUnit
from .services import issuing_unit_for, numbers_take, pdf_jobs_enqueue_on_commit, require_right, task_send

log = logging.getLogger(__name__)
S = ImportJob.State

# (field, header label, required) — the order of the template's columns.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("name", "姓名", True),
    ("id_number", "身份证号", True),
    ("gender", "性别", False),
    ("work_unit", "工作单位", True),
    ("series", "系列", True),
    ("specialty", "专业", True),
    ("level", "层级", True),
    ("qualification", "资格名称", True),
    ("committee", "评审委员会", False),
    ("approved_on", "评审通过时间", True),
    ("issued_on", "发证日期", True),
    ("document_number", "发文文号", False),
    ("number", "证书编号", False),
)
HEADERS = [label + ("*" if required else "") for _f, label, required in COLUMNS]
LABELS = [label for _f, label, _r in COLUMNS]
DATE_FIELDS = ("approved_on", "issued_on")
GENDERS = ("男", "女")
DATA_SHEET = "证书信息"
LIST_SHEET = "下拉选项"

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # a zip bomb is refused before openpyxl opens it
PROGRESS_EVERY = 500
COMMIT_CHUNK = 1000
STALE_SECONDS = 600  # a claim not refreshed for this long belongs to a dead worker
MIN_DATE = dt.date(1950, 1, 1)

MSG_FILE_EMPTY = "文件为空。"
MSG_FILE_TOO_LARGE = f"文件大小不能超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入。"
MSG_FILE_TYPE = "只能上传 Excel（.xlsx）文件，请使用下载的模板填写。"
MSG_FILE_UNZIPPED = "文件内容过大，请拆分后分批导入。"
MSG_UNREADABLE = "文件无法读取，请使用下载的模板（.xlsx）填写后上传。"
MSG_HEADER = "表头不正确，请使用下载的模板。应为：{expected}；实际为：{received}。"
MSG_NO_ROWS = "文件中没有数据行。"
MSG_TOO_MANY_ROWS = f"数据行数超过上限 {MAX_ROWS} 行，请拆分后分批导入。"
MSG_CONFIRM_STATE = "只有校验完成且有校验通过记录的导入任务可以提交导入。"
MSG_ALREADY_COMMITTED = "该导入任务已提交导入，不能重复提交。"
MSG_CRASHED = "处理出错（{error}），请重新上传；如仍失败请联系管理员。"
MSG_SKIPPED = "有 {n} 条记录在提交时已存在相同证书（证书编号或身份证号和资格名称相同），已跳过。"
MSG_COMMIT_FAILED = "导入中断（{error}），已导入 {n} 条；可再次提交，继续导入其余记录。"

ROW_REQUIRED = "{label}必填。"
ROW_ID_FLOAT = "身份证号被 Excel 当作数字保存，末几位已丢失；请将该列设为文本格式后重新填写。"
ROW_GENDER = "性别只能填“男”或“女”。"
ROW_SERIES = "系列“{v}”不存在。"
ROW_SPECIALTY = "专业“{v}”不属于系列“{series}”。"
ROW_LEVEL = "层级“{v}”无效，应为：" + "、".join(Level.labels) + "。"
ROW_QUAL = "资格名称“{v}”不属于{series}{level}。"
ROW_QUAL_SPECIALTY = "资格名称“{v}”不适用于专业“{specialty}”。"
ROW_DATE = "{label}“{v}”不是有效日期（例如 2024-06-30）。"
ROW_DATE_FUTURE = "{label}不能晚于今天。"
ROW_DATE_OLD = "{label}不能早于 1950 年。"
ROW_DATE_ORDER = "发证日期不能早于评审通过时间。"
ROW_DUP = "与第 {row} 行重复（身份证号和资格名称相同）。"
ROW_DUP_NUMBER = "证书编号“{v}”与第 {row} 行重复。"
ROW_EXISTS = "该人员已有“{v}”证书（证书编号 {number}），不能重复导入。"
ROW_NUMBER_USED = "证书编号“{v}”已被使用。"
ROW_NUMBER_FORMAT = "证书编号只能包含字母、数字和“-”。"

_NUMBER_RE = re.compile(r"^[0-9A-Za-z\-]+$")
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


# --------------------------------------------------------------------------------------------- template
def _catalogue_lists() -> dict[str, list[str]]:
    series = list(Series.objects.filter(is_active=True).order_by("sort", "code").values_list("name", flat=True))
    specialties = list(
        dict.fromkeys(
            Specialty.objects.filter(is_active=True, series__is_active=True)
            .order_by("series__sort", "series__code", "path")
            .values_list("name", flat=True)
        )
    )
    quals = list(
        dict.fromkeys(
            QualificationName.objects.filter(is_active=True, series__is_active=True)
            .order_by("series__sort", "level", "name")
            .values_list("name", flat=True)
        )
    )
    return {"层级": list(Level.labels), "系列": series, "专业": specialties, "资格名称": quals, "性别": list(GENDERS)}


def template_workbook() -> bytes:
    """The .xlsx template: the data sheet with drop-down lists (level, series, specialty, qualification, gender —
    the long lists on a hidden sheet the validations refer to), text-formatted ID/number columns, and 填写说明."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append(HEADERS)
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F5FA8")
    widths = {
        "姓名": 12,
        "身份证号": 22,
        "性别": 8,
        "工作单位": 30,
        "系列": 20,
        "专业": 20,
        "层级": 10,
        "资格名称": 18,
        "评审委员会": 30,
        "评审通过时间": 14,
        "发证日期": 14,
        "发文文号": 22,
        "证书编号": 20,
    }
    for i, (field_name, label, _required) in enumerate(COLUMNS, start=1):
        cell = ws.cell(1, i)
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(horizontal="center")
        dim = ws.column_dimensions[cell.column_letter]
        dim.width = widths[label]
        if field_name in ("id_number", "number", "document_number"):
            dim.number_format = "@"  # an 18-digit ID typed as a number would lose its last digits
        elif field_name in DATE_FIELDS:
            dim.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"

    lists = _catalogue_lists()
    ls = wb.create_sheet(LIST_SHEET)
    ls.sheet_state = "hidden"
    refs = {}
    for col, (title, values) in enumerate(lists.items(), start=1):
        ls.cell(1, col, title)
        for r, v in enumerate(values, start=2):
            ls.cell(r, col, v)
        letter = ls.cell(1, col).column_letter
        refs[title] = f"'{LIST_SHEET}'!${letter}$2:${letter}${max(2, len(values) + 1)}"

    last = MAX_ROWS + 1
    for _field, label, _required in COLUMNS:
        if label not in refs:
            continue
        dv = DataValidation(
            type="list",
            formula1=refs[label],
            allow_blank=True,
            showDropDown=False,
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"请从下拉列表中选择{label}。",
            promptTitle=label,
            prompt=f"请从下拉列表中选择{label}。",
            showInputMessage=True,
        )
        ws.add_data_validation(dv)
        letter = ws.cell(1, LABELS.index(label) + 1).column_letter
        dv.add(f"{letter}2:{letter}{last}")
    dates = DataValidation(
        type="date",
        operator="between",
        formula1="DATE(1950,1,1)",
        formula2="TODAY()",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error="请输入不晚于今天的日期，例如 2024-06-30。",
    )
    ws.add_data_validation(dates)
    for field_name in DATE_FIELDS:
        letter = ws.cell(1, [c[0] for c in COLUMNS].index(field_name) + 1).column_letter
        dates.add(f"{letter}2:{letter}{last}")

    help_ws = wb.create_sheet("填写说明", 1)
    help_ws.column_dimensions["A"].width = 110
    lines = [
        "职称证书批量导入模板 · 填写说明",
        "",
        "1. 在“证书信息”工作表中每行填写一人一个职称，第一行表头不要修改、删除或调换顺序；带 * 的列必填。",
        "2. 层级、系列、专业、资格名称、性别为下拉列表，请选择列表中的值，不要随意录入不在列表中的值；"
        "专业须属于所选系列，资格名称须属于所选系列和层级。",
        "3. 身份证号填写18位居民身份证号码（末位X大写），系统按国家标准校验校验位；该列已设为文本格式，请勿改为数字格式。",
        "4. 评审通过时间、发证日期填写日期（例如 2024-06-30），不能晚于今天，发证日期不能早于评审通过时间。",
        "5. 证书编号可不填，由系统按本单位发证单位编码从证书编号库自动生成；如填写，不超过20位，只能包含字母、数字和“-”，"
        "且不能与已有证书重复。",
        "6. 同一人同一资格名称只能有一条记录；已有同一资格证书的人员不能重复导入。",
        f"7. 每个文件最多 {MAX_ROWS} 行数据，文件不超过 {MAX_BYTES // (1024 * 1024)} MB。",
        "8. 上传后系统逐行校验，显示校验通过和不通过的记录数；点击【提交】只导入校验通过的记录，"
        "不通过的记录请按失败说明修正后重新导入。",
    ]
    for line in lines:
        help_ws.append([line])
    help_ws["A1"].font = Font(bold=True, size=14)
    for row in help_ws.iter_rows(min_row=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def excel_text(value):
    """A value for an exported cell: openpyxl stores a string starting with "=" as a formula, so text typed by
    users (names, reasons) is written with a leading apostrophe instead of being evaluated by Excel."""
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


# --------------------------------------------------------------------------------------------- upload
def _read_upload(upload) -> bytes:
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_BYTES:
        raise ValidationError({"file": MSG_FILE_TOO_LARGE})
    if hasattr(upload, "seek"):
        upload.seek(0)
    parts, remaining = [], MAX_BYTES + 1
    while remaining > 0:
        chunk = upload.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    data = b"".join(parts)
    if not data:
        raise ValidationError({"file": MSG_FILE_EMPTY})
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": MSG_FILE_TOO_LARGE})
    return data


def check_xlsx(data: bytes) -> None:
    """An .xlsx by content: a zip archive holding xl/workbook.xml, not absurdly large once unpacked."""
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError({"file": MSG_FILE_TYPE})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationError({"file": MSG_FILE_TYPE}) from exc
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise ValidationError({"file": MSG_FILE_TYPE})
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        raise ValidationError({"file": MSG_FILE_UNZIPPED})


@transaction.atomic
def import_start(*, user, org: Org, upload) -> ImportJob:
    """批量导入, step 1: check and store the file, write the job, validate it in the background."""
    require_right(P.can_manage_certificates_of(user, org))
    issuing_unit_for(org)
    data = _read_upload(upload)
    check_xlsx(data)
    job = ImportJob(
        org=org,
        created_by=user,
        state=S.VALIDATING,
        file_name=safe_display_name(getattr(upload, "name", "") or "导入.xlsx")[:120],
    )
    job.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
    job.save()
    pk = job.pk
    transaction.on_commit(lambda: task_send(import_validate, pk))
    return job


@transaction.atomic
def import_confirm(*, user, job: ImportJob) -> ImportJob:
    """批量导入, step 2 (【提交】): commit the valid rows in the background. A job whose commit was interrupted
    may be confirmed again; it resumes after the rows already committed."""
    job = ImportJob.objects.select_for_update().defer("row_errors", "valid_rows").select_related("org").get(pk=job.pk)
    require_right(P.can_manage_certificates_of(user, job.org))
    if job.state in (S.COMMITTING, S.DONE):
        raise ValidationError(MSG_ALREADY_COMMITTED)
    resumable = job.state == S.FAILED and job.passed > job.committed  # a commit that broke off (validation
    # failures leave passed = 0)
    if not ((job.state == S.VALIDATED and job.passed > 0) or resumable):
        raise ValidationError(MSG_CONFIRM_STATE)
    issuing_unit_for(job.org)
    ImportJob.objects.filter(pk=job.pk).update(state=S.COMMITTING, claim=None, error="", updated_at=timezone.now())
    pk = job.pk
    transaction.on_commit(lambda: task_send(import_commit, pk))
    job.state = S.COMMITTING
    return job


# --------------------------------------------------------------------------------------------- claiming
def _claim(job_id: int, state: str) -> uuid.UUID | None:
    now = timezone.now()
    claim = uuid.uuid4()
    stale = now - dt.timedelta(seconds=STALE_SECONDS)
    n = (
        ImportJob.objects.filter(pk=job_id, state=state)
        .filter(Q(claim__isnull=True) | Q(updated_at__lt=stale))
        .update(claim=claim, updated_at=now)
    )
    return claim if n else None


def _mine(job_id: int, claim: uuid.UUID):
    return ImportJob.objects.filter(pk=job_id, claim=claim)


# --------------------------------------------------------------------------------------------- validation
class _Catalogue:
    """The catalogue in dicts, loaded once per job: 50,000 rows are checked without a query per row."""

    def __init__(self) -> None:
        self.series = dict(Series.objects.values_list("name", "pk"))
        # (series, specialty name) → the tree paths of the specialties of that name (a name may repeat in a tree).
        self.specialties: dict[tuple[int, str], list[str]] = defaultdict(list)
        for series_id, name, path in Specialty.objects.values_list("series_id", "name", "path"):
            self.specialties[(series_id, name)].append(path)
        # (series, level, qualification name) → paths of the specialties it is limited to (empty: all of the series).
        self.quals: dict[tuple[int, str, str], tuple[str, ...]] = {}
        limited = defaultdict(list)
        for qid, path in QualificationName.specialties.through.objects.values_list(
            "qualificationname_id", "specialty__path"
        ):
            limited[qid].append(path)
        for qid, series_id, level, name in QualificationName.objects.values_list("pk", "series_id", "level", "name"):
            self.quals[(series_id, level, name)] = tuple(limited.get(qid, ()))

    def qualification_fits(self, limited: tuple[str, ...], series_id: int, specialty: str) -> bool:
        """A qualification limited to some specialties applies to those and to their sub-specialties."""
        return not limited or any(
            p.startswith(lp) for p in self.specialties.get((series_id, specialty), ()) for lp in limited
        )


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    return str(v).strip()


def _date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, bool) or v is None:
        return None
    s = _text(v)
    m = _DATE_RE.match(s) or _DATE_COMPACT_RE.match(s)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


FIELDS = tuple(f for f, _label, _required in COLUMNS)
_LABEL = {f: label for f, label, _required in COLUMNS}
_INDEX = {f: i for i, f in enumerate(FIELDS)}
_REQUIRED = tuple(f for f, _label, required in COLUMNS if required)
# Cells copied into Certificate text fields: their length limits, checked without a lookup per row.
_MAX_LENGTH = {
    f: Certificate._meta.get_field("holder_name" if f == "name" else f).max_length
    for f in ("name", "work_unit", "committee", "document_number", "number", "specialty")
}


def _check_row(values: tuple, cat: _Catalogue, today: dt.date) -> tuple[dict, list[str]]:
    """One row's cells → (cleaned values, errors). Checks that need other rows or the database come later."""
    errors: list[str] = []
    row = dict(zip(FIELDS, map(_text, values), strict=True))
    for f in _REQUIRED:
        if not row[f]:
            errors.append(ROW_REQUIRED.format(label=_LABEL[f]))
    for f, limit in _MAX_LENGTH.items():
        if len(row[f]) > limit:
            errors.append(_too_long(Certificate, {"holder_name" if f == "name" else f: row[f]}))

    idn = row["id_number"] = row["id_number"].upper()
    if idn:
        if isinstance(values[_INDEX["id_number"]], float):
            errors.append(ROW_ID_FLOAT)
        else:
            try:
                validate_id_number(idn, today=today)
            except ValidationError as exc:
                errors.extend(exc.messages)
    if row["gender"] and row["gender"] not in GENDERS:
        errors.append(ROW_GENDER)
    if row["number"] and not _NUMBER_RE.match(row["number"]):
        errors.append(ROW_NUMBER_FORMAT)

    series, specialty, level_label, qual = row["series"], row["specialty"], row["level"], row["qualification"]
    series_id = cat.series.get(series) if series else None
    if series and series_id is None:
        errors.append(ROW_SERIES.format(v=series))
    level = LEVEL_BY_LABEL.get(level_label) or (level_label if level_label in Level.values else None)
    if level_label and level is None:
        errors.append(ROW_LEVEL.format(v=level_label))
    row["level"] = level or ""
    if series_id is not None:
        specialty_ok = bool(specialty) and (series_id, specialty) in cat.specialties
        if specialty and not specialty_ok:
            errors.append(ROW_SPECIALTY.format(v=specialty, series=series))
        if qual and level:
            limited = cat.quals.get((series_id, level, qual))
            if limited is None:
                errors.append(ROW_QUAL.format(v=qual, series=series, level=Level(level).label))
            elif specialty_ok and not cat.qualification_fits(limited, series_id, specialty):
                errors.append(ROW_QUAL_SPECIALTY.format(v=qual, specialty=specialty))

    dates = {}
    for f in DATE_FIELDS:
        if not row[f]:
            continue
        d = _date(values[_INDEX[f]])
        if d is None:
            errors.append(ROW_DATE.format(label=_LABEL[f], v=row[f]))
        elif d > today:
            errors.append(ROW_DATE_FUTURE.format(label=_LABEL[f]))
        elif d < MIN_DATE:
            errors.append(ROW_DATE_OLD.format(label=_LABEL[f]))
        else:
            dates[f] = d
    if len(dates) == 2 and dates["issued_on"] < dates["approved_on"]:
        errors.append(ROW_DATE_ORDER)
    for f in DATE_FIELDS:
        row[f] = dates[f].isoformat() if f in dates else ""
    return row, errors


def _check_against_database(pending: list[tuple[int, dict, list[str]]]) -> None:
    """Rows whose holder already has a valid certificate of that qualification, or whose number is taken."""
    ids = {r["id_number"] for _n, r, _e in pending if r["id_number"]}
    numbers = {r["number"] for _n, r, _e in pending if r["number"]}
    held = {}
    if ids:
        for idn, qual, number in Certificate.objects.filter(
            holder_id_number__in=ids, status=Certificate.Status.VALID
        ).values_list("holder_id_number", "qualification", "number"):
            held[(idn, qual)] = number
    used = set(Certificate.objects.filter(number__in=numbers).values_list("number", flat=True)) if numbers else set()
    for _n, r, errors in pending:
        if (r["id_number"], r["qualification"]) in held:
            errors.append(ROW_EXISTS.format(v=r["qualification"], number=held[(r["id_number"], r["qualification"])]))
        if r["number"] and r["number"] in used:
            errors.append(ROW_NUMBER_USED.format(v=r["number"]))


class _Failed(Exception):
    pass


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_validate(job_id: int) -> int:
    """Validate every row of an uploaded file. Returns how many rows passed (0 when another run owns the job)."""
    claim = _claim(job_id, S.VALIDATING)
    if claim is None:
        return 0
    try:
        return _validate(job_id, claim)
    except _Failed as e:
        _mine(job_id, claim).update(
            state=S.FAILED, error=str(e)[:500], claim=None, passed=0, failed=0, updated_at=timezone.now()
        )
    except Exception as e:  # noqa: BLE001 — the job shows the failure; nothing half-validated can be committed
        log.exception("import job %s: validation failed", job_id)
        _mine(job_id, claim).update(
            state=S.FAILED,
            error=MSG_CRASHED.format(error=type(e).__name__)[:500],
            claim=None,
            passed=0,
            failed=0,
            updated_at=timezone.now(),
        )
    return 0


def _open_sheet(job: ImportJob):
    with job.file.open("rb") as fh:
        data = fh.read()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook gets the same answer
        raise _Failed(MSG_UNREADABLE) from exc
    ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
    return wb, ws


def _row_estimate(wb, ws) -> int:
    """Data rows for the progress bar: the sheet's <dimension> when it has one (Excel writes it), else a count of
    the <row> tags in the sheet XML (a quick byte scan, no parsing)."""
    if ws.max_row:
        return ws.max_row - 1
    try:
        count, tail = 0, b""
        with wb._archive.open(ws._worksheet_path) as fh:
            while chunk := fh.read(1 << 20):
                buf = tail + chunk
                count += buf.count(b"<row ") + buf.count(b"<row>")
                tail = buf[-4:]  # too short to hold a whole tag: nothing is counted twice
        return count - 1
    except (AttributeError, KeyError, OSError):
        return 0


def _validate(job_id: int, claim: uuid.UUID) -> int:
    job = ImportJob.objects.defer("row_errors", "valid_rows").get(pk=job_id)
    wb, ws = _open_sheet(job)
    try:
        rows = ws.iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())]
        while header and header[-1] == "":
            header.pop()
        if [h.rstrip("*＊").strip() for h in header] != LABELS:
            raise _Failed(MSG_HEADER.format(expected="、".join(HEADERS), received="、".join(header) or "（空）"))
        estimate = _row_estimate(wb, ws)
        total = max(0, min(estimate, MAX_ROWS))
        _mine(job_id, claim).update(total=total, updated_at=timezone.now())

        cat, today = _Catalogue(), timezone.localdate()
        width = len(COLUMNS)
        seen: dict[tuple[str, str], int] = {}
        seen_numbers: dict[str, int] = {}
        valid_rows: list[dict] = []
        row_errors: list[dict] = []
        pending: list[tuple[int, dict, list[str]]] = []
        processed = 0

        def flush() -> None:
            _check_against_database(pending)
            for n, r, errors in pending:
                if errors:
                    row_errors.append({"row": n, "name": r["name"], "id_number": r["id_number"], "errors": errors})
                else:
                    valid_rows.append({"row": n, **r})
            pending.clear()
            if not _mine(job_id, claim).update(
                processed=processed,
                passed=len(valid_rows),
                failed=len(row_errors),
                total=max(total, processed),
                updated_at=timezone.now(),
            ):
                raise _Failed("lost")  # another run took the job over; it will finish it

        for n, values in enumerate(rows, start=2):
            values = tuple(values[:width])
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            processed += 1
            if processed > MAX_ROWS:
                raise _Failed(MSG_TOO_MANY_ROWS)
            values += (None,) * (width - len(values))
            row, errors = _check_row(values, cat, today)
            key = (row["id_number"], row["qualification"])
            if all(key):
                if key in seen:
                    errors.append(ROW_DUP.format(row=seen[key]))
                else:
                    seen[key] = n
            if row["number"]:
                if row["number"] in seen_numbers:
                    errors.append(ROW_DUP_NUMBER.format(v=row["number"], row=seen_numbers[row["number"]]))
                else:
                    seen_numbers[row["number"]] = n
            pending.append((n, row, errors))
            if len(pending) >= PROGRESS_EVERY:
                flush()
        if pending:
            flush()
        if processed == 0:
            raise _Failed(MSG_NO_ROWS)
    finally:
        wb.close()
    done = (
        _mine(job_id, claim)
        .filter(state=S.VALIDATING)
        .update(
            state=S.VALIDATED,
            total=processed,
            processed=processed,
            passed=len(valid_rows),
            failed=len(row_errors),
            row_errors=row_errors,
            valid_rows=valid_rows,
            claim=None,
            error="",
            updated_at=timezone.now(),
        )
    )
    return len(valid_rows) if done else 0


# --------------------------------------------------------------------------------------------- commit
@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_commit(job_id: int) -> int:
    """Create the certificates of the valid rows, COMMIT_CHUNK rows per transaction. Returns how many this run
    created. Safe to run twice: the job is claimed, each chunk re-checks the claim under a row lock and advances
    `committed` in the same transaction, and rows whose certificate already exists are skipped."""
    claim = _claim(job_id, S.COMMITTING)
    if claim is None:
        return 0
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    created = skipped = 0
    try:
        unit = issuing_unit_for(job.org)
        rows = job.valid_rows
        # Numbers given in the file are never handed out from the pool, whichever chunk they are in.
        given = {r["number"] for r in rows if r["number"]}
        for start in range(job.committed, len(rows), COMMIT_CHUNK):
            chunk = rows[start : start + COMMIT_CHUNK]
            with transaction.atomic():
                if not _mine(job_id, claim).select_for_update().filter(state=S.COMMITTING).exists():
                    return created
                n = _commit_chunk(job, unit, chunk, given)
                created, skipped = created + n, skipped + len(chunk) - n
                _mine(job_id, claim).update(committed=start + len(chunk), updated_at=timezone.now())
    except Exception as e:  # noqa: BLE001 — the job shows why; what was committed stays committed
        log.exception("import job %s: commit failed", job_id)
        n = ImportJob.objects.filter(pk=job_id).values_list("committed", flat=True).first() or 0
        message = " ".join(getattr(e, "messages", None) or [type(e).__name__])
        _mine(job_id, claim).update(
            state=S.FAILED,
            error=MSG_COMMIT_FAILED.format(error=message, n=n)[:500],
            claim=None,
            updated_at=timezone.now(),
        )
        return created
    _mine(job_id, claim).filter(state=S.COMMITTING).update(
        state=S.DONE, claim=None, error=MSG_SKIPPED.format(n=skipped) if skipped else "", updated_at=timezone.now()
    )
    return created


def _fresh_numbers(unit: IssuingUnit, year: int, count: int, avoid: set[str]) -> list[str]:
    """`count` pool numbers that no certificate (nor a number given in the file) uses yet."""
    got: list[str] = []
    while len(got) < count:
        taken = numbers_take(issuing_unit=unit, year=year, count=count - len(got))
        used = set(Certificate.objects.filter(number__in=taken).values_list("number", flat=True)) | avoid
        got += [n for n in taken if n not in used]
    return got


def _commit_chunk(job: ImportJob, unit: IssuingUnit, chunk: list[dict], given: set[str]) -> int:
    ids = {r["id_number"] for r in chunk}
    held = set(
        Certificate.objects.filter(holder_id_number__in=ids, status=Certificate.Status.VALID).values_list(
            "holder_id_number", "qualification"
        )
    )
    own = {r["number"] for r in chunk if r["number"]}
    used = set(Certificate.objects.filter(number__in=own).values_list("number", flat=True))
    todo = [
        r
        for r in chunk
        if (r["id_number"], r["qualification"]) not in held and not (r["number"] and r["number"] in used)
    ]
    if not todo:
        return 0
    by_year = defaultdict(list)
    for r in todo:
        if not r["number"]:
            by_year[int(r["issued_on"][:4])].append(r)
    numbers: dict[int, str] = {}
    for year, rs in sorted(by_year.items()):
        for r, number in zip(rs, _fresh_numbers(unit, year, len(rs), given), strict=True):
            numbers[r["row"]] = number
    holders = dict(User.objects.filter(id_number__in=ids).values_list("id_number", "pk"))
    now = timezone.now()
    certs = [
        Certificate(
            number=r["number"] or numbers[r["row"]],
            holder_id=holders.get(r["id_number"]),
            holder_name=r["name"],
            holder_id_number=r["id_number"],
            gender=r["gender"],
            work_unit=r["work_unit"],
            series=r["series"],
            specialty=r["specialty"],
            level=r["level"],
            qualification=r["qualification"],
            committee=r["committee"],
            approved_on=dt.date.fromisoformat(r["approved_on"]),
            issued_on=dt.date.fromisoformat(r["issued_on"]),
            document_number=r["document_number"],
            issuing_unit=unit,
            issuing_org_name=job.org.name,
            source=Certificate.Source.IMPORT,
            issued_by=job.created_by,
            pdf_enqueued_at=now,
        )
        for r in todo
    ]
    Certificate.objects.bulk_create(certs)
    pks = [c.pk for c in certs]
    if any(pk is None for pk in pks):
        pks = list(Certificate.objects.filter(number__in=[c.number for c in certs]).values_list("pk", flat=True))
    pdf_jobs_enqueue_on_commit(pks)
    return len(certs)


# --------------------------------------------------------------------------------------------- sweeper
@shared_task
def imports_sweep() -> int:
    """Re-send jobs whose message was lost or whose worker died (claims not refreshed for STALE_SECONDS)."""
    stale = timezone.now() - dt.timedelta(seconds=STALE_SECONDS)
    sent = 0
    for pk, state in ImportJob.objects.filter(state__in=[S.VALIDATING, S.COMMITTING], updated_at__lt=stale).values_list(
        "pk", "state"
    ):
        task_send(import_validate if state == S.VALIDATING else import_commit, pk)
        sent += 1
    return sent
