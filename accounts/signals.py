from auditlog.registry import auditlog
from django.db.models.signals import post_migrate

from .models import Role, RoleAssignment, User

auditlog.register(User, exclude_fields=["password", "last_login"])
auditlog.register(Role, m2m_fields={"permissions"})
auditlog.register(RoleAssignment)


def system_roles_sync(sender=None, **kwargs) -> None:
    """Make the 17 system roles and their org permissions exist (also after a test database flush, which
    empties the table the 0002 data migration filled)."""
    from django.contrib.auth.models import Permission

    from .roles import SYSTEM_ROLES

    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="orgs",
                                                              content_type__model="org")}
    if not perms:
        return
    for rd in SYSTEM_ROLES:
        role, created = Role.objects.get_or_create(
            code=rd.code, defaults={"name": rd.name, "seq": rd.seq, "category": rd.category, "is_system": True})
        if created:
            role.permissions.set([perms[c] for c in rd.permissions if c in perms])


post_migrate.connect(system_roles_sync, dispatch_uid="accounts.system_roles_sync")
