"""Public certificate verification (CRT-3): no login."""

from django.urls import path

from . import views

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<uuid:token>/", views.verify_token, name="verify_token"),
]
