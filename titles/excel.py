"""Catalogue ↔ Excel (TTL-1), with openpyxl.

One workbook, three sheets: 系列, 专业 (tree by 上级专业代码), 资格名称. Import validates every row first and
returns a plan; nothing is written until `catalogue_import_apply` runs the whole plan in one transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .catalogue import Level
from .models import QualificationName, Series, Specialty

SERIES_HEADERS = ["系列代码", "系列名称", "排序", "启用"]
SPECIALTY_HEADERS = ["系列代码", "专业代码", "专业名称", "上级专业代码", "启用"]
QUAL_HEADERS = ["系列代码", "层级", "资格名称", "对应人社部职称", "可评审", "可初定", "可认定", "限定专业代码", "启用"]
SHEETS = {"系列": SERIES_HEADERS, "专业": SPECIALTY_HEADERS, "资格名称": QUAL_HEADERS}
YES, NO = "是", "否"
LEVEL_BY_LABEL = {label: value for value, label in Level.choices}
MAX_ROWS = 20000


def _yn(v: bool) -> str:
    return YES if v else NO


def catalogue_export() -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F5FA8")

    def sheet(title, headers, rows):
        ws = wb.create_sheet(title)
        ws.append(headers)
        for c in ws[1]:
            c.font, c.fill = head_font, head_fill
        for r in rows:
            ws.append(r)
        for i, h in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(h) * 2 + 4)
        ws.freeze_panes = "A2"
        yn = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
        ws.add_data_validation(yn)
        for i, h in enumerate(headers, start=1):
            if h in ("启用", "可评审", "可初定", "可认定"):
                yn.add(f"{ws.cell(1, i).column_letter}2:{ws.cell(1, i).column_letter}{MAX_ROWS}")
        return ws

    sheet("系列", SERIES_HEADERS, [[s.code, s.name, s.sort, _yn(s.is_active)] for s in Series.objects.order_by("sort")])
    specs = list(Specialty.objects.select_related("series").order_by("series__sort", "path"))
    by_path = {s.path: s for s in specs}
    sheet("专业", SPECIALTY_HEADERS, [
        [s.series.code, s.code, s.name, by_path[s.path[: -Specialty.steplen]].code if s.depth > 1 else "",
         _yn(s.is_active)]
        for s in specs
    ])
    quals = QualificationName.objects.select_related("series").prefetch_related("specialties").order_by(
        "series__sort", "level", "name")
    ws = sheet("资格名称", QUAL_HEADERS, [
        [q.series.code, q.get_level_display(), q.name, q.national_title, _yn(q.allows_review), _yn(q.allows_initial),
         _yn(q.allows_recognition), ";".join(sorted(s.code for s in q.specialties.all())), _yn(q.is_active)]
        for q in quals
    ])
    lv = DataValidation(type="list", formula1='"' + ",".join(Level.labels) + '"', allow_blank=False)
    ws.add_data_validation(lv)
    lv.add(f"B2:B{MAX_ROWS}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class RowError:
    sheet: str
    row: int
    message: str


@dataclass
class ImportPlan:
    series: list[dict] = field(default_factory=list)
    specialties: list[dict] = field(default_factory=list)
    qualifications: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        return {"系列": len(self.series), "专业": len(self.specialties), "资格名称": len(self.qualifications)}


def _cell(v) -> str:
    return "" if v is None else str(v).strip()


def _bool(v: str, default: bool = True) -> bool | None:
    if v == "":
        return default
    return {YES: True, NO: False, "1": True, "0": False, "TRUE": True, "FALSE": False}.get(v.upper(), None)


def _too_long(model, values: dict[str, str]) -> str | None:
    """The first value longer than its model field allows, as a message (the database would refuse it)."""
    for field_name, value in values.items():
        field_ = model._meta.get_field(field_name)
        if len(value) > field_.max_length:
            return f"{field_.verbose_name}不能超过 {field_.max_length} 个字符。"
    return None


def catalogue_import_parse(data: bytes) -> ImportPlan:
    """Validate a workbook. Returns the rows that would be written and every bad row with its reason."""
    plan = ImportPlan()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable upload gets the same answer
        plan.errors.append(RowError("-", 0, "文件无法读取，请上传由本系统导出的 .xlsx 模板。"))
        return plan
    for title, headers in SHEETS.items():
        if title not in wb.sheetnames:
            plan.errors.append(RowError(title, 0, f"缺少工作表“{title}”。"))
            continue
        first = [_cell(c) for c in next(wb[title].iter_rows(min_row=1, max_row=1, values_only=True), ())]
        if first[: len(headers)] != headers:
            plan.errors.append(RowError(title, 1, f"表头应为：{'、'.join(headers)}。"))
    if plan.errors:
        return plan

    def rows(title):
        for i, r in enumerate(wb[title].iter_rows(min_row=2, values_only=True), start=2):
            vals = [_cell(c) for c in r]
            if any(vals):
                if i > MAX_ROWS:
                    plan.errors.append(RowError(title, i, f"行数超过上限 {MAX_ROWS}。"))
                    return
                yield i, vals + [""] * 10

    series_codes = set(Series.objects.values_list("code", flat=True))
    code_of_name = {name: code for code, name in Series.objects.values_list("code", "name")}
    seen, seen_names = set(), set()
    for i, (code, name, sort, active, *_) in rows("系列"):
        b = _bool(active)
        if not code or not name:
            plan.errors.append(RowError("系列", i, "系列代码和系列名称必填。"))
        elif too_long := _too_long(Series, {"code": code, "name": name}):
            plan.errors.append(RowError("系列", i, too_long))
        elif code in seen:
            plan.errors.append(RowError("系列", i, f"系列代码“{code}”重复。"))
        elif name in seen_names:
            plan.errors.append(RowError("系列", i, f"系列名称“{name}”重复。"))
        elif code_of_name.get(name, code) != code:
            plan.errors.append(RowError("系列", i, f"系列名称“{name}”已被系列代码“{code_of_name[name]}”使用。"))
        elif sort and not sort.isdigit():
            plan.errors.append(RowError("系列", i, "排序必须是非负整数。"))
        elif b is None:
            plan.errors.append(RowError("系列", i, "“启用”只能填“是”或“否”。"))
        else:
            seen.add(code)
            seen_names.add(name)
            plan.series.append({"code": code, "name": name, "sort": int(sort or 0), "is_active": b})
    series_codes |= seen

    existing = list(Specialty.objects.values_list("series__code", "code", "path", "depth"))
    code_at = {path: code for _, code, path, _ in existing}
    # (series code, specialty code) → the code of its parent in the database ("" for a root).
    parent_of = {(sc, code): code_at[path[: -Specialty.steplen]] if depth > 1 else ""
                 for sc, code, path, depth in existing}
    spec_keys = set(parent_of)
    new_keys: set[tuple[str, str]] = set()
    for i, (scode, code, name, parent, active, *_) in rows("专业"):
        b = _bool(active)
        key = (scode, code)
        if not scode or not code or not name:
            plan.errors.append(RowError("专业", i, "系列代码、专业代码、专业名称必填。"))
        elif too_long := _too_long(Specialty, {"code": code, "name": name}):
            plan.errors.append(RowError("专业", i, too_long))
        elif scode not in series_codes:
            plan.errors.append(RowError("专业", i, f"系列代码“{scode}”不存在。"))
        elif key in new_keys:
            plan.errors.append(RowError("专业", i, f"专业代码“{code}”在系列“{scode}”中重复。"))
        elif parent and (scode, parent) not in new_keys and (scode, parent) not in spec_keys:
            plan.errors.append(RowError("专业", i, f"上级专业代码“{parent}”不存在（上级专业须排在下级之前）。"))
        elif parent == code:
            plan.errors.append(RowError("专业", i, "上级专业不能是自己。"))
        elif key in parent_of and parent_of[key] != parent:
            plan.errors.append(RowError("专业", i, f"专业“{code}”的上级专业是“{parent_of[key] or '（顶级）'}”，"
                                                  "导入不能移动专业，请在页面上处理。"))
        elif b is None:
            plan.errors.append(RowError("专业", i, "“启用”只能填“是”或“否”。"))
        else:
            new_keys.add(key)
            plan.specialties.append({"series": scode, "code": code, "name": name, "parent": parent, "is_active": b})
    all_spec = spec_keys | new_keys

    seen_q = set()
    for i, (scode, level_label, name, national, rv, ini, rec, limited, active, *_) in rows("资格名称"):
        flags = [_bool(v, default) for v, default in ((rv, True), (ini, False), (rec, False), (active, True))]
        level = LEVEL_BY_LABEL.get(level_label)
        codes = [c.strip() for c in limited.replace("；", ";").split(";") if c.strip()]
        if not scode or not name or not national:
            plan.errors.append(RowError("资格名称", i, "系列代码、资格名称、对应人社部职称必填。"))
        elif too_long := _too_long(QualificationName, {"name": name, "national_title": national}):
            plan.errors.append(RowError("资格名称", i, too_long))
        elif scode not in series_codes:
            plan.errors.append(RowError("资格名称", i, f"系列代码“{scode}”不存在。"))
        elif level is None:
            plan.errors.append(RowError("资格名称", i, f"层级“{level_label}”无效，应为：{'、'.join(Level.labels)}。"))
        elif (scode, level, name) in seen_q:
            plan.errors.append(RowError("资格名称", i, f"资格名称“{name}”重复。"))
        elif any(f is None for f in flags):
            plan.errors.append(RowError("资格名称", i, "“可评审/可初定/可认定/启用”只能填“是”或“否”。"))
        elif missing := [c for c in codes if (scode, c) not in all_spec]:
            plan.errors.append(RowError("资格名称", i, f"限定专业代码不存在：{'、'.join(missing)}。"))
        else:
            seen_q.add((scode, level, name))
            plan.qualifications.append({
                "series": scode, "level": level, "name": name, "national_title": national,
                "allows_review": flags[0], "allows_initial": flags[1], "allows_recognition": flags[2],
                "is_active": flags[3], "specialties": codes,
            })
    return plan


@transaction.atomic
def catalogue_import_apply(plan: ImportPlan) -> dict[str, int]:
    """Write a validated plan: create or update by code; nothing is deleted."""
    if not plan.ok:
        raise ValueError("plan has errors")
    series = {}
    for row in plan.series:
        s, _ = Series.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"], "sort": row["sort"], "is_active": row["is_active"]})
        series[s.code] = s
    series.update({s.code: s for s in Series.objects.exclude(code__in=series)})
    for row in plan.specialties:
        s = series[row["series"]]
        node = Specialty.objects.filter(series=s, code=row["code"]).first()
        if node is not None:
            node.name, node.is_active = row["name"], row["is_active"]
            node.save(update_fields=["name", "is_active"])
            continue
        new = Specialty(series=s, code=row["code"], name=row["name"], is_active=row["is_active"])
        if row["parent"]:
            parent = Specialty.objects.get(series=s, code=row["parent"])
            Specialty.objects.add_child(parent, instance=new)
        else:
            Specialty.objects.add_root(instance=new)
    for row in plan.qualifications:
        s = series[row["series"]]
        q, _ = QualificationName.objects.update_or_create(series=s, level=row["level"], name=row["name"], defaults={
            "national_title": row["national_title"], "allows_review": row["allows_review"],
            "allows_initial": row["allows_initial"], "allows_recognition": row["allows_recognition"],
            "is_active": row["is_active"]})
        q.specialties.set(Specialty.objects.filter(series=s, code__in=row["specialties"]))
    return plan.counts
