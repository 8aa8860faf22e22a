"""Read queries the pages need, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from orgs.models import Org
from titles import services as title_services

from . import permissions as perms
from . import roles as R
from .models import RoleAssignment, User


@dataclass
class MenuItem:
    label: str
    url: str
    icon: str = ""
    active: bool = False
    children: list[MenuItem] = field(default_factory=list)


def menu_for(user: User) -> list[MenuItem]:
    items = [MenuItem("首页", reverse("home"), "home")]
    reviewer = perms.orgs_with_perm(user, R.P_REVIEW).exists() or perms.orgs_with_perm(user, R.P_COMMITTEE).exists()
    if reviewer:
        items.append(MenuItem("待办事项", reverse("workflow:inbox"), "inbox"))
        items.append(MenuItem("已退回申报", reverse("workflow:returned"), "return"))
        items.append(MenuItem("审核路径", reverse("workflow:paths"), "path"))
        items.append(MenuItem("路径诊断", reverse("workflow:diagnose"), "diagnose"))
    if perms.orgs_with_perm(user, R.P_PATHS).exists():
        items.append(MenuItem("行业主管部门配置", reverse("workflow:industry"), "industry"))
    if perms.orgs_with_perm(user, R.P_MANAGE_SUBUNITS).exists():
        items.append(MenuItem("下级单位管理", reverse("org_list"), "org"))
    if perms.orgs_with_perm(user, R.P_MANAGE_STAFF).exists():
        items.append(MenuItem("本单位人员与角色", reverse("staff_list"), "staff"))
    if title_services.can_manage_catalogue(user):
        items.append(MenuItem("职称目录", reverse("titles:catalogue"), "book"))
    offices = perms.orgs_with_perm(user, R.P_COMMITTEE).exists()
    if offices or title_services.can_manage_catalogue(user):
        items.append(MenuItem("评委会", reverse("titles:committees"), "committee"))
    if offices:
        items.append(MenuItem("评审活动", reverse("titles:activities"), "calendar"))
    if perms.orgs_with_perm(user, R.P_CERTIFICATES).exists():
        items.append(MenuItem("证书发放", reverse("certificates:issue"), "cert"))
        items.append(MenuItem("证书查询", reverse("certificates:list"), "cert"))
        items.append(MenuItem("证书导入", reverse("certificates:import"), "upload"))
        items.append(MenuItem("证书报送人社部", reverse("certificates:report"), "send"))
        items.append(MenuItem("发证单位编码", reverse("certificates:units"), "code"))
        items.append(MenuItem("黑名单管理", reverse("certificates:blacklist"), "block"))
    items.append(MenuItem("我的申报", reverse("declarations:mine"), "file"))
    items.append(MenuItem("我的证书", reverse("certificates:mine"), "cert"))
    items.append(MenuItem("个人信息中心", reverse("declarations:me"), "user"))
    items.append(MenuItem("评委会查询", reverse("titles:choose"), "search"))
    items.append(MenuItem("修改密码", reverse("password_change"), "key"))
    if user.is_staff:
        items.append(MenuItem("系统管理（后台）", reverse("admin:index"), "admin"))
    return items


def role_assignments_of(user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("role", "org").order_by("org__path", "role__seq")


def org_get_visible(*, user: User, pk: int) -> Org:
    org = perms.visible_orgs(user).filter(pk=pk).select_related("parent", "region", "locality", "hr_department").first()
    if org is None:
        raise Http404("单位不存在或您无权查看。")
    return org


def org_get_editable(*, user: User, pk: int) -> Org:
    org = Org.objects.filter(pk=pk).first()
    if org is None or not perms.can_edit_org(user, org):
        raise Http404("单位不存在或您无权编辑。")
    return org


def org_get_managed(*, user: User, pk: int) -> Org:
    """An org in which the user may manage subordinate units (the parent of a unit to create)."""
    org = perms.orgs_with_perm(user, R.P_MANAGE_SUBUNITS).filter(pk=pk).first()
    if org is None:
        raise Http404("单位不存在或您无权管理其下级单位。")
    return org


def suborgs_search(*, user: User, q: str = "", kind: str = "", active: str = "") -> QuerySet[Org]:
    """Units strictly under the orgs the user manages, fuzzy-searched by name (ORG-4)."""
    scope = perms.managed_orgs_q(user, strict=True)
    if scope is None:
        return Org.objects.none()
    qs = Org.objects.filter(scope)
    for word in q.split():
        qs = qs.filter(name__icontains=word)
    if kind:
        qs = qs.filter(kind=kind)
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return qs.select_related("parent", "region", "locality").annotate(
        member_count=Count("members", distinct=True)
    ).order_by("path")


def staff_of(*, org: Org) -> QuerySet[User]:
    return (
        User.objects.filter(org=org)
        .prefetch_related("role_assignments__role")
        .order_by("-is_unit_admin", "name")
    )


def staff_get_managed(*, user: User, pk: int) -> User:
    orgs = perms.orgs_with_perm(user, R.P_MANAGE_STAFF)
    target = User.objects.filter(pk=pk, org__in=orgs).select_related("org").first()
    if target is None:
        raise Http404("人员不存在或您无权管理。")
    return target


def staff_orgs(user: User) -> QuerySet[Org]:
    return perms.orgs_with_perm(user, R.P_MANAGE_STAFF)


def home_summary(user: User) -> dict:
    assignments = list(role_assignments_of(user))
    orgs: dict[int, dict] = {}
    for a in assignments:
        orgs.setdefault(a.org_id, {"org": a.org, "roles": []})["roles"].append(a.role)
    managed = perms.managed_orgs_q(user, strict=True)
    sub_counts = (
        Org.objects.filter(managed).aggregate(total=Count("pk"), active=Count("pk", filter=Q(is_active=True)))
        if managed is not None
        else None
    )
    reviewer = perms.orgs_with_perm(user, R.P_REVIEW).exists() or perms.orgs_with_perm(user, R.P_COMMITTEE).exists()
    return {"orgs": list(orgs.values()), "sub_counts": sub_counts, "reviewer": reviewer}
