"""Roles of unit kinds that create no units no longer grant manage_subunits (accounts/roles.py changed after 0002).

Re-applies every system role's permissions from accounts.roles and recomputes the guardian object permissions on
orgs that role assignments (and unit-admin flags) grant. Idempotent.
"""

from django.db import migrations

from accounts.roles import P_MANAGE_STAFF, SYSTEM_ROLES


def forwards(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    User = apps.get_model("accounts", "User")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")

    org_ct = ContentType.objects.filter(app_label="orgs", model="org").first()
    if org_ct is None:
        return
    perms = {p.codename: p for p in Permission.objects.filter(content_type=org_ct)}
    for rd in SYSTEM_ROLES:
        role = Role.objects.filter(code=rd.code).first()
        if role is not None:
            role.permissions.set([perms[c] for c in rd.permissions])

    wanted: dict[tuple[int, str], set[str]] = {}
    for a in RoleAssignment.objects.all():
        codes = set(Role.objects.get(pk=a.role_id).permissions.values_list("codename", flat=True))
        wanted.setdefault((a.user_id, str(a.org_id)), set()).update(codes)
    for u in User.objects.filter(is_unit_admin=True, org__isnull=False):
        wanted.setdefault((u.pk, str(u.org_id)), set()).add(P_MANAGE_STAFF)

    existing = UserObjectPermission.objects.filter(content_type=org_ct)
    for row in existing.select_related("permission"):
        if row.permission.codename not in wanted.get((row.user_id, row.object_pk), set()):
            row.delete()
    have = {(r.user_id, r.object_pk, r.permission_id) for r in UserObjectPermission.objects.filter(content_type=org_ct)}
    for (user_id, org_pk), codes in wanted.items():
        for code in codes:
            if code in perms and (user_id, org_pk, perms[code].pk) not in have:
                UserObjectPermission.objects.create(user_id=user_id, object_pk=org_pk, content_type=org_ct,
                                                    permission=perms[code])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_system_roles"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
