"""黑名单管理 (CRT-7, 003 §1.21): list with search, add (find the person among the users or type name and ID),
edit, detail, lift with a reason, and export of the query to Excel. Entries are province-wide: every certificate
manager sees all of them; only managers of the registering org (or an org above it) may edit or lift one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import permissions as P
from accounts import services as account_services
from accounts.models import BlacklistEntry, User
from common.excel import xlsx_response
from common.forms import apply_validation_error

from .forms_blacklist import BlacklistAddForm, BlacklistEntryForm, LiftForm
from .imports import excel_text

STATUS_CHOICES = (("in_force", "生效中"), ("lifted", "已解除"), ("expired", "已到期"))
EXPORT_HEADERS = [
    "姓名",
    "身份证号",
    "列入原因",
    "处理文号",
    "限制截止日期",
    "登记单位",
    "登记人",
    "列入时间",
    "状态",
    "解除时间",
    "解除人",
    "解除原因",
]
EXPORT_MAX = 50_000


def _manager_orgs(request):
    """The orgs where the user holds 证书管理; without any, the blacklist pages are forbidden."""
    orgs = P.certificate_orgs(request.user).order_by("path")
    if not orgs.exists():
        raise PermissionDenied(account_services.MSG_BLACKLIST_NO_RIGHT)
    return orgs


def _entry(request, pk: int, *, manage: bool = False) -> BlacklistEntry:
    _manager_orgs(request)
    entry = BlacklistEntry.objects.select_related("org", "user", "added_by", "lifted_by").filter(pk=pk).first()
    if entry is None or (manage and not P.can_manage_certificates_of(request.user, entry.org)):
        raise Http404("黑名单记录不存在或您无权管理。")
    return entry


def _status_q(status: str) -> Q | None:
    today = timezone.localdate()
    if status == "in_force":
        return Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gte=today))
    if status == "lifted":
        return Q(lifted_at__isnull=False)
    if status == "expired":
        return Q(lifted_at__isnull=True, until__lt=today)
    return None


def _search(params) -> tuple[QuerySet[BlacklistEntry], dict]:
    q = (params.get("q") or "").strip()
    status = params.get("status") or ""
    if status not in dict(STATUS_CHOICES):
        status = ""
    qs = BlacklistEntry.objects.select_related("org", "added_by", "lifted_by").order_by("-added_at", "-pk")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(id_number__startswith=q.upper()) | Q(document__contains=q))
    if (sq := _status_q(status)) is not None:
        qs = qs.filter(sq)
    return qs, {"q": q, "status": status}


def _status_label(e: BlacklistEntry) -> str:
    if e.lifted_at is not None:
        return "已解除"
    return "生效中" if e.in_force else "已到期"


@login_required
def blacklist(request):
    _manager_orgs(request)
    qs, query = _search(request.GET)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    for e in page:
        e.status_label = _status_label(e)
        e.can_manage = e.lifted_at is None and P.can_manage_certificates_of(request.user, e.org)
    return render(request, "certificates/blacklist/list.html", {"page": page, "statuses": STATUS_CHOICES, **query})


@login_required
def blacklist_export(request):
    """导出查询结果: the rows of the current query (same filters as the list) as an Excel file."""
    _manager_orgs(request)
    qs, _query = _search(request.GET)

    def fmt(t):
        return timezone.localtime(t).strftime("%Y-%m-%d %H:%M") if t else ""

    rows = (
        [
            excel_text(v)
            for v in (
                e.name,
                e.id_number,
                e.reason,
                e.document,
                e.until.isoformat() if e.until else "直至解除",
                e.org.name,
                e.added_by.name,
                fmt(e.added_at),
                _status_label(e),
                fmt(e.lifted_at),
                e.lifted_by.name if e.lifted_by else "",
                e.lift_reason,
            )
        ]
        for e in qs[:EXPORT_MAX].iterator()
    )
    return xlsx_response(f"黑名单-{timezone.localdate():%Y%m%d}.xlsx", "黑名单", EXPORT_HEADERS, rows)


def _people(q: str) -> list[User]:
    """Accounts matching a name or (the start of) an ID number, for picking the person to add."""
    q = q.strip()
    if not q:
        return []
    return list(
        User.objects.filter(Q(name__contains=q) | Q(id_number__startswith=q.upper()))
        .select_related("org")
        .order_by("name", "id_number")[:20]
    )


@login_required
@require_http_methods(["GET", "POST"])
def blacklist_add(request):
    """新增黑名单: search a person by name or ID among the users (or type name and ID), then give the reason."""
    orgs = _manager_orgs(request)
    q = request.GET.get("q", "")
    initial = {"org": orgs.first()}
    picked = None
    if request.GET.get("user", "").isdigit():
        picked = User.objects.filter(pk=request.GET["user"]).first()
        if picked is not None:
            initial.update(name=picked.name, id_number=picked.id_number)
    form = BlacklistAddForm(request.POST or None, orgs=orgs, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            entry = account_services.blacklist_add(
                user=request.user,
                org=d["org"],
                id_number=d["id_number"],
                name=d["name"],
                reason=d["reason"],
                document=d["document"],
                until=d["until"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已将 {entry.name}（{entry.id_number}）列入黑名单。")
            return redirect("certificates:blacklist_detail", pk=entry.pk)
    return render(
        request,
        "certificates/blacklist/add.html",
        {
            "form": form,
            "q": q,
            "people": _people(q),
            "searched": bool(q.strip()),
            "picked": picked,
        },
        status=400 if form.errors else 200,
    )


@login_required
def blacklist_detail(request, pk: int):
    entry = _entry(request, pk)
    return render(
        request,
        "certificates/blacklist/detail.html",
        {
            "e": entry,
            "status_label": _status_label(entry),
            "can_manage": entry.lifted_at is None and P.can_manage_certificates_of(request.user, entry.org),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def blacklist_edit(request, pk: int):
    entry = _entry(request, pk, manage=True)
    if entry.lifted_at is not None:
        messages.error(request, account_services.MSG_BLACKLIST_LIFTED)
        return redirect("certificates:blacklist_detail", pk=entry.pk)
    form = BlacklistEntryForm(
        request.POST or None, initial={"reason": entry.reason, "document": entry.document, "until": entry.until}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            account_services.blacklist_update(
                user=request.user, entry=entry, reason=d["reason"], document=d["document"], until=d["until"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            raise Http404(str(exc)) from exc
        else:
            messages.success(request, "黑名单信息已保存。")
            return redirect("certificates:blacklist_detail", pk=entry.pk)
    return render(
        request, "certificates/blacklist/form.html", {"form": form, "e": entry}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def blacklist_lift(request, pk: int):
    """解除: a confirmation page asking for the reason."""
    entry = _entry(request, pk, manage=True)
    if entry.lifted_at is not None:
        messages.error(request, account_services.MSG_BLACKLIST_LIFTED)
        return redirect("certificates:blacklist_detail", pk=entry.pk)
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.blacklist_lift(user=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            raise Http404(str(exc)) from exc
        else:
            messages.success(request, f"已解除 {entry.name} 的黑名单限制。")
            return redirect("certificates:blacklist_detail", pk=entry.pk)
    return render(
        request, "certificates/blacklist/lift.html", {"form": form, "e": entry}, status=400 if form.errors else 200
    )
