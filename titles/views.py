from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import apply_validation_error
from orgs.access import orgs_with_perm
from orgs.models import Org

from . import excel, selectors, services
from .catalogue import EvaluationMode, Level
from .forms import (
    ActivityForm,
    ChoiceForm,
    CloseDateForm,
    CommitteeForm,
    ConditionFormSet,
    ImportForm,
    MaterialFormSet,
    QualificationForm,
    ReasonForm,
    SeriesForm,
    SpecialtyForm,
    SpecialtyRenameForm,
    TemplateFormSet,
)
from .models import Activity, Committee, QualificationName, Series, Specialty

_IMPORT_KEY = "catalogue_import_pending"


def _catalogue_operator(request) -> None:
    if not services.can_manage_catalogue(request.user):
        raise Http404("您没有维护职称目录的权限。")


def _office_orgs(user):
    return orgs_with_perm(user, "run_committee")


# --------------------------------------------------------------------------------------------- catalogue
@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request):
    _catalogue_operator(request)
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            s = services.series_save(actor=request.user, code=form.cleaned_data["code"], name=form.cleaned_data["name"],
                                     sort=form.cleaned_data["sort"] or 0)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新增系列“{s.name}”。")
            return redirect("titles:series", pk=s.pk)
    series = Series.objects.order_by("sort", "code")
    return render(request, "titles/catalogue.html", {"series_list": series, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def series_detail(request, pk: int):
    _catalogue_operator(request)
    series = get_object_or_404(Series, pk=pk)
    spec_form = SpecialtyForm(request.POST if request.POST.get("action") == "add_specialty" else None, series=series,
                              prefix="sp")
    qual_form = QualificationForm(request.POST if request.POST.get("action") == "add_qualification" else None,
                                  series=series, prefix="q")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add_specialty" and spec_form.is_valid():
                d = spec_form.cleaned_data
                node = services.specialty_add(actor=request.user, series=series, parent=d["parent"], code=d["code"],
                                              name=d["name"])
                messages.success(request, f"已新增专业“{node.name}”。")
                return redirect("titles:series", pk=series.pk)
            if request.POST.get("action") == "add_qualification" and qual_form.is_valid():
                d = qual_form.cleaned_data
                q = services.qualification_save(actor=request.user, series=series, **d)
                messages.success(request, f"已新增资格名称“{q.name}”。")
                return redirect("titles:series", pk=series.pk)
        except ValidationError as exc:
            apply_validation_error(spec_form if request.POST.get("action") == "add_specialty" else qual_form, exc)
    quals = series.qualifications.prefetch_related("specialties").order_by("level", "name")
    return render(request, "titles/series_detail.html", {
        "series": series, "tree": selectors.specialty_tree(series), "quals": quals,
        "spec_form": spec_form, "qual_form": qual_form,
    })


_NODE_MODELS = {"series": Series, "specialty": Specialty, "qualification": QualificationName}


def _node(kind: str, pk: int):
    model = _NODE_MODELS.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk)


def _node_series_pk(node) -> int:
    return node.pk if isinstance(node, Series) else node.series_id


@login_required
@require_http_methods(["GET", "POST"])
def node_action(request, kind: str, pk: int, action: str):
    """Retire, reactivate or delete a catalogue node (confirmation page on GET)."""
    _catalogue_operator(request)
    node = _node(kind, pk)
    if request.method == "POST":
        try:
            if action == "delete":
                services.catalogue_node_delete(actor=request.user, node=node)
                messages.success(request, f"已删除“{node.name}”。")
                if isinstance(node, Series):
                    return redirect("titles:catalogue")
            else:
                services.catalogue_node_set_active(actor=request.user, node=node, active=action == "activate")
                messages.success(request, f"“{node.name}”已{'启用' if action == 'activate' else '停用'}。")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("titles:series", pk=_node_series_pk(node))
    verb = {"delete": "删除", "retire": "停用", "activate": "启用"}[action]
    return render(request, "titles/confirm.html", {
        "title": f"{verb}“{node.name}”",
        "question": f"确定{verb}“{node.name}”吗？" + ("已被使用的节点不能删除，只能停用。" if action == "delete" else
                                                   "停用后不能再被选择，已有数据不受影响。" if action == "retire" else ""),
        "danger": action != "activate", "back": redirect("titles:series", pk=_node_series_pk(node)).url,
    })


@login_required
@require_http_methods(["GET", "POST"])
def specialty_edit(request, pk: int):
    _catalogue_operator(request)
    node = get_object_or_404(Specialty, pk=pk)
    form = SpecialtyRenameForm(request.POST or None, initial={"code": node.code, "name": node.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.specialty_rename(actor=request.user, specialty=node, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "专业已保存。")
            return redirect("titles:series", pk=node.series_id)
    return render(request, "titles/simple_form.html", {"form": form, "title": f"修改专业：{node.name}",
                                                       "back": redirect("titles:series", pk=node.series_id).url})


@login_required
@require_http_methods(["GET", "POST"])
def qualification_edit(request, pk: int):
    _catalogue_operator(request)
    q = get_object_or_404(QualificationName, pk=pk)
    form = QualificationForm(request.POST or None, series=q.series, initial=QualificationForm.initial_for(q))
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_save(actor=request.user, qualification=q, series=q.series, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "资格名称已保存。")
            return redirect("titles:series", pk=q.series_id)
    return render(request, "titles/simple_form.html", {"form": form, "title": f"修改资格名称：{q.name}",
                                                       "back": redirect("titles:series", pk=q.series_id).url})


@login_required
def catalogue_export(request):
    _catalogue_operator(request)
    resp = HttpResponse(excel.catalogue_export(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="catalogue-{timezone.localdate():%Y%m%d}.xlsx"'
    return resp


def _import_pending_drop(request) -> None:
    key = request.session.pop(_IMPORT_KEY, None)
    if key and default_storage.exists(key):
        default_storage.delete(key)


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_import(request):
    """Upload → every row validated and shown → commit only on confirm, all or nothing."""
    _catalogue_operator(request)
    form = ImportForm()
    plan = None
    if request.method == "POST" and request.POST.get("action") == "confirm":
        key = request.session.get(_IMPORT_KEY)
        if not key or not default_storage.exists(key):
            messages.error(request, "没有待确认的导入文件，请重新上传。")
            return redirect("titles:import")
        with default_storage.open(key, "rb") as fh:
            plan = excel.catalogue_import_parse(fh.read())
        if plan.ok:
            counts = excel.catalogue_import_apply(plan)
            _import_pending_drop(request)
            messages.success(request, "导入成功：" + "，".join(f"{k} {v} 条" for k, v in counts.items()) + "。")
            return redirect("titles:catalogue")
        _import_pending_drop(request)
        messages.error(request, "文件中有错误行，未导入任何数据。")
    elif request.method == "POST":
        # A new upload replaces any file still waiting for its confirm: a confirm only ever imports the last
        # file the operator checked, never an earlier one after a later upload with errors.
        _import_pending_drop(request)
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            plan = excel.catalogue_import_parse(data)
            if plan.ok:
                key = default_storage.save(f"imports/catalogue-{uuid.uuid4().hex}.xlsx", ContentFile(data))
                request.session[_IMPORT_KEY] = key
    return render(request, "titles/import.html", {"form": form, "plan": plan})


# --------------------------------------------------------------------------------------------- committees
def _committee_visible(request, pk: int) -> Committee:
    c = get_object_or_404(Committee.objects.select_related("series", "office", "final_org", "region_scope"), pk=pk)
    if services.can_manage_catalogue(request.user) or services.can_run_committee(request.user, c):
        return c
    raise Http404("评委会不存在或您无权查看。")


@login_required
def committee_list(request):
    if services.can_manage_catalogue(request.user):
        qs = Committee.objects.all()
    else:
        offices = _office_orgs(request.user)
        if not offices.exists():
            raise Http404("您没有管理评委会的权限。")
        qs = Committee.objects.filter(office__in=offices)
    qs = qs.select_related("series", "office").prefetch_related("specialties").order_by("series__sort", "name")
    return render(request, "titles/committee_list.html", {
        "committees": qs, "can_manage": services.can_manage_catalogue(request.user)})


def _committee_form_save(request, form, committee=None):
    d = form.cleaned_data
    return services.committee_save(actor=request.user, committee=committee, **d)


@login_required
@require_http_methods(["GET", "POST"])
def committee_create(request):
    _catalogue_operator(request)
    form = CommitteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            c = _committee_form_save(request, form)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新增评委会“{c.name}”。")
            return redirect("titles:committee", pk=c.pk)
    return render(request, "titles/simple_form.html", {"form": form, "title": "新增评委会",
                                                       "back": redirect("titles:committees").url})


@login_required
@require_http_methods(["GET", "POST"])
def committee_edit(request, pk: int):
    _catalogue_operator(request)
    c = get_object_or_404(Committee, pk=pk)
    form = CommitteeForm(request.POST or None, initial=CommitteeForm.initial_for(c))
    if request.method == "POST" and form.is_valid():
        try:
            _committee_form_save(request, form, committee=c)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "评委会信息已保存。")
            return redirect("titles:committee", pk=c.pk)
    return render(request, "titles/simple_form.html", {"form": form, "title": f"编辑评委会：{c.name}",
                                                       "back": redirect("titles:committee", pk=c.pk).url})


@login_required
def committee_detail(request, pk: int):
    c = _committee_visible(request, pk)
    return render(request, "titles/committee_detail.html", {
        "c": c, "activities": c.activities.order_by("-year", "-opens_on"),
        "can_manage": services.can_manage_catalogue(request.user),
        "can_run": services.can_run_committee(request.user, c),
    })


@login_required
@require_http_methods(["GET", "POST"])
def committee_deregister(request, pk: int):
    _catalogue_operator(request)
    c = get_object_or_404(Committee, pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_deregister(actor=request.user, committee=c, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"评委会“{c.name}”已注销。")
            return redirect("titles:committee", pk=c.pk)
    return render(request, "titles/simple_form.html", {
        "form": form, "title": f"注销评委会：{c.name}", "danger": True,
        "intro": "注销后该评委会不再出现在申报人的评委会列表中，已提交的申报不受影响。请填写注销原因。",
        "back": redirect("titles:committee", pk=c.pk).url})


@login_required
@require_POST
def committee_reactivate(request, pk: int):
    _catalogue_operator(request)
    c = get_object_or_404(Committee, pk=pk)
    services.committee_reactivate(actor=request.user, committee=c)
    messages.success(request, f"评委会“{c.name}”已恢复。")
    return redirect("titles:committee", pk=c.pk)


# --------------------------------------------------------------------------------------------- activities
def _activity_for_office(request, pk: int) -> Activity:
    a = get_object_or_404(Activity.objects.select_related("committee", "committee__office"), pk=pk)
    if not services.can_run_committee(request.user, a.committee):
        raise Http404("评审活动不存在或您无权管理。")
    return a


@login_required
def activity_list(request):
    offices = _office_orgs(request.user)
    if not offices.exists():
        raise Http404("您不是评委会办事机构的经办人员。")
    activities = Activity.objects.filter(committee__office__in=offices).select_related("committee").order_by(
        "-year", "committee__name")
    committees = Committee.objects.filter(office__in=offices, status=Committee.Status.ACTIVE).order_by("name")
    return render(request, "titles/activity_list.html", {"activities": activities, "committees": committees,
                                                         "today": timezone.localdate()})


def _rules_formsets(request, activity: Activity | None):
    data = request.POST if request.method == "POST" else None
    init_m = init_t = init_c = None
    if activity is not None and data is None:
        init_m = [{"name": m.name, "required": m.required, "description": m.description}
                  for m in activity.materials.all()]
        init_t = [{"category": t.category, "name": t.name, "fields_text": t.fields_text}
                  for t in activity.achievement_templates.all()]
        init_c = [{"text": c.text} for c in activity.break_conditions.all()]
    return (MaterialFormSet(data, prefix="m", initial=init_m), TemplateFormSet(data, prefix="t", initial=init_t),
            ConditionFormSet(data, prefix="c", initial=init_c))


def _activity_edit(request, committee: Committee, activity: Activity | None):
    initial = None
    if activity is not None:
        initial = {f: getattr(activity, f) for f in ActivityForm.base_fields}
    else:
        today = timezone.localdate()
        initial = {"year": today.year, "title": f"{today.year}年度{committee.name}评审", "edit_deadline_days": 7,
                   "teacher_section": committee.series.code.upper().startswith("ZXXJS"),
                   "health_section": committee.series.code.upper().startswith("WS")}
    form = ActivityForm(request.POST or None, initial=initial)
    formsets = _rules_formsets(request, activity)
    if request.method == "POST" and form.is_valid() and all(fs.is_valid() for fs in formsets):
        try:
            a = services.activity_save(actor=request.user, committee=committee, activity=activity, **form.cleaned_data)
            services.activity_rules_set(
                actor=request.user, activity=a,
                materials=[f.cleaned_data for f in formsets[0] if f.cleaned_data],
                templates=[f.cleaned_data for f in formsets[1] if f.cleaned_data],
                conditions=[f.cleaned_data for f in formsets[2] if f.cleaned_data],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "评审活动已保存（草稿）。发布前可继续修改。")
            return redirect("titles:activity", pk=a.pk)
    return render(request, "titles/activity_form.html", {
        "form": form, "materials": formsets[0], "templates": formsets[1], "conditions": formsets[2],
        "committee": committee, "activity": activity})


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request, committee_pk: int):
    committee = get_object_or_404(Committee.objects.select_related("series", "office"), pk=committee_pk)
    if not services.can_run_committee(request.user, committee):
        raise Http404("评委会不存在或您无权管理。")
    return _activity_edit(request, committee, None)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    a = _activity_for_office(request, pk)
    if a.is_published:
        messages.error(request, services.MSG_PUBLISHED_LOCKED)
        return redirect("titles:activity", pk=a.pk)
    return _activity_edit(request, a.committee, a)


@login_required
def activity_detail(request, pk: int):
    a = _activity_for_office(request, pk)
    return render(request, "titles/activity_detail.html", {"a": a, "close_form": CloseDateForm(
        initial={"closes_on": a.closes_on})})


@login_required
@require_POST
def activity_publish(request, pk: int):
    a = _activity_for_office(request, pk)
    try:
        services.activity_publish(actor=request.user, activity=a)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "评审活动已发布，申报规则自此锁定。")
    return redirect("titles:activity", pk=a.pk)


@login_required
@require_POST
def activity_close_date(request, pk: int):
    a = _activity_for_office(request, pk)
    form = CloseDateForm(request.POST)
    if form.is_valid():
        try:
            services.activity_set_close_date(actor=request.user, activity=a, closes_on=form.cleaned_data["closes_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "申报截止日期已更新。")
    else:
        messages.error(request, "请输入有效的日期。")
    return redirect("titles:activity", pk=a.pk)


# --------------------------------------------------------------------------------------------- choosing
def choice_state(params) -> dict:
    """Read the current choices (GET or POST); anything not offered by the cascade is dropped."""
    mode = params.get("mode", "")
    series = Series.objects.filter(pk=params.get("series") or None).first() if params.get("series", "").isdigit() \
        else None
    level = params.get("level", "")
    specialty = Specialty.objects.filter(pk=params.get("specialty")).first() \
        if params.get("specialty", "").isdigit() else None
    opts = selectors.choice_options(mode=mode, series=series, level=level, specialty=specialty)
    if series not in opts.series:
        series = None
    if level not in dict(opts.levels):
        level = ""
    if specialty not in opts.specialties:
        specialty = None
    qual_id = params.get("qualification", "")
    qualification = next((q for q in opts.qualifications if str(q.pk) == qual_id), None)
    committees = []
    # On the declaration start page the chosen work unit travels with the form: only committees whose region
    # scope contains the unit's title-business locality are offered (属地原则).
    unit = Org.objects.filter(pk=params.get("unit"), is_active=True).select_related("locality").first() \
        if str(params.get("unit", "")).isdigit() else None
    if mode == EvaluationMode.REVIEW and series and level and specialty and qualification:
        committees = selectors.committees_open_for(series=series, level=level, specialty=specialty,
                                                   locality=unit.locality if unit else None)
    return {"mode": mode, "series": series, "level": level, "specialty": specialty, "qualification": qualification,
            "opts": opts, "committees": committees, "mode_label": dict(EvaluationMode.choices).get(mode, ""),
            "level_label": dict(Level.choices).get(level, ""),
            "needs_committee": mode == EvaluationMode.REVIEW}


@login_required
@require_http_methods(["GET", "POST"])
def choose(request):
    """The cascading choice of 002 §2.2.1.1.1 as a page; the declaration start (issue 4) reuses the piece."""
    if request.method == "POST":
        form = ChoiceForm(request.POST)
        state = choice_state(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                activity = services.choice_validate(
                    mode=d["mode"], series=d["series"], level=d["level"], specialty=d["specialty"],
                    qualification=d["qualification"], committee=d.get("committee"))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                request.session["declaration_choice"] = {
                    "mode": d["mode"], "series": d["series"].pk, "level": d["level"], "specialty": d["specialty"].pk,
                    "qualification": d["qualification"].pk,
                    "committee": d["committee"].pk if d.get("committee") else None,
                    "activity": activity.pk if activity else None,
                }
                return render(request, "titles/choose_done.html", {
                    "d": d, "activity": activity, "mode_label": EvaluationMode(d["mode"]).label,
                    "level_label": Level(d["level"]).label})
        return render(request, "titles/choose.html", {"state": state, "form": form}, status=400)
    return render(request, "titles/choose.html", {"state": choice_state(request.GET)})


@login_required
def choose_piece(request):
    """htmx: re-render the selection piece for the current choices."""
    return render(request, "titles/_choice_piece.html", {"state": choice_state(request.GET)})
