from django.contrib import admin

from .models import AuditPathEdge, CommonOpinion, Decision, IndustryDepartment, ReviewProcess


@admin.register(ReviewProcess)
class ReviewProcessAdmin(admin.ModelAdmin):
    list_display = ["pk", "declaration", "state", "position", "current_org", "current_kind", "arrived_at"]
    list_filter = ["state", "current_kind"]
    search_fields = ["declaration__applicant__name", "declaration__applicant__id_number", "current_org__name"]
    list_select_related = ["declaration", "current_org"]
    raw_id_fields = ["declaration", "current_org"]
    readonly_fields = ["route"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    """Append-only history: readable, never editable or deletable."""

    list_display = ["created_at", "declaration", "step_label", "org", "user", "action"]
    list_filter = ["action", "step_kind"]
    search_fields = ["declaration__applicant__name", "org__name", "user__name", "opinion"]
    list_select_related = ["declaration", "org", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndustryDepartment)
class IndustryDepartmentAdmin(admin.ModelAdmin):
    list_display = ["region", "series", "specialty", "org"]
    list_filter = ["series"]
    search_fields = ["region__name", "org__name", "specialty__name"]
    raw_id_fields = ["region", "specialty", "org"]


@admin.register(AuditPathEdge)
class AuditPathEdgeAdmin(admin.ModelAdmin):
    list_display = ["from_org", "to_org", "series", "level", "status", "created_at"]
    list_filter = ["status", "series", "level"]
    search_fields = ["from_org__name", "to_org__name"]
    raw_id_fields = ["from_org", "to_org", "requested_by", "decided_by"]


@admin.register(CommonOpinion)
class CommonOpinionAdmin(admin.ModelAdmin):
    list_display = ["user", "text", "created_at"]
    search_fields = ["user__name", "text"]
