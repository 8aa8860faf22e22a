from django.contrib import admin

from .models import (
    AchievementTemplate,
    Activity,
    ActivityMaterial,
    BreakCondition,
    Committee,
    CommitteeFee,
    QualificationName,
    Series,
    Specialty,
)
from .services import sanitize_notice


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "series", "depth", "is_active"]
    list_filter = ["series", "is_active", "depth"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "depth", "numchild"]
    list_select_related = ["series"]

    def has_add_permission(self, request):
        return False  # tree nodes are added through the catalogue pages (treebeard needs its API)


@admin.register(QualificationName)
class QualificationNameAdmin(admin.ModelAdmin):
    list_display = ["name", "series", "level", "national_title", "allows_review", "allows_initial",
                    "allows_recognition", "is_active"]
    list_filter = ["series", "level", "allows_review", "allows_initial", "allows_recognition", "is_active"]
    search_fields = ["name", "national_title"]
    filter_horizontal = ["specialties"]


class CommitteeFeeInline(admin.TabularInline):
    model = CommitteeFee
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "level_group", "series", "office", "final_org", "region_scope", "status"]
    list_filter = ["level_group", "series", "status"]
    search_fields = ["name", "office__name", "contact_person"]
    filter_horizontal = ["specialties", "organisers"]
    autocomplete_fields = ["office", "final_org"]
    inlines = [CommitteeFeeInline]
    list_select_related = ["series", "office", "final_org", "region_scope"]


class _RulesInline(admin.TabularInline):
    """A published activity's rules are locked (TTL-4) — in the admin too: its rule rows become read-only."""

    extra = 0

    def _locked(self, obj) -> bool:
        return obj is not None and Activity.objects.filter(pk=obj.pk, status=Activity.Status.PUBLISHED).exists()

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class MaterialInline(_RulesInline):
    model = ActivityMaterial


class TemplateInline(_RulesInline):
    model = AchievementTemplate


class ConditionInline(_RulesInline):
    model = BreakCondition


# Everything but the close date is a rule of a published activity (services.MSG_PUBLISHED_LOCKED).
ACTIVITY_LOCKED_FIELDS = ["committee", "year", "title", "notice", "opens_on", "edit_deadline_days", "teacher_section",
                          "health_section", "status", "published_at"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "committee", "year", "opens_on", "closes_on", "status"]
    list_filter = ["status", "year", "committee__series"]
    search_fields = ["title", "committee__name"]
    inlines = [MaterialInline, TemplateInline, ConditionInline]
    list_select_related = ["committee"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and Activity.objects.filter(pk=obj.pk, status=Activity.Status.PUBLISHED).exists():
            return ACTIVITY_LOCKED_FIELDS
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        # The notice is rendered as HTML on the choice page: sanitise it here as the services do.
        obj.notice = sanitize_notice(obj.notice)
        super().save_model(request, obj, form, change)


@admin.register(CommitteeFee)
class CommitteeFeeAdmin(admin.ModelAdmin):
    list_display = ["committee", "item", "amount"]
    search_fields = ["committee__name", "item"]


class _RuleRowAdmin(admin.ModelAdmin):
    """Rule rows edited on their own: only those of draft activities may change, or be added to one."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.activity.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.activity.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "activity":
            kwargs["queryset"] = Activity.objects.filter(status=Activity.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ActivityMaterial)
class ActivityMaterialAdmin(_RuleRowAdmin):
    list_display = ["name", "activity", "required"]
    list_filter = ["required"]
    search_fields = ["name", "activity__title"]


@admin.register(AchievementTemplate)
class AchievementTemplateAdmin(_RuleRowAdmin):
    list_display = ["name", "category", "activity"]
    search_fields = ["name", "category", "activity__title"]


@admin.register(BreakCondition)
class BreakConditionAdmin(_RuleRowAdmin):
    list_display = ["text", "activity"]
    search_fields = ["text", "activity__title"]
