from auditlog.registry import auditlog

from .models import Role, RoleAssignment, User

auditlog.register(User, exclude_fields=["password", "last_login"])
auditlog.register(Role, m2m_fields={"permissions"})
auditlog.register(RoleAssignment)
