from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import apply_validation_error, error_text
from orgs.models import Org
from titles.models import BreakCondition
from titles.views import choice_state

from . import sections as S
from . import selectors, services
from .forms import AchievementFormMixin, ProfileForm, StartForm, section_form_class
from .models import Achievement, Attachment, Declaration, Profile, SocialInsurance


def _refuse(request, exc, fallback: str):
    messages.error(request, error_text(exc))
    return redirect(fallback)


# --------------------------------------------------------------------------------------------- owner
@dataclass
class Owner:
    """Where section rows live: one declaration's dossier, or the user's personal info centre."""

    declaration: Declaration | None = None
    profile: Profile | None = None

    @property
    def editable(self) -> bool:
        return self.declaration.is_editable if self.declaration else True

    @property
    def sections(self) -> list[S.Section]:
        if self.declaration:
            return S.sections_for(self.declaration)
        return list(S.PROFILE_SECTIONS)

    def url(self, name: str, *args) -> str:
        if self.declaration:
            return reverse(f"declarations:{name}", args=[self.declaration.pk, *args])
        if name == "overview":
            return reverse("declarations:me")
        return reverse(f"declarations:me_{name}", args=list(args))

    def rows(self, section: S.Section):
        return S.rows_qs(section, declaration=self.declaration, profile=self.profile)


def _dossier_owner(request, pk) -> Owner:
    return Owner(declaration=selectors.declaration_get_own(user=request.user, pk=pk))


def _profile_owner(request) -> Owner:
    profile, _ = Profile.objects.get_or_create(user=request.user)
    return Owner(profile=profile)


def _section(owner: Owner, key: str) -> S.Section:
    for s in owner.sections:
        if s.key == key:
            return s
    raise Http404("栏目不存在。")


def _next_section(owner: Owner, section: S.Section) -> S.Section | None:
    keys = [s.key for s in owner.sections]
    i = keys.index(section.key)
    return owner.sections[i + 1] if i + 1 < len(keys) else None


def _after_save(request, owner: Owner, section: S.Section):
    """000 §4.1.1.3: 下一步 goes on to the next section; 保存 closes the section and returns to the overview."""
    if request.POST.get("go") == "next":
        nxt = _next_section(owner, section)
        if nxt is not None:
            return redirect(owner.url("section", nxt.key))
    return redirect(owner.url("overview") if owner.declaration else owner.url("section", section.key))


# --------------------------------------------------------------------------------------------- lists, start
@login_required
def my_declarations(request):
    return render(request, "declarations/my_list.html", {
        "declarations": selectors.declarations_of(request.user),
        "commitment_ok": services.commitment_accepted(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def commitment_letter(request):
    if request.method == "POST":
        if request.POST.get("agree") != "1":
            messages.error(request, "请勾选“我已阅读并同意”后再继续。")
        else:
            services.commitment_accept(user=request.user, ip_address=request.META.get("REMOTE_ADDR"))
            messages.success(request, "已记录您对申报承诺书的同意。")
            return redirect("declarations:start")
    return render(request, "declarations/commitment_letter.html", {
        "accepted": services.commitment_accepted(request.user), "version": services.COMMITMENT_VERSION})


def _unit_results(q: str):
    if not q.strip():
        return []
    qs = services.declarable_units()
    for word in q.split():
        qs = qs.filter(name__icontains=word)
    return list(qs.select_related("region").order_by("name")[:20])


@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    if not services.commitment_accepted(request.user):
        messages.info(request, services.MSG_COMMITMENT)
        return redirect("declarations:commitment")
    params = request.POST if request.method == "POST" else request.GET
    form = StartForm(request.POST or None, request.FILES or None)
    q = params.get("q", "")
    chosen_unit = Org.objects.filter(pk=params.get("unit"), is_active=True).first() \
        if str(params.get("unit", "")).isdigit() else None
    stash = None
    if request.method == "POST":
        stash_id = request.POST.get("stash")
        stash = Attachment.objects.filter(pk=stash_id, owner=request.user, declaration=None, pending=True,
                                          section="start", field="entrust_proof").first() \
            if str(stash_id or "").isdigit() else None
        # The proof is checked and kept first, whatever else is wrong with the form, so a refused form never
        # makes the applicant choose the file again (DCL-4: nothing is lost when validation fails).
        proof_error = None
        upload = request.FILES.get("entrust_proof")
        if upload is not None and request.POST.get("entrusted"):
            try:
                stash = services.attachment_stash(user=request.user, upload=upload)
            except ValidationError as exc:
                proof_error = exc
        valid = form.is_valid()
        if proof_error is not None:
            form.add_error("entrust_proof", proof_error)
        elif valid:
            d = form.cleaned_data
            try:
                choice = services.StartChoice(
                    unit=d["unit"], mode=d["mode"], series=d["series"], level=d["level"], specialty=d["specialty"],
                    qualification=d["qualification"], committee=d.get("committee"), method=d["method"],
                    break_conditions=list(d["break_conditions"]), entrusted=d["entrusted"])
                declaration = services.declaration_start(user=request.user, choice=choice, stashed_proof=stash)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "申报已创建（草稿）。个人信息已从个人信息中心带入，请逐项完善档案袋。")
                return redirect("declarations:overview", pk=declaration.pk)
    state = choice_state(params)
    conditions = []
    if state["committees"]:
        conditions = list(BreakCondition.objects.filter(
            activity__in=[c.open_activities[0] for c in state["committees"]]).select_related("activity"))
    return render(request, "declarations/start.html", {
        "form": form, "state": state, "q": q, "units": _unit_results(q), "chosen_unit": chosen_unit,
        "conditions": conditions, "stash": stash,
        # ticked conditions survive a refused POST and the htmx refresh of the block (a GET with the form's values)
        "checked_conditions": params.getlist("break_conditions"),
    }, status=400 if request.method == "POST" else 200)


# --------------------------------------------------------------------------------------------- dossier
@login_required
def overview(request, pk):
    owner = _dossier_owner(request, pk)
    d = owner.declaration
    missing = {m.section.key: m.problems for m in services.completeness(d)}
    counts = {}
    for s in owner.sections:
        if s.many:
            counts[s.key] = owner.rows(s).count()
    return render(request, "declarations/overview.html", {
        "d": d, "owner": owner, "sections": owner.sections, "missing": missing, "counts": counts,
    })


def _attachments_for(owner: Owner, section: S.Section) -> dict:
    if not owner.declaration:
        return {}
    out: dict = {}
    for a in Attachment.objects.filter(declaration=owner.declaration, section=section.key, pending=False):
        out.setdefault(a.row_id or 0, []).append(a)
    return out


def _handle_upload(request, owner: Owner, section: S.Section, form, *, row_id=None, field: str = "",
                   pending: bool = False):
    """Store the form's upload (checked by content). Returns the attachment, or None after adding a form error."""
    upload = form.cleaned_data.get("upload") if hasattr(form, "cleaned_data") else None
    if not upload or owner.declaration is None:
        return None
    try:
        return services.attachment_add(user=request.user, declaration=owner.declaration, section=section.key,
                                       upload=upload, row_id=row_id, field=field, pending=pending)
    except ValidationError as exc:
        form.add_error("upload", exc)
        return None


def _section_view(request, owner: Owner, key: str):
    section = _section(owner, key)
    ctx = {"owner": owner, "section": section, "d": owner.declaration, "sections": owner.sections,
           "next": _next_section(owner, section)}
    if section.key == "social_insurance":
        ctx["records"] = SocialInsurance.objects.filter(id_number=owner.declaration.applicant.id_number)
        return render(request, "declarations/section_insurance.html", ctx)
    if section.key == "materials":
        return _materials_view(request, owner, ctx)
    if section.many:
        fields = [f for f in section_form_class(section, with_upload=False).base_fields][:5]
        attachments = _attachments_for(owner, section)
        ctx["columns"] = [(section.model._meta.get_field(f).verbose_name, f in section.required) for f in fields]
        ctx["table"] = [
            {"row": row, "values": [_display(row, f) for f in fields], "attachments": attachments.get(row.pk, []),
             "locked": getattr(row, "locked", False)}
            for row in owner.rows(section)
        ]
        return render(request, "declarations/section_rows.html", ctx)
    return _single_view(request, owner, section, ctx)


def _photo_labels(section: S.Section, form):
    """The basic-info upload is the photo. Set before the form is validated: bound fields keep their label."""
    if section.key == "basic" and "upload" in form.fields:
        form.fields["upload"].label = "照片"
        form.fields["upload"].help_text = "JPG/PNG 图片，不超过 500KB。"
    return form


def _single_view(request, owner: Owner, section: S.Section, ctx):
    d = owner.declaration
    instance = getattr(d, section.key)
    form_class = section_form_class(section)
    field = "photo" if section.key == "basic" else ""
    pending_ids = [int(x) for x in request.POST.getlist("pending") if x.isdigit()]
    if request.method == "POST":
        if not owner.editable:
            return _refuse(request, ValidationError(services.MSG_FROZEN), owner.url("overview"))
        form = _photo_labels(section, form_class(request.POST, request.FILES, instance=instance))
        # A valid upload is kept as pending, whatever else is wrong with the form (nothing is lost when
        # validation fails); it becomes the section's attachment when the section is saved.
        upload = request.FILES.get("upload") if "upload" in form.fields else None
        if upload is not None:
            try:
                att = services.attachment_add(user=request.user, declaration=d, section=section.key, upload=upload,
                                              field=field, pending=True)
            except ValidationError as exc:
                form.is_valid()
                form.add_error("upload", exc)
            else:
                pending_ids.append(att.pk)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "upload"}
            try:
                services.section_save(user=request.user, declaration=d, section=section, instance=instance, data=data,
                                      pending_ids=pending_ids)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"“{section.title}”已保存。")
                return _after_save(request, owner, section)
    else:
        form = _photo_labels(section, form_class(instance=instance))
    pending = list(Attachment.objects.filter(pk__in=pending_ids, owner=request.user, pending=True, declaration=d,
                                             section=section.key))
    ctx.update(form=form, attachments=_attachments_for(owner, section), pending=pending)
    return render(request, "declarations/section_single.html", ctx, status=400 if form.errors else 200)


def _materials_view(request, owner: Owner, ctx):
    d = owner.declaration
    materials = list(d.activity.materials.all()) if d.activity else []
    if request.method == "POST":
        if not owner.editable:
            return _refuse(request, ValidationError(services.MSG_FROZEN), owner.url("overview"))
        mat_id = request.POST.get("material", "")
        mat = next((m for m in materials if str(m.pk) == mat_id), None)
        upload = request.FILES.get("upload")
        if mat is None or upload is None:
            messages.error(request, "请选择要上传的材料文件。")
        else:
            try:
                services.attachment_add(user=request.user, declaration=d, section="materials", upload=upload,
                                        field=f"material:{mat.pk}")
            except ValidationError as exc:
                messages.error(request, f"“{mat.name}”上传失败：" + " ".join(exc.messages))
            else:
                messages.success(request, f"“{mat.name}”已上传。")
        return redirect(owner.url("section", "materials"))
    by_field: dict = {}
    for a in Attachment.objects.filter(declaration=d, section="materials", pending=False):
        by_field.setdefault(a.field, []).append(a)
    ctx["materials"] = [(m, by_field.get(f"material:{m.pk}", [])) for m in materials]
    ctx["entrust"] = list(Attachment.objects.filter(declaration=d, field="entrust_proof", pending=False))
    return render(request, "declarations/section_materials.html", ctx)


def _row_form(owner: Owner, section: S.Section, *, data=None, files=None, instance=None):
    form_class = section_form_class(section, with_upload=section.attachments and owner.declaration is not None)
    if section.model.__name__ == "Achievement":
        form_class = type("AchievementForm", (AchievementFormMixin, form_class), {})
    if instance is None:
        # A new row already knows its owner, so the model's clean() (one owner; end not before start) can run
        # while the form validates instead of refusing every new row for having no owner.
        instance = section.model(declaration=owner.declaration, profile=owner.profile)
        if section.key in S.ACHIEVEMENT_PHASE:
            instance.phase = S.ACHIEVEMENT_PHASE[section.key]
    form = form_class(data, files, instance=instance)
    if isinstance(form, AchievementFormMixin):
        form.setup_templates(owner.declaration.activity if owner.declaration else None, data)
    return form


def _row_edit(request, owner: Owner, key: str, row_pk=None):
    section = _section(owner, key)
    if not section.many:
        raise Http404
    row = None
    if row_pk is not None:
        row = owner.rows(section).filter(pk=row_pk).first()
        if row is None:
            raise Http404("记录不存在。")
    if not owner.editable:  # a frozen dossier offers no edit form at all, and refuses a forged POST
        return _refuse(request, ValidationError(services.MSG_FROZEN), owner.url("overview"))
    if row is not None and getattr(row, "locked", False):
        return _refuse(request, ValidationError(services.MSG_LOCKED_ROW), owner.url("section", key))
    params = request.POST if request.method == "POST" else request.GET
    pending_ids = [int(x) for x in params.getlist("pending") if x.isdigit()]
    if request.method == "POST":
        form = _row_form(owner, section, data=request.POST, files=request.FILES, instance=row)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "upload" and not k.startswith("detail_")}
            if isinstance(form, AchievementFormMixin):
                data["details"] = form.details()
            att = _handle_upload(request, owner, section, form, pending=True)
            if att is not None:
                pending_ids.append(att.pk)
            if not form.errors:
                try:
                    saved = services.row_save(user=request.user, section=section, row=row, data=data,
                                              declaration=owner.declaration, profile=owner.profile,
                                              pending_ids=pending_ids)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                except PermissionDenied as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, f"“{section.title}”记录已保存。")
                    if request.POST.get("go") == "another":
                        return redirect(owner.url("row_add", key))
                    return redirect(owner.url("row_detail", key, saved.pk) if request.POST.get("go") == "detail"
                                    else owner.url("section", key))
        else:
            # The typed values stay in the form; a valid upload is kept as pending and shown again.
            att = None
            if owner.declaration is not None and request.FILES.get("upload"):
                try:
                    att = services.attachment_add(user=request.user, declaration=owner.declaration,
                                                  section=section.key, upload=request.FILES["upload"], pending=True)
                except ValidationError as exc:
                    form.add_error("upload", exc)
            if att is not None:
                pending_ids.append(att.pk)
    elif request.headers.get("HX-Request") and "template" in request.GET and section.model is Achievement:
        # The achievement template was chosen: the same form again, as typed, with that template's fields.
        form = _row_form(owner, section, data=request.GET, instance=row)
    else:
        form = _row_form(owner, section, instance=row)
    pending = list(Attachment.objects.filter(pk__in=pending_ids, owner=request.user, pending=True,
                                             declaration=owner.declaration)) if owner.declaration else []
    existing = list(Attachment.objects.filter(declaration=owner.declaration, section=key, row_id=row.pk,
                                              pending=False)) if (row is not None and owner.declaration) else []
    return render(request, "declarations/row_form.html", {
        "owner": owner, "section": section, "form": form, "row": row, "pending": pending, "existing": existing,
        "d": owner.declaration, "sections": owner.sections,
    }, status=400 if form.errors else 200)


def _row_detail(request, owner: Owner, key: str, row_pk):
    section = _section(owner, key)
    row = owner.rows(section).filter(pk=row_pk).first() if section.many else None
    if row is None:
        raise Http404("记录不存在。")
    form = _row_form(owner, section, instance=row)
    values = [(form[name].label, _display(row, name)) for name in form.fields
              if name != "upload" and not name.startswith("detail_")]
    values += [(label, (row.details or {}).get(label, "")) for label in (row.details or {})] \
        if hasattr(row, "details") else []
    atts = list(Attachment.objects.filter(declaration=owner.declaration, section=key, row_id=row.pk,
                                          pending=False)) if owner.declaration else []
    return render(request, "declarations/row_detail.html", {
        "owner": owner, "section": section, "row": row, "values": values, "attachments": atts,
        "d": owner.declaration, "sections": owner.sections})


def _display(obj, name):
    getter = getattr(obj, f"get_{name}_display", None)
    value = getter() if getter else getattr(obj, name)
    if value is True:
        return "是"
    if value is False:
        return "否"
    return value if value not in (None, "") else "—"


def _row_delete(request, owner: Owner, key: str, row_pk):
    section = _section(owner, key)
    row = owner.rows(section).filter(pk=row_pk).first() if section.many else None
    if row is None:
        raise Http404("记录不存在。")
    if not owner.editable:
        return _refuse(request, ValidationError(services.MSG_FROZEN), owner.url("overview"))
    if getattr(row, "locked", False):
        return _refuse(request, ValidationError(services.MSG_LOCKED_ROW), owner.url("section", key))
    if request.method == "POST":
        try:
            services.row_delete(user=request.user, section=section, row=row, declaration=owner.declaration,
                                profile=owner.profile)
        except (ValidationError, PermissionDenied) as exc:
            return _refuse(request, exc, owner.url("section", key))
        messages.success(request, "记录已删除。")
        return redirect(owner.url("section", key))
    return render(request, "declarations/confirm.html", {
        "title": f"删除{section.title}记录", "question": "确定删除这条记录吗？其附件也将一并删除，删除后不能恢复。",
        "back": owner.url("section", key), "danger": True, "d": owner.declaration})


@login_required
@require_http_methods(["GET", "POST"])
def section(request, pk, key):
    return _section_view(request, _dossier_owner(request, pk), key)


@login_required
@require_http_methods(["GET", "POST"])
def row_add(request, pk, key):
    return _row_edit(request, _dossier_owner(request, pk), key)


@login_required
@require_http_methods(["GET", "POST"])
def row_edit(request, pk, key, row):
    return _row_edit(request, _dossier_owner(request, pk), key, row)


@login_required
def row_detail(request, pk, key, row):
    return _row_detail(request, _dossier_owner(request, pk), key, row)


@login_required
@require_http_methods(["GET", "POST"])
def row_delete(request, pk, key, row):
    return _row_delete(request, _dossier_owner(request, pk), key, row)


# --------------------------------------------------------------------------------------------- attachments
@login_required
def attachment_download(request, pk, att):
    """Served only to people who may see the dossier; always as a download, with nosniff (DCL-3).
    ?inline=1 previews images and PDFs in the browser, sandboxed."""
    a = selectors.attachment_get_for_user(user=request.user, declaration_pk=pk, pk=att)
    inline = request.GET.get("inline") == "1"
    resp = FileResponse(a.file.open("rb"), content_type=a.content_type)
    resp["Content-Disposition"] = content_disposition_header(not inline, a.display_name)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    resp["Cache-Control"] = "private, no-store"
    return resp


@login_required
@require_POST
def attachment_delete(request, pk, att):
    d = selectors.declaration_get_own(user=request.user, pk=pk)
    a = Attachment.objects.filter(pk=att, declaration=d).first()
    if a is None:
        raise Http404("附件不存在。")
    back = request.POST.get("back") or ""
    # Only a path on this site: "https://…" and the protocol-relative "//evil.example/" are both refused.
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                                       require_https=request.is_secure()):
        back = reverse("declarations:overview", args=[d.pk])
    try:
        services.attachment_delete(user=request.user, attachment=a)
    except (ValidationError, PermissionDenied) as exc:
        return _refuse(request, exc, back)
    messages.success(request, f"附件“{a.display_name}”已删除。")
    return redirect(back)


# --------------------------------------------------------------------------------------------- lifecycle
@login_required
@require_http_methods(["GET", "POST"])
def submit(request, pk):
    d = selectors.declaration_get_own(user=request.user, pk=pk)
    missing = services.completeness(d)
    if request.method == "POST":
        try:
            services.declaration_submit(user=request.user, declaration=d)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "申报已提交，材料已锁定，等待工作单位审核。")
            return redirect("declarations:overview", pk=d.pk)
    return render(request, "declarations/submit.html", {"d": d, "missing": missing,
                                                        "owner": Owner(declaration=d)},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    d = selectors.declaration_get_own(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.declaration_withdraw(user=request.user, declaration=d)
        except (ValidationError, PermissionDenied) as exc:
            return _refuse(request, exc, reverse("declarations:overview", args=[d.pk]))
        messages.success(request, "申报已撤回为草稿，修改后可重新提交。")
        return redirect("declarations:overview", pk=d.pk)
    return render(request, "declarations/confirm.html", {
        "title": "撤回申报", "question": "确定撤回这份申报吗？撤回后可修改材料并重新提交。",
        "back": reverse("declarations:overview", args=[d.pk]), "d": d})


@login_required
@require_http_methods(["GET", "POST"])
def abandon(request, pk):
    d = selectors.declaration_get_own(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.declaration_abandon(user=request.user, declaration=d)
        except (ValidationError, PermissionDenied) as exc:
            return _refuse(request, exc, reverse("declarations:overview", args=[d.pk]))
        messages.success(request, "申报已废弃。")
        return redirect("declarations:mine")
    return render(request, "declarations/confirm.html", {
        "title": "废弃申报", "danger": True,
        "question": "确定废弃这份申报吗？废弃后不能再编辑或提交，需要重新新增申报。",
        "back": reverse("declarations:overview", args=[d.pk]), "d": d})


@login_required
def full_view(request, pk):
    """Read-only full dossier, for the applicant and every reviewer who may see it (DCL-6)."""
    d = selectors.declaration_get_for_user(user=request.user, pk=pk)
    return render(request, "declarations/full_view.html", dossier_context(d, request.user))


def dossier_context(d: Declaration, user) -> dict:
    owner = Owner(declaration=d)
    by_place = selectors.attachments_by_place(d)
    blocks = []
    for s in owner.sections:
        block = {"section": s, "rows": [], "single": None}
        if s.key == "social_insurance":
            block["records"] = list(SocialInsurance.objects.filter(id_number=d.applicant.id_number))
        elif s.key == "materials":
            block["materials"] = [(m, by_place.get(("materials", None, f"material:{m.pk}"), []))
                                  for m in (d.activity.materials.all() if d.activity else [])]
        elif s.many:
            form_fields = [f for f in section_form_class(s, with_upload=False).base_fields if f != "template"]
            block["columns"] = [s.model._meta.get_field(f).verbose_name for f in form_fields]
            for row in owner.rows(s):
                cells = [(s.model._meta.get_field(f).verbose_name, _display(row, f)) for f in form_fields]
                details = list((getattr(row, "details", None) or {}).items())  # achievement template fields
                block["rows"].append({"values": cells + details, "cells": cells, "details": details,
                                      "attachments": by_place.get((s.key, row.pk, ""), [])})
            block["has_details"] = any(r["details"] for r in block["rows"])
        else:
            obj = getattr(d, s.key, None)
            form_fields = [f for f in section_form_class(s, with_upload=False).base_fields]
            block["single"] = [(s.model._meta.get_field(f).verbose_name, _display(obj, f)) for f in form_fields] \
                if obj else []
            block["attachments"] = [a for (sec, _r, _f), lst in by_place.items() if sec == s.key for a in lst]
        blocks.append(block)
    photo = next((a for (sec, _r, f), lst in by_place.items() if f == "photo" for a in lst), None)
    return {"d": d, "blocks": blocks, "photo": photo, "entrust": by_place.get(("start", None, "entrust_proof"), []),
            "can_print": _can_print(d, user), "now": timezone.now()}


def _can_print(d: Declaration, user) -> bool:
    """The 申报表 is offered to the applicant once qualification review has passed, to reviewers at any time."""
    if d.applicant_id == user.pk:
        return d.qualification_passed
    return True


@login_required
def declaration_pdf(request, pk):
    d = selectors.declaration_get_for_user(user=request.user, pk=pk)
    if not _can_print(d, request.user):
        raise Http404("资格审查通过后才能打印申报表。")
    from .pdf import declaration_form_pdf

    data = declaration_form_pdf(dossier_context(d, request.user))
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = content_disposition_header(
        request.GET.get("inline") != "1", f"申报表-{d.applicant.name}-{d.year}.pdf")
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


# --------------------------------------------------------------------------------------------- info centre
@login_required
@require_http_methods(["GET", "POST"])
def me(request):
    owner = _profile_owner(request)
    form = ProfileForm(request.POST or None, instance=owner.profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_save(user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "个人基本信息已保存。")
            return redirect("declarations:me")
    counts = {s.key: owner.rows(s).count() for s in owner.sections}
    return render(request, "declarations/me.html", {"form": form, "owner": owner, "counts": counts},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def me_section(request, key):
    return _section_view(request, _profile_owner(request), key)


@login_required
@require_http_methods(["GET", "POST"])
def me_row_add(request, key):
    return _row_edit(request, _profile_owner(request), key)


@login_required
@require_http_methods(["GET", "POST"])
def me_row_edit(request, key, row):
    return _row_edit(request, _profile_owner(request), key, row)


@login_required
def me_row_detail(request, key, row):
    return _row_detail(request, _profile_owner(request), key, row)


@login_required
@require_http_methods(["GET", "POST"])
def me_row_delete(request, key, row):
    return _row_delete(request, _profile_owner(request), key, row)
