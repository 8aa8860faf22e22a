from django.contrib import admin

from . import models as m


class AttachmentInline(admin.TabularInline):
    model = m.Attachment
    extra = 0
    fields = ["section", "row_id", "field", "display_name", "content_type", "size", "pending"]
    readonly_fields = fields
    can_delete = False


@admin.register(m.Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["applicant", "year", "qualification", "level", "unit", "committee", "status", "submitted_at"]
    list_filter = ["status", "year", "level", "mode", "series", "method", "entrusted"]
    search_fields = ["applicant__name", "applicant__id_number", "unit__name", "qualification__name"]
    list_select_related = ["applicant", "unit", "committee", "qualification"]
    autocomplete_fields = ["applicant", "unit"]
    raw_id_fields = ["specialty", "activity"]
    inlines = [AttachmentInline]


@admin.register(m.Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["display_name", "declaration", "section", "field", "content_type", "size", "pending", "created_at"]
    list_filter = ["section", "content_type", "pending"]
    search_fields = ["display_name", "sha256", "declaration__applicant__name"]
    raw_id_fields = ["declaration", "owner"]


@admin.register(m.CommitmentAcceptance)
class CommitmentAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "accepted_at", "ip_address"]
    search_fields = ["user__name", "user__username"]
    list_filter = ["version"]
    raw_id_fields = ["user"]


@admin.register(m.Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "gender", "current_title", "updated_at"]
    search_fields = ["user__name", "user__username"]
    raw_id_fields = ["user"]


@admin.register(m.SocialInsurance)
class SocialInsuranceAdmin(admin.ModelAdmin):
    list_display = ["id_number", "unit_name", "insurance_type", "start_month", "end_month", "source"]
    search_fields = ["id_number", "unit_name"]


ROW_MODELS = [m.Education, m.QualificationHeld, m.TitleObtained, m.ProvincialCertificate, m.WorkExperience,
              m.Training, m.Achievement, m.Publication, m.ExamResult, m.Assessment, m.SocialGroupPost,
              m.ContinuingEducation, m.OtherAttachment]
SINGLE_MODELS = [m.BasicInfo, m.Commitment, m.Summary, m.TeacherInfo, m.HealthInfo]

for model in ROW_MODELS:
    admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {
        "list_display": ["__str__", "declaration", "profile", "sort"],
        "raw_id_fields": ["declaration", "profile"],
        "search_fields": ["declaration__applicant__name", "profile__user__name"],
    }))
for model in SINGLE_MODELS:
    admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {
        "list_display": ["__str__", "declaration"],
        "raw_id_fields": ["declaration"],
        "search_fields": ["declaration__applicant__name"],
    }))
