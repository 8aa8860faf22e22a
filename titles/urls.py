from django.urls import path, re_path

from . import views

app_name = "titles"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("series/<int:pk>/", views.series_detail, name="series"),
    re_path(r"^node/(?P<kind>series|specialty|qualification)/(?P<pk>\d+)/(?P<action>delete|retire|activate)/$",
            views.node_action, name="node_action"),
    path("specialty/<int:pk>/edit/", views.specialty_edit, name="specialty_edit"),
    path("qualification/<int:pk>/edit/", views.qualification_edit, name="qualification_edit"),
    path("export.xlsx", views.catalogue_export, name="export"),
    path("import/", views.catalogue_import, name="import"),
    path("committees/", views.committee_list, name="committees"),
    path("committees/new/", views.committee_create, name="committee_create"),
    path("committees/<int:pk>/", views.committee_detail, name="committee"),
    path("committees/<int:pk>/edit/", views.committee_edit, name="committee_edit"),
    path("committees/<int:pk>/deregister/", views.committee_deregister, name="committee_deregister"),
    path("committees/<int:pk>/reactivate/", views.committee_reactivate, name="committee_reactivate"),
    path("committees/<int:committee_pk>/activities/new/", views.activity_create, name="activity_create"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/publish/", views.activity_publish, name="activity_publish"),
    path("activities/<int:pk>/close-date/", views.activity_close_date, name="activity_close_date"),
    path("choose/", views.choose, name="choose"),
    path("choose/piece/", views.choose_piece, name="choose_piece"),
]
