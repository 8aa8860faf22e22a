from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from common.forms import apply_validation_error
from orgs.kinds import OrgKind, creatable_kinds
from orgs.models import Org

from . import permissions as perms
from . import selectors, services
from .forms import (
    LoginForm,
    OrgCreateForm,
    OrgEditForm,
    PasswordChangeForm,
    RegisterForm,
    RolesForm,
    StaffCreateForm,
)
from .models import RoleAssignment

_ONCE_KEY = "one_time_password"


def _apply_errors(form, exc: ValidationError) -> None:
    # The org-creation service names the operator's ID "operator_id_number"; the staff form calls it "id_number".
    apply_validation_error(form, exc, aliases={} if "operator_id_number" in form.fields
                           else {"operator_id_number": "id_number"})


def _remember_password(request, *, user, password: str, next_url: str) -> None:
    request.session[_ONCE_KEY] = {"username": user.username, "name": user.name, "password": password, "next": next_url}


# --------------------------------------------------------------------------------------------- auth
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "registration/password_change.html"

    def form_valid(self, form):
        form.save()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "密码修改成功。")
        return redirect("home")


@require_http_methods(["GET", "POST"])
def register(request):
    """Applicant self-registration (ACC-4)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST if request.method == "POST" else None)  # an empty POST is still a POST
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.applicant_register(id_number=d["id_number"], name=d["name"], mobile=d["mobile"],
                                        password=d["password1"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "注册成功，请使用身份证号码和密码登录。")
            return redirect("login")
    return render(request, "registration/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def home(request):
    return render(request, "accounts/home.html", {"summary": selectors.home_summary(request.user)})


@login_required
def one_time_password(request):
    """Shows a newly generated initial password once; reloading the page shows it no more."""
    data = request.session.pop(_ONCE_KEY, None)
    if data is None:
        messages.info(request, "初始密码只显示一次，如遗失请由单位管理员重置。")
        return redirect("home")
    return render(request, "accounts/one_time_password.html", {"data": data})


# --------------------------------------------------------------------------------------------- orgs
@login_required
def org_list(request):
    managed = list(perms.orgs_with_perm(request.user, "manage_subunits").order_by("path"))
    if not managed:
        raise Http404("您没有管理下级单位的权限。")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    active = request.GET.get("active", "")
    qs = selectors.suborgs_search(user=request.user, q=q, kind=kind, active=active)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    creators = [(o, [OrgKind(k).label for k in sorted(creatable_kinds(o.kind))]) for o in managed]
    return render(request, "orgs/org_list.html", {
        "page": page, "q": q, "kind": kind, "active": active, "kinds": OrgKind.choices, "creators": creators,
    })


@login_required
def org_detail(request, pk: int):
    org = selectors.org_get_visible(user=request.user, pk=pk)
    children = org.children.select_related("region").order_by("name")
    staff = selectors.staff_of(org=org) if perms.can_edit_org(request.user, org) or perms.can_manage_staff(
        request.user, org) else None
    return render(request, "orgs/org_detail.html", {
        "org": org,
        "children": children,
        "staff": staff,
        "can_edit": perms.can_edit_org(request.user, org),
        "can_create": perms.can_manage_subunits(request.user, org) and bool(creatable_kinds(org.kind)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request, parent_pk: int):
    parent = selectors.org_get_managed(user=request.user, pk=parent_pk)
    if not creatable_kinds(parent.kind):
        raise Http404("该单位不能创建下级单位。")
    form = OrgCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.org_create_with_operator(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已创建单位“{result.org.name}”及其经办人员 {result.operator.name}。")
            _remember_password(request, user=result.operator, password=result.initial_password,
                               next_url=reverse("org_detail", args=[result.org.pk]))
            return redirect("one_time_password")
    return render(request, "orgs/org_form.html", {"form": form, "parent": parent, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request, pk: int):
    org = selectors.org_get_editable(user=request.user, pk=pk)
    form = OrgEditForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.org_update(actor=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "单位信息已保存。")
            return redirect("org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "org": org, "parent": org.parent, "creating": False})


@login_required
@require_http_methods(["GET", "POST"])
def org_toggle_active(request, pk, action: str):
    org = selectors.org_get_editable(user=request.user, pk=pk)
    active = action == "activate"
    if request.method == "POST":
        try:
            services.org_set_active(actor=request.user, org=org, active=active)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"单位“{org.name}”已{'启用' if active else '停用'}。")
        return redirect("org_detail", pk=org.pk)
    return render(request, "orgs/org_confirm_active.html", {"org": org, "active": active})


# --------------------------------------------------------------------------------------------- staff
def _staff_org(request) -> Org:
    orgs = list(selectors.staff_orgs(request.user))
    if not orgs:
        raise Http404("您不是单位管理员。")
    wanted = request.GET.get("org") or request.POST.get("org")
    if wanted:
        for o in orgs:
            if str(o.pk) == wanted:
                return o
        raise Http404("单位不存在或您无权管理。")
    return orgs[0]


@login_required
def staff_list(request):
    org = _staff_org(request)
    return render(request, "accounts/staff_list.html", {"org": org, "staff": selectors.staff_of(org=org)})


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    org = _staff_org(request)
    form = StaffCreateForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.staff_create(
                actor=request.user, org=org, name=data["name"], id_number=data["id_number"],
                mobile=data["mobile"], role_codes=data["roles"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已添加人员 {user.name}。")
            _remember_password(request, user=user, password=password, next_url=reverse("staff_list"))
            return redirect("one_time_password")
    return render(request, "accounts/staff_form.html", {"form": form, "org": org})


@login_required
@require_http_methods(["GET", "POST"])
def staff_roles(request, pk: int):
    target = selectors.staff_get_managed(user=request.user, pk=pk)
    org = target.org
    current = list(RoleAssignment.objects.filter(user=target, org=org).values_list("role__code", flat=True))
    form = RolesForm(request.POST if request.method == "POST" else None, org=org, initial={"roles": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_roles_set(actor=request.user, user=target, org=org, role_codes=form.cleaned_data["roles"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存 {target.name} 的角色。")
            return redirect("staff_list")
    return render(request, "accounts/staff_roles.html", {"form": form, "target": target, "org": org})


@login_required
@require_http_methods(["GET", "POST"])
def staff_password_reset(request, pk: int):
    target = selectors.staff_get_managed(user=request.user, pk=pk)
    if request.method == "POST":
        password = services.staff_password_reset(actor=request.user, user=target)
        _remember_password(request, user=target, password=password, next_url=reverse("staff_list"))
        return redirect("one_time_password")
    return render(request, "accounts/staff_confirm.html", {
        "target": target, "title": "重置密码",
        "question": f"确定为 {target.name} 生成新的一次性初始密码吗？原密码将立即失效。",
    })


@login_required
@require_http_methods(["GET", "POST"])
def staff_toggle_active(request, pk, action: str):
    target = selectors.staff_get_managed(user=request.user, pk=pk)
    active = action == "activate"
    if request.method == "POST":
        try:
            services.staff_set_active(actor=request.user, user=target, active=active)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"账号 {target.name} 已{'启用' if active else '停用'}。")
        return redirect("staff_list")
    return render(request, "accounts/staff_confirm.html", {
        "target": target, "title": "启用账号" if active else "停用账号",
        "question": f"确定{'启用' if active else '停用'} {target.name} 的账号吗？",
    })


