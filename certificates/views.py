"""Certificate pages (CRT-1 … CRT-4): issue, batch progress, list/detail/download/revoke, my certificates,
issuing units and number ranges, the ministry report, and the public verification page (no login)."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions as P
from common.excel import xlsx_response
from common.forms import error_text
from orgs.models import Org
from titles.catalogue import Level
from titles.models import Series

from . import selectors, services
from .models import Certificate, IssueBatch, IssuingUnit, MinistryReport, NumberRange

MAX_VERIFY_UPLOAD = 5 * 1024 * 1024


def _cert_orgs(request):
    orgs = P.certificate_orgs(request.user).order_by("path")
    if not orgs.exists():
        raise Http404("您没有证书管理权限。")
    return orgs


def _pick_org(request, orgs):
    pk = request.POST.get("org") or request.GET.get("org")
    if pk:
        org = orgs.filter(pk=pk).first() if str(pk).isdigit() else None
        if org is None:
            raise Http404("单位不存在或您无权管理其证书。")
        return org
    return orgs.first()


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


# --------------------------------------------------------------------------------------------- issue
def _issuable_filtered(request, org):
    qs = selectors.issuable_declarations(org=org)
    g = request.GET if request.method == "GET" else request.POST
    if g.get("q"):
        q = g["q"].strip()
        qs = qs.filter(Q(applicant__name__contains=q) | Q(applicant__id_number=q) | Q(unit__name__contains=q))
    if g.get("year", "").isdigit():
        qs = qs.filter(year=int(g["year"]))
    if g.get("level"):
        qs = qs.filter(level=g["level"])
    if g.get("series", "").isdigit():
        qs = qs.filter(series_id=int(g["series"]))
    return qs


@login_required
@require_http_methods(["GET", "POST"])
def issue(request):
    """证书发放 (003 §1.17): approved, not-yet-issued declarations this org approved last; issue the selected or
    all that match the query."""
    orgs = _cert_orgs(request)
    org = _pick_org(request, orgs)
    unit = IssuingUnit.objects.filter(org=org, is_active=True).first()
    if request.method == "POST":
        if request.POST.get("scope") == "all":
            ids = list(_issuable_filtered(request, org).values_list("pk", flat=True))
        else:
            ids = _ids(request.POST.getlist("declaration"))
        try:
            batch = services.certificates_issue(
                user=request.user,
                org=org,
                declaration_ids=ids,
                document_number=request.POST.get("document_number", "")[:60],
            )
        except ValidationError as e:
            messages.error(request, error_text(e))
            return redirect(f"{request.path}?org={org.pk}")
        except PermissionDenied as e:
            raise Http404(str(e)) from e
        messages.success(request, f"已发放 {batch.certificates.count()} 本证书，电子证书正在生成。")
        return redirect("certificates:batch", batch.pk)
    qs = _issuable_filtered(request, org)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/issue.html",
        {
            "orgs": orgs,
            "org": org,
            "unit": unit,
            "page": page,
            "levels": Level.choices,
            "series_list": Series.objects.filter(is_active=True).order_by("sort", "code"),
            "batches": IssueBatch.objects.filter(org=org).order_by("-created_at")[:10],
        },
    )


def _batch_for(request, pk: int) -> IssueBatch:
    batch = get_object_or_404(IssueBatch.objects.select_related("org"), pk=pk)
    if not P.can_manage_certificates_of(request.user, batch.org):
        raise Http404
    return batch


@login_required
def batch_detail(request, pk: int):
    batch = _batch_for(request, pk)
    certs = batch.certificates.select_related("issuing_unit").order_by("pk")
    return render(
        request,
        "certificates/batch.html",
        {
            "batch": batch,
            "progress": selectors.batch_progress(batch),
            "page": Paginator(certs, 100).get_page(request.GET.get("page")),
        },
    )


@login_required
def batch_progress_piece(request, pk: int):
    """The live progress (htmx polls it every second until nothing is pending)."""
    batch = _batch_for(request, pk)
    return render(
        request, "certificates/_batch_progress.html", {"batch": batch, "progress": selectors.batch_progress(batch)}
    )


@login_required
@require_POST
def pdf_retry(request):
    certs = list(selectors.certificates_managed_by(request.user).filter(pk__in=_ids(request.POST.getlist("cert"))))
    if not certs:
        messages.error(request, "请选择生成失败的证书。")
    else:
        n = services.certificates_pdf_retry(user=request.user, certificates=certs)
        messages.success(request, f"已重新提交 {n} 本证书的生成任务。")
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/certificates/") else "certificates:list")


# --------------------------------------------------------------------------------------------- list / detail
def _managed_filtered(request):
    qs = selectors.certificates_managed_by(request.user)
    g = request.GET
    if g.get("q"):
        q = g["q"].strip()
        qs = qs.filter(Q(holder_name__contains=q) | Q(number=q) | Q(holder_id_number=q) | Q(work_unit__contains=q))
    if g.get("status") in Certificate.Status.values:
        qs = qs.filter(status=g["status"])
    if g.get("pdf") in Certificate.PdfState.values:
        qs = qs.filter(pdf_state=g["pdf"])
    if g.get("source") in Certificate.Source.values:
        qs = qs.filter(source=g["source"])
    if g.get("reported") == "yes":
        qs = qs.filter(reported_at__isnull=False)
    elif g.get("reported") == "no":
        qs = qs.filter(reported_at__isnull=True)
    if g.get("year", "").isdigit():
        qs = qs.filter(issued_on__year=int(g["year"]))
    return qs


EXPORT_HEADERS = [
    "证书编号",
    "姓名",
    "身份证号",
    "性别",
    "工作单位",
    "系列",
    "专业",
    "层级",
    "资格名称",
    "评审委员会",
    "评审通过时间",
    "发证日期",
    "发文文号",
    "发证单位",
    "状态",
    "撤销原因",
    "来源",
    "电子证书",
    "SHA-256",
    "上报人社部时间",
]


def _export_row(c: Certificate) -> list:
    return [
        c.number,
        c.holder_name,
        c.holder_id_number,
        c.gender,
        c.work_unit,
        c.series,
        c.specialty,
        c.get_level_display(),
        c.qualification,
        c.committee,
        c.approved_on,
        c.issued_on,
        c.document_number,
        c.issuing_org_name,
        c.get_status_display(),
        c.revoke_reason,
        c.get_source_display(),
        c.get_pdf_state_display(),
        c.pdf_sha256,
        timezone.localtime(c.reported_at).strftime("%Y-%m-%d %H:%M") if c.reported_at else "",
    ]


@login_required
def certificate_list(request):
    """证书查询 (003 §1.20) for certificate managers."""
    _cert_orgs(request)
    qs = _managed_filtered(request)
    return render(
        request,
        "certificates/list.html",
        {
            "page": Paginator(qs, 30).get_page(request.GET.get("page")),
            "statuses": Certificate.Status.choices,
            "pdf_states": Certificate.PdfState.choices,
            "sources": Certificate.Source.choices,
        },
    )


@login_required
def certificate_export(request):
    _cert_orgs(request)
    qs = _managed_filtered(request)
    return xlsx_response(
        f"职称证书-{timezone.localdate():%Y%m%d}.xlsx",
        "职称证书",
        EXPORT_HEADERS,
        (_export_row(c) for c in qs.iterator(chunk_size=2000)),
    )


@login_required
def certificate_detail(request, pk: int):
    cert = selectors.certificate_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "certificates/detail.html",
        {
            "cert": cert,
            "can_manage": P.can_manage_certificates_of(request.user, cert.issuing_unit.org),
            "verify_url": request.build_absolute_uri(f"/verify/{cert.token}/"),
        },
    )


@login_required
def certificate_pdf(request, pk: int):
    """Download (002 §2.4): the holder and the issuing chain's managers only; others get 404."""
    cert = selectors.certificate_get_for_user(user=request.user, pk=pk)
    if cert.pdf_state != Certificate.PdfState.DONE or not cert.pdf_file:
        messages.info(request, "电子证书正在生成，请稍后再下载。")
        return redirect("certificates:detail", cert.pk)
    resp = FileResponse(
        default_storage.open(cert.pdf_file, "rb"),
        as_attachment=True,
        filename=f"职称证书-{cert.number}.pdf",
        content_type="application/pdf",
    )
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
@require_http_methods(["GET", "POST"])
def certificate_revoke(request, pk: int):
    cert = selectors.certificate_get_for_user(user=request.user, pk=pk)
    if not P.can_manage_certificates_of(request.user, cert.issuing_unit.org):
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.certificate_revoke(user=request.user, certificate=cert, reason=request.POST.get("reason", ""))
        except ValidationError as e:
            error = error_text(e)
        else:
            messages.success(request, f"证书 {cert.number} 已撤销。")
            return redirect("certificates:detail", cert.pk)
    return render(
        request, "certificates/revoke.html", {"cert": cert, "error": error, "reason": request.POST.get("reason", "")}
    )


@login_required
def my_certificates(request):
    """我的证书 (002 §2.4)."""
    return render(
        request,
        "certificates/mine.html",
        {"certs": selectors.certificates_of_holder(request.user).order_by("-issued_on", "-pk")},
    )


# --------------------------------------------------------------------------------------------- issuing units
def _scope_orgs(request):
    q = P.certificate_scope_q(request.user)
    if q is None:
        raise Http404("您没有证书管理权限。")
    return Org.objects.filter(q, is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def unit_list(request):
    """发证单位编码配置 (003 §1.9): query, add, cancel, export."""
    scope = _scope_orgs(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        org = (
            scope.filter(pk=request.POST.get("org") or 0).first()
            if str(request.POST.get("org", "")).isdigit()
            else None
        )
        if org is None:
            errors["org"] = "请选择发证单位。"
        else:
            try:
                unit = services.issuing_unit_create(user=request.user, org=org, code=request.POST.get("code", ""))
            except ValidationError as e:
                errors["form"] = error_text(e)
            except PermissionDenied as e:
                raise Http404(str(e)) from e
            else:
                messages.success(request, f"已添加发证单位编码 {unit.code}（{unit.org.name}）。")
                return redirect("certificates:units")
    units = IssuingUnit.objects.filter(org__in=scope).select_related("org").order_by("code")
    q = request.GET.get("q", "").strip()
    if q:
        units = units.filter(Q(code__contains=q) | Q(org__name__contains=q))
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "发证单位编码.xlsx",
            "发证单位编码",
            ["发证单位编码", "单位名称", "状态", "注销原因"],
            ([u.code, u.org.name, "有效" if u.is_active else "已注销", u.cancel_reason] for u in units),
        )
    return render(
        request,
        "certificates/units.html",
        {
            "units": units,
            "errors": errors,
            "post": request.POST,
            "candidates": scope.filter(issuing_unit__isnull=True).order_by("path")[:500],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_cancel(request, pk: int):
    unit = get_object_or_404(IssuingUnit.objects.select_related("org"), pk=pk)
    if not P.can_manage_certificates_of(request.user, unit.org):
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.issuing_unit_cancel(user=request.user, unit=unit, reason=request.POST.get("reason", ""))
        except ValidationError as e:
            error = error_text(e)
        else:
            messages.success(request, f"发证单位编码 {unit.code} 已注销。")
            return redirect("certificates:units")
    return render(
        request,
        "certificates/unit_cancel.html",
        {"unit": unit, "error": error, "reason": request.POST.get("reason", "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_ranges(request, pk: int):
    """证书编号生成 (003 §1.16): the unit's number ranges; add a range by start and end."""
    unit = get_object_or_404(IssuingUnit.objects.select_related("org"), pk=pk)
    if not P.can_manage_certificates_of(request.user, unit.org):
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            year, start, end = (int(request.POST.get(k, "")) for k in ("year", "start", "end"))
        except ValueError:
            error = "年度、开始序号和结束序号须为整数。"
        else:
            try:
                services.number_range_create(user=request.user, issuing_unit=unit, year=year, start=start, end=end)
            except ValidationError as e:
                error = error_text(e)
            else:
                messages.success(request, f"已生成序号 {start}–{end} 的证书编号库。")
                return redirect("certificates:unit_ranges", unit.pk)
    return render(
        request,
        "certificates/ranges.html",
        {
            "unit": unit,
            "ranges": NumberRange.objects.filter(issuing_unit=unit).order_by("-year", "start"),
            "error": error,
            "post": request.POST,
            "this_year": timezone.localdate().year,
        },
    )


# --------------------------------------------------------------------------------------------- ministry report
@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """证书报送人社部 (003 §1.18): tick and 批量上报, or 全部上报 every unreported certificate in scope."""
    orgs = _cert_orgs(request)
    org = _pick_org(request, orgs)
    if request.method == "POST":
        try:
            if request.POST.get("scope") == "all":
                rep = services.certificates_report(user=request.user, org=org)
            else:
                rep = services.certificates_report(
                    user=request.user,
                    org=org,
                    ids=_ids(request.POST.getlist("cert")),
                    rereport=request.POST.get("rereport") == "1",
                )
        except ValidationError as e:
            messages.error(request, error_text(e))
        except PermissionDenied as e:
            raise Http404(str(e)) from e
        else:
            messages.success(request, f"已上报 {rep.count} 本证书。可下载上报文件。")
        return redirect(f"{request.path}?org={org.pk}&tab={request.POST.get('tab', 'todo')}")
    tab = request.GET.get("tab", "todo")
    scope = Certificate.objects.filter(issuing_unit__org__path__startswith=org.path)
    qs = scope.filter(reported_at__isnull=(tab != "done")).order_by("-issued_on", "-pk")
    return render(
        request,
        "certificates/report.html",
        {
            "orgs": orgs,
            "org": org,
            "tab": tab,
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "unreported": scope.filter(reported_at__isnull=True).count(),
            "reports": MinistryReport.objects.filter(org=org).order_by("-created_at")[:20],
        },
    )


REPORT_FIELDS = [  # (JSON key, Excel header, getter) — documented in docs/ministry-report.md
    ("certificate_number", "证书编号", lambda c: c.number),
    ("name", "姓名", lambda c: c.holder_name),
    ("id_number", "公民身份号码", lambda c: c.holder_id_number),
    ("gender", "性别", lambda c: c.gender),
    ("work_unit", "工作单位", lambda c: c.work_unit),
    ("series", "职称系列", lambda c: c.series),
    ("specialty", "专业", lambda c: c.specialty),
    ("level", "职称层级", lambda c: c.get_level_display()),
    ("qualification", "资格名称", lambda c: c.qualification),
    ("committee", "评审委员会", lambda c: c.committee),
    ("approved_on", "评审通过时间", lambda c: c.approved_on.isoformat()),
    ("issued_on", "发证日期", lambda c: c.issued_on.isoformat()),
    ("document_number", "发文文号", lambda c: c.document_number),
    ("issuing_unit_code", "发证单位编码", lambda c: c.issuing_unit.code),
    ("issuing_unit", "发证单位", lambda c: c.issuing_org_name),
    ("status", "证书状态", lambda c: c.status),
    ("revoke_reason", "撤销原因", lambda c: c.revoke_reason),
    ("pdf_sha256", "电子证书SHA-256", lambda c: c.pdf_sha256),
]


@login_required
def report_file(request, pk: int, fmt: str):
    rep = get_object_or_404(MinistryReport.objects.select_related("org"), pk=pk)
    if not P.can_manage_certificates_of(request.user, rep.org):
        raise Http404
    certs = rep.certificates.select_related("issuing_unit").order_by("pk")
    stamp = timezone.localtime(rep.created_at).strftime("%Y%m%d%H%M%S")
    if fmt == "xlsx":
        return xlsx_response(
            f"职称证书上报-{stamp}.xlsx",
            "职称证书上报",
            [h for _k, h, _g in REPORT_FIELDS],
            ([g(c) for _k, _h, g in REPORT_FIELDS] for c in certs),
        )
    if fmt == "json":
        body = {
            "format": "zhicheng-certificate-report",
            "version": 1,
            "report_id": rep.pk,
            "reporting_org": rep.org.name,
            "created_at": timezone.localtime(rep.created_at).isoformat(),
            "rereport": rep.rereport,
            "count": rep.count,
            "certificates": [{k: g(c) for k, _h, g in REPORT_FIELDS} for c in certs],
        }
        resp = HttpResponse(json.dumps(body, ensure_ascii=False, indent=1), content_type="application/json")
        resp["Content-Disposition"] = f'attachment; filename="certificate-report-{stamp}.json"'
        return resp
    raise Http404


# --------------------------------------------------------------------------------------------- public
def _verify_context(cert: Certificate | None, query: str) -> dict:
    return {"cert": cert, "query": query, "searched": bool(query)}


def verify(request):
    """证书查验 (CRT-3), public: by number (or the QR token); optionally upload the PDF to compare its SHA-256."""
    query = (request.POST.get("number") or request.GET.get("number") or "").strip()[:64]
    cert = selectors.certificate_lookup(query)
    ctx = _verify_context(cert, query)
    if request.method == "POST" and request.FILES.get("pdf") is not None:
        f = request.FILES["pdf"]
        if f.size > MAX_VERIFY_UPLOAD:
            ctx["upload_error"] = "文件超过5MB，不是本系统签发的电子证书。"
        else:
            h = hashlib.sha256()
            for chunk in f.chunks():
                h.update(chunk)
            digest = h.hexdigest()
            ctx["upload_sha256"] = digest
            if cert is None:
                cert = Certificate.objects.filter(pdf_sha256=digest).select_related("issuing_unit").first()
                ctx.update(_verify_context(cert, cert.number if cert else query))
                ctx["upload_sha256"] = digest
            ctx["upload_match"] = bool(cert and cert.pdf_sha256 and cert.pdf_sha256 == digest)
    return render(request, "certificates/verify.html", ctx)


def verify_token(request, token):
    cert = Certificate.objects.select_related("issuing_unit").filter(token=token).first()
    if cert is None:
        raise Http404("证书不存在。")
    return render(request, "certificates/verify.html", _verify_context(cert, cert.number))
