from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Role, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["role", "org"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "org", "is_unit_admin", "is_active", "must_change_password", "last_login"]
    list_filter = ["is_active", "is_unit_admin", "must_change_password", "is_staff", "is_demo", "org__kind"]
    search_fields = ["username", "name", "id_number", "mobile", "org__name"]
    autocomplete_fields = ["org"]
    ordering = ["org__path", "name"]
    inlines = [RoleAssignmentInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "id_number", "mobile", "email", "org")}),
        ("状态", {"fields": ("is_active", "is_unit_admin", "must_change_password", "password_changed_at", "is_demo")}),
        ("后台权限", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "id_number", "org", "password1", "password2")}),
    )


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["seq", "name", "code", "category", "is_system", "owner_org"]
    list_filter = ["category", "is_system"]
    search_fields = ["name", "code"]
    filter_horizontal = ["permissions"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "org", "created_at"]
    list_filter = ["role", "org__kind"]
    search_fields = ["user__name", "user__username", "org__name", "role__name"]
    autocomplete_fields = ["user", "role", "org"]
    list_select_related = ["user", "role", "org"]
