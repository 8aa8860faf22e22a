from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import has_org_perm, orgs_with_perm
from common.forms import apply_validation_error, error_text
from declarations.views import dossier_context

from . import selectors, services
from .forms import DeadlineForm, DecisionForm, DiagnoseForm, EdgeForm, FilterForm, IndustryForm
from .models import AuditPathEdge, CommonOpinion, Decision, IndustryDepartment, ReviewProcess
from .routes import route_compute
from .steps import PERMISSION_FOR, StepKind


def _msg(exc) -> str:
    return error_text(exc)


def _reviewer(request):
    if not (orgs_with_perm(request.user, "review_declarations").exists()
            or orgs_with_perm(request.user, "run_committee").exists()):
        raise Http404("您没有审核权限。")


# --------------------------------------------------------------------------------------------- inbox
@login_required
def inbox(request):
    _reviewer(request)
    tab = request.GET.get("tab", "todo")
    f = FilterForm(request.GET or None)
    params = {k: request.GET.get(k, "") for k in ("year", "level", "series")}
    if tab == "done":
        qs = selectors.done(request.user, status=request.GET.get("status", ""), **params)
    else:
        qs = selectors.inbox(request.user, queue=request.GET.get("queue", ""), **params)
    if request.GET.get("export") == "xlsx":
        return _export(qs, tab)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "workflow/inbox.html", {
        "page": page, "tab": tab, "filter": f, "queue": request.GET.get("queue", ""),
        "states": ReviewProcess.State.choices, "status": request.GET.get("status", ""),
        "todo_count": selectors.inbox(request.user).count(),
    })


def _export(qs, tab: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "待办" if tab != "done" else "已办"
    ws.append(["申报人", "身份证号码", "工作单位", "年度", "系列", "层级", "专业", "资格名称", "当前环节", "当前审核单位",
               "状态", "到达时间"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for p in qs:
        d = p.declaration
        step = p.current_step or {}
        ws.append([d.applicant.name, d.applicant.id_number, d.unit.name, d.year, d.series.name,
                   d.get_level_display(), d.specialty.name, d.qualification.name, step.get("label", ""),
                   step.get("org_name", ""), p.get_state_display(),
                   timezone.localtime(p.arrived_at).strftime("%Y-%m-%d %H:%M") if p.arrived_at else ""])
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="review-{tab}-{timezone.localdate():%Y%m%d}.xlsx"'
    return resp


@login_required
@require_POST
def batch(request):
    """数据上报 (004 §2.4): approve many; each item is decided on its own, results reported per item."""
    _reviewer(request)
    ids = [int(x) for x in request.POST.getlist("task") if x.isdigit()]
    opinion = request.POST.get("opinion", "").strip() or "同意"
    results = []
    for task_id in ids:
        try:
            decision = services.decide(user=request.user, task_id=task_id,
                                       data=services.DecisionInput(action=Decision.Action.APPROVE, opinion=opinion))
            results.append((task_id, True, f"{decision.declaration.applicant.name}：已通过（{decision.step_label}）"))
        except (ValidationError, PermissionDenied) as exc:
            results.append((task_id, False, f"任务 {task_id}：{_msg(exc)}"))
    ok = sum(1 for r in results if r[1])
    messages.info(request, f"批量审核完成：成功 {ok} 件，失败 {len(results) - ok} 件。")
    return render(request, "workflow/batch_result.html", {"results": results})


# --------------------------------------------------------------------------------------------- task
@login_required
@require_http_methods(["GET", "POST"])
def task(request, task_id: int):
    try:
        t, p = selectors.task_get_for_user(user=request.user, task_id=task_id)
    except Http404:
        # A task this reviewer could see that has already been decided (a second click, another tab, a colleague
        # was first): say so in Chinese and show where the dossier is now; anything else stays a 404.
        moved = selectors.task_moved_on(user=request.user, task_id=task_id)
        if moved is None:
            raise
        messages.error(request, services.MSG_MOVED_ON)
        return redirect("workflow:progress", pk=moved)
    step = p.current_step
    unit_step = step["kind"] == StepKind.UNIT
    form = DecisionForm(request.POST or None, request.FILES or None, insertable=services.insertable_orgs(p),
                        unit_step=unit_step)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        data = services.DecisionInput(
            action=c["action"], opinion=c["opinion"], signer=c["signer"], signed_on=c["signed_on"],
            deadline=c["deadline"], insert_org=c["insert_org"], recommendation=c.get("recommendation", ""),
            publicity_start=c.get("publicity_start"), publicity_end=c.get("publicity_end"),
            publicity_result=c.get("publicity_result", ""))
        try:
            decision = services.decide(user=request.user, task_id=t.pk, data=data,
                                       attachments=request.FILES.getlist("attachments"))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            messages.error(request, _msg(exc))
            return redirect("workflow:inbox")
        else:
            messages.success(request, f"已处理：{decision.get_action_display()}。")
            if decision.action == Decision.Action.READ:
                return redirect("workflow:task", task_id=t.pk)
            return redirect("workflow:inbox")
    ctx = dossier_context(p.declaration, request.user)
    ctx.update(task=t, p=p, step=step, form=form, unit_step=unit_step,
               opinions=CommonOpinion.objects.filter(user=request.user),
               history=selectors.history_of(p.declaration), diagram=selectors.diagram(p.declaration),
               next_step=p.route[p.position + 1] if p.position + 1 < len(p.route) else None)
    return render(request, "workflow/task.html", ctx, status=400 if form.errors else 200)


@login_required
def progress(request, pk: int):
    """History and route diagram, for the applicant and every reviewer of the dossier (WFL-8)."""
    d = selectors.declaration_for_progress(user=request.user, pk=pk)
    processes = selectors.processes_of(d)
    latest = processes[-1] if processes else None
    can_recall = latest is not None and services.recall_allowed(request.user, latest)
    history = selectors.history_of(d)
    can_rereview = False
    if latest is not None and latest.state == ReviewProcess.State.NOT_PASSED and d.applicant_id != request.user.pk:
        # Only the org that decided 不通过 may re-review it (001 §2.2.1): offer the button to its operators only.
        last = next((h for h in reversed(history) if h.process_id == latest.pk
                     and h.action == Decision.Action.NOT_PASS), None)
        can_rereview = last is not None and last.org_id is not None and has_org_perm(
            request.user, PERMISSION_FOR[last.step_kind], last.org)
    return render(request, "workflow/progress.html", {
        "d": d, "history": history, "diagram": selectors.diagram(d), "latest": latest,
        "can_recall": can_recall, "can_rereview": can_rereview,
    })


@login_required
@require_POST
def recall(request, process_id: int):
    p = ReviewProcess.objects.filter(pk=process_id).first()
    if p is None:
        raise Http404
    try:
        services.recall(user=request.user, process_id=p.pk)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _msg(exc))
    else:
        messages.success(request, "已撤回，申报回到本单位待办。")
    return redirect("workflow:progress", pk=p.declaration_id)


@login_required
@require_POST
def rereview(request, process_id: int):
    p = ReviewProcess.objects.filter(pk=process_id).first()
    if p is None:
        raise Http404
    try:
        services.rereview(user=request.user, process_id=p.pk)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _msg(exc))
    else:
        messages.success(request, "已重新进入审核。")
    return redirect("workflow:progress", pk=p.declaration_id)


@login_required
@require_http_methods(["GET", "POST"])
def returned(request):
    _reviewer(request)
    if request.method == "POST":
        form = DeadlineForm(request.POST)
        pid = request.POST.get("process", "")
        if form.is_valid() and pid.isdigit():
            try:
                services.deadline_extend(user=request.user, process_id=int(pid),
                                         deadline=form.cleaned_data["deadline"])
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _msg(exc))
            else:
                messages.success(request, "修改截止日期已更新。")
        else:
            messages.error(request, "请输入有效的日期。")
        return redirect("workflow:returned")
    return render(request, "workflow/returned.html", {"rows": selectors.returned_for(request.user),
                                                      "today": timezone.localdate()})


# --------------------------------------------------------------------------------------------- opinions
@login_required
@require_http_methods(["GET", "POST"])
def opinions(request):
    _reviewer(request)
    if request.method == "POST":
        if request.POST.get("delete", "").isdigit():
            CommonOpinion.objects.filter(user=request.user, pk=int(request.POST["delete"])).delete()
            messages.success(request, "已删除。")
        else:
            try:
                services.opinion_save(user=request.user, text=request.POST.get("text", ""))
            except ValidationError as exc:
                messages.error(request, _msg(exc))
            else:
                messages.success(request, "常用意见已保存。")
        return redirect("workflow:opinions")
    return render(request, "workflow/opinions.html", {"opinions": CommonOpinion.objects.filter(user=request.user)})


# --------------------------------------------------------------------------------------------- paths
@login_required
@require_http_methods(["GET", "POST"])
def paths(request):
    review_orgs = orgs_with_perm(request.user, "review_declarations")
    hr_orgs = list(orgs_with_perm(request.user, "configure_paths"))
    if not review_orgs.exists():
        raise Http404("您没有审核权限。")
    form = EdgeForm(request.POST or None)
    from orgs.models import Org

    if hr_orgs:
        from functools import reduce
        from operator import or_

        from django.db.models import Q

        form.fields["from_org"].queryset = Org.objects.filter(
            reduce(or_, (Q(path__startswith=o.path) for o in hr_orgs)), is_active=True)
    else:
        form.fields["from_org"].queryset = review_orgs
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve", "refuse"):
                edge = AuditPathEdge.objects.filter(pk=request.POST.get("edge") or 0).first()
                if edge is None:
                    raise Http404
                services.edge_decide(user=request.user, edge=edge, approve=action == "approve",
                                     reason=request.POST.get("reason", ""))
                messages.success(request, "路径申请已" + ("批准" if action == "approve" else "拒绝") + "。")
                return redirect("workflow:paths")
            if action == "configure" and not hr_orgs:
                # Only HR operators configure paths; a "configure" must never quietly become a request.
                raise PermissionDenied(services.MSG_EDGE_RIGHT)
            if form.is_valid():
                c = form.cleaned_data
                if action == "configure":
                    services.edge_configure(user=request.user, from_org=c["from_org"], to_org=c["to_org"],
                                            series=c["series"], level=c["level"])
                    messages.success(request, "审核路径已配置并生效。")
                else:
                    services.edge_request(user=request.user, from_org=c["from_org"], to_org=c["to_org"],
                                          series=c["series"], level=c["level"], reason=c["reason"])
                    messages.success(request, "路径申请已提交，等待上级单位审批。")
                return redirect("workflow:paths")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _msg(exc))
    mine = list(review_orgs.values_list("pk", flat=True))
    edges = AuditPathEdge.objects.filter(from_org_id__in=mine) | AuditPathEdge.objects.filter(to_org_id__in=mine)
    if hr_orgs:
        from functools import reduce
        from operator import or_

        from django.db.models import Q

        edges = edges | AuditPathEdge.objects.filter(reduce(or_, (Q(from_org__path__startswith=o.path)
                                                                  for o in hr_orgs)))
    edges = edges.distinct().select_related("from_org", "to_org", "series").order_by("-created_at")
    return render(request, "workflow/paths.html", {"form": form, "edges": edges, "is_hr": bool(hr_orgs),
                                                   "mine": set(mine)})


@login_required
@require_http_methods(["GET", "POST"])
def industry(request):
    if not orgs_with_perm(request.user, "configure_paths").exists():
        raise Http404("只有人社部门经办人员可以配置行业主管部门。")
    form = IndustryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.industry_set(user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _msg(exc))
        else:
            messages.success(request, "行业主管部门已配置。")
            return redirect("workflow:industry")
    rows = IndustryDepartment.objects.select_related("region", "series", "specialty", "org").order_by(
        "region__path", "series__sort")
    return render(request, "workflow/industry.html", {"form": form, "rows": rows})


@login_required
def diagnose(request):
    """Path diagnosis (003 §1.28): the full route to the final org, or exactly where it breaks and why."""
    from declarations.selectors import declaration_get_for_user
    from titles.selectors import committees_open_for

    route = None
    d = None
    form = DiagnoseForm(request.GET or None)
    stored = None
    if request.GET.get("declaration", "").isdigit():
        d = declaration_get_for_user(user=request.user, pk=int(request.GET["declaration"]))
        # A submitted dossier walks the route stored on its process at submission; show that one (and, below,
        # what today's configuration would compute) — they can differ after a configuration change.
        stored = ReviewProcess.objects.filter(declaration=d).order_by("-pk").first()
        route = route_compute(unit=d.unit, series=d.series, level=d.level, specialty=d.specialty,
                              committee=d.committee)
    else:
        if not (orgs_with_perm(request.user, "configure_paths").exists()
                or orgs_with_perm(request.user, "review_declarations").exists()):
            raise Http404("只有审核单位经办人员可以进行路径诊断；申报人可在本人申报中查看路径。")
        if form.is_valid():
            c = form.cleaned_data
            committee = c["committee"]
            if committee is None:
                found = committees_open_for(series=c["series"], level=c["level"], specialty=c["specialty"])
                committee = found[0] if found else None
            route = route_compute(unit=c["unit"], series=c["series"], level=c["level"], specialty=c["specialty"],
                                  committee=committee)
    return render(request, "workflow/diagnose.html", {"form": form, "route": route, "d": d, "stored": stored})
