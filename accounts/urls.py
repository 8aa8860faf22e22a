from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/once/", views.one_time_password, name="one_time_password"),
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/<int:pk>/", views.org_detail, name="org_detail"),
    path("orgs/<int:parent_pk>/new/", views.org_create, name="org_create"),
    path("orgs/<int:pk>/edit/", views.org_edit, name="org_edit"),
    re_path(r"^orgs/(?P<pk>\d+)/(?P<action>activate|deactivate)/$", views.org_toggle_active, name="org_toggle_active"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/roles/", views.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/password/", views.staff_password_reset, name="staff_password_reset"),
    re_path(r"^staff/(?P<pk>\d+)/(?P<action>activate|deactivate)/$", views.staff_toggle_active, name="staff_toggle_active"),
]
