"""Pages of the programs app (the API is registered in api/urls.py)."""

from django.urls import path

from . import views

app_name = "programs"
urlpatterns = [
    path("", views.list_programs, name="list"),
    path("queue/", views.queue, name="queue"),
    path("scans/", views.scans, name="scans"),
    path("scans/run/", views.run_scan, name="run-scan"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transfers/", views.transfers, name="transfers"),
    path("<int:pk>/transfers/<int:transfer_pk>/", views.transfer, name="transfer"),
    path("<int:pk>/files/<int:product_pk>/", views.product_file, name="file"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/<slug:name>/", views.act, name="act"),
]
