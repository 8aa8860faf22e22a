"""批量导入 (CRT-6), included at certificates/import/ in the `certificates` namespace."""

from django.urls import path

from . import views_import as v

urlpatterns = [
    path("", v.import_page, name="import"),
    path("template.xlsx", v.import_template, name="import_template"),
    path("<int:pk>/", v.import_job, name="import_job"),
    path("<int:pk>/progress/", v.import_progress, name="import_progress"),
    path("<int:pk>/confirm/", v.import_confirm, name="import_confirm"),
    path("<int:pk>/errors.xlsx", v.import_errors, name="import_errors"),
]
