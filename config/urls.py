from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "职称申报评审系统 · 系统管理"
admin.site.site_title = "职称申报评审系统"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("titles/", include("titles.urls")),
    path("declarations/", include("declarations.urls")),
    path("review/", include("workflow.urls")),
    path("certificates/", include("certificates.urls")),
    path("", include("certificates.urls_public")),
    path("", include("accounts.urls")),
]
