from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("", views.my_declarations, name="mine"),
    path("commitment/", views.commitment_letter, name="commitment"),
    path("new/", views.start, name="start"),
    path("<int:pk>/", views.overview, name="overview"),
    path("<int:pk>/view/", views.full_view, name="view"),
    path("<int:pk>/pdf/", views.declaration_pdf, name="pdf"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/abandon/", views.abandon, name="abandon"),
    path("<int:pk>/s/<slug:key>/", views.section, name="section"),
    path("<int:pk>/s/<slug:key>/add/", views.row_add, name="row_add"),
    path("<int:pk>/s/<slug:key>/<int:row>/", views.row_detail, name="row_detail"),
    path("<int:pk>/s/<slug:key>/<int:row>/edit/", views.row_edit, name="row_edit"),
    path("<int:pk>/s/<slug:key>/<int:row>/delete/", views.row_delete, name="row_delete"),
    path("<int:pk>/files/<int:att>/", views.attachment_download, name="attachment"),
    path("<int:pk>/files/<int:att>/delete/", views.attachment_delete, name="attachment_delete"),
    path("me/", views.me, name="me"),
    path("me/s/<slug:key>/", views.me_section, name="me_section"),
    path("me/s/<slug:key>/add/", views.me_row_add, name="me_row_add"),
    path("me/s/<slug:key>/<int:row>/", views.me_row_detail, name="me_row_detail"),
    path("me/s/<slug:key>/<int:row>/edit/", views.me_row_edit, name="me_row_edit"),
    path("me/s/<slug:key>/<int:row>/delete/", views.me_row_delete, name="me_row_delete"),
]
