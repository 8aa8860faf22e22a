"""Every state change on orgs, users and roles that a person can cause.

Plain functions with keyword arguments, each in one transaction, each checking permission itself.
Refusals raise PermissionDenied (the actor may not) or ValidationError (the data is wrong), with the
Chinese messages below, and change nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from common.checksums import normalize_id_number, normalize_uscc
from orgs.kinds import HR_KINDS, KIND_LEVEL, REGION_LEVEL_FOR, OrgKind, creatable_kinds
from orgs.models import Org, Region

from . import permissions as perms
from . import roles as R
from .models import Role, RoleAssignment, User

MSG_NO_RIGHT_SUBUNITS = "您没有管理该单位下级单位的权限。"
MSG_KIND_NOT_ALLOWED = "{creator}不能创建“{kind}”类单位。"
MSG_NOT_EDITABLE = "您只能编辑本单位的下级单位。"
MSG_NAME_FIXED = "单位名称创建后不能修改。"
MSG_HAS_ACTIVE_CHILDREN = "该单位还有启用中的下级单位，请先停用下级单位。"
MSG_NO_RIGHT_STAFF = "您没有管理该单位人员的权限。"
MSG_OTHER_ORG_USER = "不能为其他单位的用户分配角色。"
MSG_ROLE_NOT_ALLOWED = "“{role}”不能授予{kind}的用户。"
MSG_ID_TAKEN = "身份证号码 {id} 已注册，一个身份证号码只能有一个账号。"
MSG_USCC_TAKEN = "统一社会信用代码已被其他单位使用。"
MSG_REGION_LEVEL = "{kind}的所属行政区域应选择{level}级区域。"
MSG_LOCALITY = "职称业务归属地应为所属行政区域或其上级区域。"
MSG_HR_DEPT = "人社部门必须是该单位上级链上的人社部门。"
MSG_SELF = "不能修改自己的单位管理员身份或停用自己的账号。"


# ---------------------------------------------------------------------------------------------
# guardian permissions follow role assignments
# ---------------------------------------------------------------------------------------------
def _org_perm_codenames_for(user: User, org: Org) -> set[str]:
    codenames = set(
        Permission.objects.filter(
            zc_roles__assignments__user=user, zc_roles__assignments__org=org, content_type__app_label="orgs"
        ).values_list("codename", flat=True)
    )
    if user.is_unit_admin and user.org_id == org.pk:
        codenames.add(R.P_MANAGE_STAFF)
    return codenames


def org_permissions_sync(*, user: User, org: Org) -> None:
    """Make the user's guardian permissions on `org` equal to what their roles there grant."""
    wanted = _org_perm_codenames_for(user, org)
    current = set(
        UserObjectPermission.objects.filter(
            user=user, object_pk=str(org.pk), content_type__app_label="orgs", content_type__model="org"
        ).values_list("permission__codename", flat=True)
    )
    for codename in wanted - current:
        assign_perm(f"orgs.{codename}", user, org)
    for codename in current - wanted:
        remove_perm(f"orgs.{codename}", user, org)


# ---------------------------------------------------------------------------------------------
# passwords
# ---------------------------------------------------------------------------------------------
_SYMBOLS = "!@#$%^&*-_=+?"


def generate_initial_password(length: int = 12) -> str:
    """A random one-time password that satisfies the five rules of 000 §2.1.3."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789" + _SYMBOLS
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.isupper() for c in pw)
            and any(c.islower() for c in pw)
            and any(c.isdigit() for c in pw)
            and any(c in _SYMBOLS for c in pw)
        ):
            return pw


# ---------------------------------------------------------------------------------------------
# orgs
# ---------------------------------------------------------------------------------------------
ORG_EDITABLE_FIELDS = (
    "region", "locality", "hr_department", "uscc", "contact_person", "contact_phone", "email", "address",
)


@dataclass
class OrgCreation:
    org: Org
    operator: User
    initial_password: str


def _default_hr_department(parent: Org, kind: str) -> Org | None:
    if kind in HR_KINDS:
        return None
    chain = [parent, *reversed(list(parent.ancestors()))]
    for org in chain:
        if org.kind in HR_KINDS:
            return org
    return None


def _check_org_data(*, kind: str, region: Region, locality: Region, hr_department: Org | None, parent: Org) -> None:
    errors: dict[str, str] = {}
    want = REGION_LEVEL_FOR[KIND_LEVEL[kind]]
    if region.level != want:
        errors["region"] = MSG_REGION_LEVEL.format(kind=OrgKind(kind).label, level=Region.RegionLevel(want).label)
    if not region.path.startswith(locality.path):
        errors["locality"] = MSG_LOCALITY
    if hr_department is not None:
        chain_pks = {parent.pk, *parent.ancestors().values_list("pk", flat=True)}
        if hr_department.kind not in HR_KINDS or hr_department.pk not in chain_pks:
            errors["hr_department"] = MSG_HR_DEPT
    if errors:
        raise ValidationError(errors)


def _user_new(*, org: Org, name: str, id_number: str, mobile: str, is_unit_admin: bool) -> tuple[User, str]:
    idn = normalize_id_number(id_number)
    if User.objects.filter(id_number=idn).exists() or User.objects.filter(username=idn).exists():
        raise ValidationError({"operator_id_number": MSG_ID_TAKEN.format(id=idn)})
    password = generate_initial_password()
    user = User(username=idn, id_number=idn, name=name.strip(), mobile=mobile.strip(), org=org,
                is_unit_admin=is_unit_admin, must_change_password=True)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user, password


@transaction.atomic
def org_create_with_operator(
    *,
    actor: User,
    parent: Org,
    kind: str,
    name: str,
    uscc: str,
    region: Region,
    locality: Region,
    hr_department: Org | None = None,
    contact_person: str = "",
    contact_phone: str = "",
    email: str = "",
    address: str = "",
    operator_name: str,
    operator_id_number: str,
    operator_mobile: str = "",
) -> OrgCreation:
    """Create a unit under `parent` together with its first operator (the unit's super-admin, ORG-2)."""
    parent = Org.objects.select_for_update().get(pk=parent.pk)
    if not perms.can_manage_subunits(actor, parent):
        raise PermissionDenied(MSG_NO_RIGHT_SUBUNITS)
    if kind not in creatable_kinds(parent.kind):
        label = OrgKind(kind).label if kind in OrgKind.values else kind
        raise ValidationError({"kind": MSG_KIND_NOT_ALLOWED.format(creator=parent.get_kind_display(), kind=label)})
    if hr_department is None:
        hr_department = _default_hr_department(parent, kind)
    _check_org_data(kind=kind, region=region, locality=locality, hr_department=hr_department, parent=parent)
    uscc = normalize_uscc(uscc)
    if Org.objects.filter(uscc=uscc).exists():
        raise ValidationError({"uscc": MSG_USCC_TAKEN})

    org = Org(
        name=name.strip(), kind=kind, parent=parent, region=region, locality=locality, hr_department=hr_department,
        uscc=uscc, contact_person=contact_person, contact_phone=contact_phone, email=email, address=address,
    )
    org.full_clean(exclude=["path", "depth", "numchild"])
    org = Org.objects.add_child(parent, instance=org)

    operator, password = _user_new(
        org=org, name=operator_name, id_number=operator_id_number, mobile=operator_mobile, is_unit_admin=True
    )
    role = Role.objects.get(code=R.KIND_OPERATOR_ROLE[kind])
    RoleAssignment.objects.create(user=operator, role=role, org=org)
    org_permissions_sync(user=operator, org=org)
    return OrgCreation(org=org, operator=operator, initial_password=password)


@transaction.atomic
def org_update(*, actor: User, org: Org, **changes) -> Org:
    """Edit a subordinate unit. Name and kind are fixed after creation (001 §2.1)."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    if not perms.can_edit_org(actor, org):
        raise PermissionDenied(MSG_NOT_EDITABLE)
    if "name" in changes and changes["name"] != org.name:
        raise ValidationError({"name": MSG_NAME_FIXED})
    unknown = set(changes) - set(ORG_EDITABLE_FIELDS) - {"name"}
    if unknown:
        raise ValidationError(f"不能修改的字段：{', '.join(sorted(unknown))}")
    for field in ORG_EDITABLE_FIELDS:
        if field in changes:
            setattr(org, field, changes[field])
    org.uscc = normalize_uscc(org.uscc)
    _check_org_data(kind=org.kind, region=org.region, locality=org.locality, hr_department=org.hr_department,
                    parent=org.parent)
    if Org.objects.filter(uscc=org.uscc).exclude(pk=org.pk).exists():
        raise ValidationError({"uscc": MSG_USCC_TAKEN})
    org.full_clean(exclude=["path", "depth", "numchild"])
    org.save()
    return org


@transaction.atomic
def org_set_active(*, actor: User, org: Org, active: bool) -> Org:
    """Deactivate (or reactivate) a subordinate unit. Orgs are never hard-deleted from the pages (ORG-4)."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    if not perms.can_edit_org(actor, org):
        raise PermissionDenied(MSG_NOT_EDITABLE)
    if not active and org.subtree(include_self=False).filter(is_active=True).exists():
        raise ValidationError(MSG_HAS_ACTIVE_CHILDREN)
    if active and org.parent_id and not org.parent.is_active:
        raise ValidationError("上级单位已停用，不能启用该单位。")
    org.is_active = active
    org.save(update_fields=["is_active", "updated_at"])
    return org


# ---------------------------------------------------------------------------------------------
# staff and roles
# ---------------------------------------------------------------------------------------------
def _roles_checked(org: Org, role_codes: list[str] | tuple[str, ...]) -> list[Role]:
    allowed = set(R.roles_allowed_for_kind(org.kind))
    custom = set(Role.objects.filter(owner_org=org).values_list("code", flat=True))
    roles = list(Role.objects.filter(code__in=set(role_codes)))
    found = {r.code for r in roles}
    for code in role_codes:
        if code not in found or (code not in allowed and code not in custom):
            name = next((r.name for r in roles if r.code == code), code)
            raise ValidationError({"roles": MSG_ROLE_NOT_ALLOWED.format(role=name, kind=org.get_kind_display())})
    return roles


@transaction.atomic
def user_roles_set(*, actor: User, user: User, org: Org, role_codes: list[str]) -> list[Role]:
    """Set exactly the roles `user` holds in `org` (the two-list picker of 000 §3.1.2.3)."""
    if not perms.can_manage_staff(actor, org):
        raise PermissionDenied(MSG_NO_RIGHT_STAFF)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.org_id != org.pk:
        raise PermissionDenied(MSG_OTHER_ORG_USER)
    roles = _roles_checked(org, role_codes)
    keep = {r.pk for r in roles}
    RoleAssignment.objects.filter(user=user, org=org).exclude(role_id__in=keep).delete()
    have = set(RoleAssignment.objects.filter(user=user, org=org).values_list("role_id", flat=True))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=r, org=org) for r in roles if r.pk not in have]
    )
    org_permissions_sync(user=user, org=org)
    return roles


@transaction.atomic
def staff_create(
    *, actor: User, org: Org, name: str, id_number: str, mobile: str = "", role_codes: list[str] | None = None
) -> tuple[User, str]:
    """A unit admin adds a staff member (or an applicant, case 13) to their own org, with a one-time password."""
    if not perms.can_manage_staff(actor, org):
        raise PermissionDenied(MSG_NO_RIGHT_STAFF)
    role_codes = list(role_codes or [])
    _roles_checked(org, role_codes)
    try:
        user, password = _user_new(org=org, name=name, id_number=id_number, mobile=mobile, is_unit_admin=False)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "operator_id_number" in exc.error_dict:
            raise ValidationError({"id_number": exc.error_dict["operator_id_number"]}) from exc
        raise
    if role_codes:
        user_roles_set(actor=actor, user=user, org=org, role_codes=role_codes)
    return user, password


@transaction.atomic
def staff_password_reset(*, actor: User, user: User) -> str:
    """Give a staff member a new one-time password (changed at next login)."""
    if not perms.can_manage_user(actor, user):
        raise PermissionDenied(MSG_NO_RIGHT_STAFF)
    password = generate_initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return password


@transaction.atomic
def staff_set_active(*, actor: User, user: User, active: bool) -> User:
    if not perms.can_manage_user(actor, user):
        raise PermissionDenied(MSG_NO_RIGHT_STAFF)
    if user.pk == actor.pk:
        raise ValidationError(MSG_SELF)
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def password_changed(*, user: User, new_password: str) -> None:
    """Record a password change made through the password-change form (validators already ran)."""
    user.set_password(new_password)
    user.mark_password_changed()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])


@transaction.atomic
def applicant_register(*, id_number: str, name: str, mobile: str, password: str) -> User:
    """ACC-4: an applicant registers with their resident ID; the password is their own (no one-time change)."""
    idn = normalize_id_number(id_number)
    if User.objects.select_for_update().filter(id_number=idn).exists():
        raise ValidationError({"id_number": MSG_ID_TAKEN.format(id=idn)})
    user = User(username=idn, id_number=idn, name=name.strip(), mobile=mobile.strip(), must_change_password=False)
    user.set_password(password)
    user.mark_password_changed()
    user.full_clean()
    user.save()
    return user


# ---------------------------------------------------------------------------------------------
# blacklist (CRT-7, 003 §1.21)
# ---------------------------------------------------------------------------------------------
MSG_BLACKLIST_NO_RIGHT = "您没有黑名单管理权限（需持有证书管理权限）。"
MSG_BLACKLIST_NOT_YOURS = "只有登记单位或其上级单位的证书管理人员可以修改或解除该记录。"
MSG_BLACKLIST_NAME = "请填写姓名（不超过50个字符）。"
MSG_BLACKLIST_REASON = "请填写列入黑名单的原因。"
MSG_BLACKLIST_LIFT_REASON = "请填写解除原因。"
MSG_BLACKLIST_TOO_LONG = "{field}不能超过{n}个字符。"
MSG_BLACKLIST_UNTIL_PAST = "限制截止日期不能早于今天。"
MSG_BLACKLIST_EXISTS = "{name}（{id}）已在黑名单中（{org}于{date}登记），请修改原记录，不要重复列入。"
MSG_BLACKLIST_LIFTED = "该记录已解除，不能再修改或解除。"
MSG_BLACKLIST_EXPIRED_LIFT = "限制截止日期已过，新增黑名单记录时自动解除。"
# Shown to the applicant by declarations.services.eligibility_check (DCL-7).
MSG_BLACKLIST_DECLARE = "您已被列入职称申报黑名单（原因：{reason}），不能申报。"


def _blacklist_require(ok: bool, message: str = MSG_BLACKLIST_NO_RIGHT) -> None:
    if not ok:
        raise PermissionDenied(message)


def _blacklist_text(value, *, field: str, label: str, max_length: int, required_message: str | None = None) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise ValidationError({field: required_message})
    if len(value) > max_length:
        raise ValidationError({field: MSG_BLACKLIST_TOO_LONG.format(field=label, n=max_length)})
    return value


def _blacklist_until(until):
    from django.utils import timezone

    if until is not None and until < timezone.localdate():
        raise ValidationError({"until": MSG_BLACKLIST_UNTIL_PAST})
    return until


def blacklist_entry_in_force(id_number: str):
    """The entry that keeps this person from declaring today (not lifted, limit date not passed), or None."""
    from django.db.models import Q
    from django.utils import timezone

    from .models import BlacklistEntry

    idn = normalize_id_number(id_number)
    if not idn:
        return None
    return (BlacklistEntry.objects.filter(id_number=idn, lifted_at__isnull=True)
            .filter(Q(until__isnull=True) | Q(until__gte=timezone.localdate())).order_by("-added_at").first())


@transaction.atomic
def blacklist_add(*, user: User, org: Org, id_number: str, name: str, reason: str, document: str = "",
                  until=None):
    """列入黑名单: a certificate manager registers a person (by resident ID) in the name of `org`. One entry in
    force per person; an earlier entry whose limit date has passed is lifted automatically. The person's account,
    if any, is linked."""
    from django.db import IntegrityError
    from django.utils import timezone

    from common.checksums import validate_id_number

    from .models import BlacklistEntry

    _blacklist_require(perms.can_manage_certificates_of(user, org))
    try:
        idn = validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc
    name = _blacklist_text(name, field="name", label="姓名", max_length=50, required_message=MSG_BLACKLIST_NAME)
    reason = _blacklist_text(reason, field="reason", label="列入原因", max_length=500,
                             required_message=MSG_BLACKLIST_REASON)
    document = _blacklist_text(document, field="document", label="处理文号", max_length=100)
    until = _blacklist_until(until)
    for old in BlacklistEntry.objects.select_for_update().filter(id_number=idn, lifted_at__isnull=True):
        if old.in_force:
            raise ValidationError({"id_number": MSG_BLACKLIST_EXISTS.format(
                name=old.name, id=old.id_number, org=old.org.name, date=timezone.localdate(old.added_at))})
        old.lifted_at, old.lifted_by, old.lift_reason = timezone.now(), user, MSG_BLACKLIST_EXPIRED_LIFT
        old.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    entry = BlacklistEntry(id_number=idn, name=name, user=User.objects.filter(id_number=idn).first(), reason=reason,
                           document=document, until=until, org=org, added_by=user)
    entry.full_clean(exclude=["user", "org", "added_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # registered by someone else at the same moment
        raise ValidationError({"id_number": MSG_BLACKLIST_EXISTS.format(
            name=name, id=idn, org="其他单位", date=timezone.localdate())}) from exc
    return entry


def _blacklist_locked_for_change(*, user: User, entry):
    from .models import BlacklistEntry

    _blacklist_require(perms.certificate_orgs(user).exists())
    entry = BlacklistEntry.objects.select_for_update().select_related("org").get(pk=entry.pk)
    _blacklist_require(perms.can_manage_certificates_of(user, entry.org), MSG_BLACKLIST_NOT_YOURS)
    if entry.lifted_at is not None:
        raise ValidationError(MSG_BLACKLIST_LIFTED)
    return entry


@transaction.atomic
def blacklist_update(*, user: User, entry, reason: str, document: str, until):
    """修改黑名单信息 (reason, document, limit date); by managers of the registering org or an org above it."""
    entry = _blacklist_locked_for_change(user=user, entry=entry)
    entry.reason = _blacklist_text(reason, field="reason", label="列入原因", max_length=500,
                                   required_message=MSG_BLACKLIST_REASON)
    entry.document = _blacklist_text(document, field="document", label="处理文号", max_length=100)
    entry.until = _blacklist_until(until)
    entry.save(update_fields=["reason", "document", "until", "updated_at"])
    return entry


@transaction.atomic
def blacklist_lift(*, user: User, entry, reason: str):
    """解除黑名单 with a reason; the entry stays as history."""
    from django.utils import timezone

    entry = _blacklist_locked_for_change(user=user, entry=entry)
    reason = _blacklist_text(reason, field="reason", label="解除原因", max_length=500,
                             required_message=MSG_BLACKLIST_LIFT_REASON)
    entry.lifted_at, entry.lifted_by, entry.lift_reason = timezone.now(), user, reason
    entry.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    return entry
