"""Pages of the programs app (the API is registered in api.py)."""

from django.urls import path

from . import views

app_name = "programs"
urlpatterns = [
    path("", views.list_programs, name="list"),
    path("queue/", views.queue, name="queue"),
    path("scans/", views.scans, name="scans"),
    path("scans/run/", views.run_scan, name="run-scan"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/<slug:name>/", views.act, name="act"),
]
