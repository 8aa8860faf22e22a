from django.contrib import admin

from .models import Org, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "depth"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth", "numchild"]


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "region", "locality", "uscc", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "region__level"]
    search_fields = ["name", "uscc", "contact_person"]
    list_select_related = ["parent", "region", "locality"]
    autocomplete_fields = ["hr_department"]
    readonly_fields = ["path", "depth", "numchild", "parent", "name", "kind", "created_at", "updated_at"]

    def has_add_permission(self, request):
        # Units are created through the who-creates-whom service (单位管理), never here.
        return False

    def has_delete_permission(self, request, obj=None):
        # ORG-4: an org with users or data is never hard-deleted; deactivate it instead.
        if obj is None:
            return False
        return not (obj.numchild or obj.members.exists() or obj.role_assignments.exists())
