"""The 17 system roles of seed 000 §3.1.2.1, with the Org object permissions each grants."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import SYSTEM_ROLES


def forwards(apps, schema_editor):
    orgs_config = apps.get_app_config("orgs")
    orgs_config.models_module = True
    create_permissions(orgs_config, apps=apps, verbosity=0)
    orgs_config.models_module = None

    Role = apps.get_model("accounts", "Role")
    Permission = apps.get_model("auth", "Permission")
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="orgs", content_type__model="org")}
    for rd in SYSTEM_ROLES:
        role, _ = Role.objects.update_or_create(
            code=rd.code, defaults={"name": rd.name, "seq": rd.seq, "category": rd.category, "is_system": True}
        )
        role.permissions.set([perms[c] for c in rd.permissions])


def backwards(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(is_system=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("orgs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
