from django.urls import include, path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("export/", views.certificate_export, name="export"),
    path("mine/", views.my_certificates, name="mine"),
    path("issue/", views.issue, name="issue"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/progress/", views.batch_progress_piece, name="batch_progress"),
    path("retry/", views.pdf_retry, name="retry"),
    path("<int:pk>/", views.certificate_detail, name="detail"),
    path("<int:pk>/pdf/", views.certificate_pdf, name="pdf"),
    path("<int:pk>/revoke/", views.certificate_revoke, name="revoke"),
    path("units/", views.unit_list, name="units"),
    path("units/<int:pk>/cancel/", views.unit_cancel, name="unit_cancel"),
    path("units/<int:pk>/ranges/", views.unit_ranges, name="unit_ranges"),
    path("report/", views.report, name="report"),
    path("report/<int:pk>/<str:fmt>/", views.report_file, name="report_file"),
    path("import/", include("certificates.urls_import")),
    path("blacklist/", include("certificates.urls_blacklist")),
]
