from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("batch/", views.batch, name="batch"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("declarations/<int:pk>/", views.progress, name="progress"),
    path("processes/<int:process_id>/recall/", views.recall, name="recall"),
    path("processes/<int:process_id>/rereview/", views.rereview, name="rereview"),
    path("returned/", views.returned, name="returned"),
    path("opinions/", views.opinions, name="opinions"),
    path("paths/", views.paths, name="paths"),
    path("industry/", views.industry, name="industry"),
    path("diagnose/", views.diagnose, name="diagnose"),
]
