"""批量导入 pages (CRT-6, 003 §1.29): download the template, upload a file, watch its validation, read the failed
rows (and download them), confirm to commit the valid rows."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import permissions as P
from common.excel import XLSX, xlsx_response
from common.forms import apply_validation_error, error_text
from orgs.models import Org

from . import imports
from .forms_import import ImportUploadForm
from .models import ImportJob

RUNNING = (ImportJob.State.VALIDATING, ImportJob.State.COMMITTING)
ERRORS_PER_PAGE = 50


def _require_right(request) -> None:
    if not P.certificate_orgs(request.user).exists():
        raise PermissionDenied("您没有证书管理权限。")


def _import_orgs(request):
    """Orgs the user may import for: in the subtrees of their 证书管理 orgs, with an active issuing-unit code."""
    q = P.certificate_scope_q(request.user)
    if q is None:
        return Org.objects.none()
    return Org.objects.filter(q, issuing_unit__is_active=True).select_related("issuing_unit").order_by("path")


def _jobs(request):
    q = P.certificate_scope_q(request.user, "org__path")
    if q is None:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(q).defer("row_errors", "valid_rows").select_related("org", "created_by")


def _job_for(request, pk: int, *, errors: bool = False) -> ImportJob:
    _require_right(request)
    qs = ImportJob.objects.select_related("org", "created_by").defer("valid_rows")
    if not errors:
        qs = qs.defer("row_errors", "valid_rows")
    job = qs.filter(pk=pk).first()
    if job is None or not P.can_manage_certificates_of(request.user, job.org):
        raise Http404("导入任务不存在或您无权查看。")
    return job


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    _require_right(request)
    orgs = _import_orgs(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, orgs=orgs, initial={"org": orgs.first()})
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(
                user=request.user, org=form.cleaned_data["org"], upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"文件“{job.file_name}”已上传，正在逐行校验。")
            return redirect("certificates:import_job", pk=job.pk)
    jobs = Paginator(_jobs(request).order_by("-created_at", "-pk"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/import/index.html",
        {
            "form": form,
            "orgs": orgs,
            "page": jobs,
            "max_rows": imports.MAX_ROWS,
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_template(request):
    _require_right(request)
    resp = HttpResponse(imports.template_workbook(), content_type=XLSX)
    resp["Content-Disposition"] = (
        f"attachment; filename=\"certificate-import-template.xlsx\"; filename*=UTF-8''{quote('职称证书导入模板.xlsx')}"
    )
    return resp


def _progress_context(job: ImportJob) -> dict:
    return {"job": job, "running": job.state in RUNNING}


@login_required
def import_job(request, pk: int):
    job = _job_for(request, pk, errors=True)
    page = Paginator(job.row_errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/import/job.html",
        {
            **_progress_context(job),
            "page": page,
            "can_confirm": job.state == ImportJob.State.VALIDATED
            and job.passed > 0
            or (job.state == ImportJob.State.FAILED and job.passed > job.committed),
        },
    )


@login_required
def import_progress(request, pk: int):
    """htmx piece: the state and progress bar; it asks again every second while the job runs. When the job has
    left the state the page was showing, the whole page is reloaded (errors table, confirm button)."""
    job = _job_for(request, pk)
    resp = render(request, "certificates/import/_progress.html", _progress_context(job))
    shown = request.GET.get("state")
    if request.headers.get("HX-Request") and shown and shown != job.state:
        resp["HX-Refresh"] = "true"
    return resp


@login_required
@require_http_methods(["GET", "POST"])
def import_confirm(request, pk: int):
    """【提交】 with a confirmation step: only the rows that passed are imported."""
    job = _job_for(request, pk)
    if request.method == "POST":
        try:
            imports.import_confirm(user=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        except PermissionDenied as exc:
            raise Http404(str(exc)) from exc
        else:
            messages.success(request, f"已提交导入 {job.passed - job.committed} 条校验通过的记录，正在生成证书。")
        return redirect("certificates:import_job", pk=job.pk)
    return render(request, "certificates/import/confirm.html", {"job": job})


@login_required
def import_errors(request, pk: int):
    """The failed rows with their reasons, as an Excel file to correct and import again."""
    job = _job_for(request, pk, errors=True)
    rows = (
        [e.get("row"), *map(imports.excel_text, (e.get("name", ""), e.get("id_number", ""), "；".join(e["errors"])))]
        for e in job.row_errors
    )
    return xlsx_response(
        f"校验不通过记录-{job.pk}-{timezone.localdate():%Y%m%d}.xlsx",
        "校验不通过记录",
        ["行号", "姓名", "身份证号", "失败说明"],
        rows,
    )
