"""黑名单管理 (CRT-7), included at certificates/blacklist/ in the `certificates` namespace."""

from django.urls import path

from . import views_blacklist as v

urlpatterns = [
    path("", v.blacklist, name="blacklist"),
    path("add/", v.blacklist_add, name="blacklist_add"),
    path("export/", v.blacklist_export, name="blacklist_export"),
    path("<int:pk>/", v.blacklist_detail, name="blacklist_detail"),
    path("<int:pk>/edit/", v.blacklist_edit, name="blacklist_edit"),
    path("<int:pk>/lift/", v.blacklist_lift, name="blacklist_lift"),
]
