"""HR roles gain orgs.manage_certificates (证书管理, issue 6): create the permission row (Django would only create it
after all migrations) and re-apply every role's permissions with 0003's idempotent resync."""

import importlib

from django.db import migrations

_resync = importlib.import_module("accounts.migrations.0003_resync_role_permissions").forwards


def forwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    org_ct = ContentType.objects.filter(app_label="orgs", model="org").first()
    if org_ct is None:
        return
    Permission.objects.get_or_create(content_type=org_ct, codename="manage_certificates",
                                     defaults={"name": "证书管理"})
    _resync(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_blacklistentry"),
        ("orgs", "0002_alter_org_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
