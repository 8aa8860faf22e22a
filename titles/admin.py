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


class MaterialInline(admin.TabularInline):
    model = ActivityMaterial
    extra = 0


class TemplateInline(admin.TabularInline):
    model = AchievementTemplate
    extra = 0


class ConditionInline(admin.TabularInline):
    model = BreakCondition
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "committee", "year", "opens_on", "closes_on", "status"]
    list_filter = ["status", "year", "committee__series"]
    search_fields = ["title", "committee__name"]
    inlines = [MaterialInline, TemplateInline, ConditionInline]
    list_select_related = ["committee"]


@admin.register(CommitteeFee)
class CommitteeFeeAdmin(admin.ModelAdmin):
    list_display = ["committee", "item", "amount"]
    search_fields = ["committee__name", "item"]


@admin.register(ActivityMaterial)
class ActivityMaterialAdmin(admin.ModelAdmin):
    list_display = ["name", "activity", "required"]
    list_filter = ["required"]
    search_fields = ["name", "activity__title"]


@admin.register(AchievementTemplate)
class AchievementTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "activity"]
    search_fields = ["name", "category", "activity__title"]


@admin.register(BreakCondition)
class BreakConditionAdmin(admin.ModelAdmin):
    list_display = ["text", "activity"]
    search_fields = ["text", "activity__title"]
