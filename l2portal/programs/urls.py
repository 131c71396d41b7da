"""Pages of the programs app (the API is registered in api/urls.py)."""

from django.urls import path

from .views import files, program_actions, programs, queue, scans, transfers, uploads

app_name = "programs"
urlpatterns = [
    path("", programs.list_programs, name="list"),
    path("queue/", queue.queue, name="queue"),
    path("scans/", scans.scans, name="scans"),
    path("transfers/", transfers.transfer_list, name="transfer-list"),
    path("scans/run/", scans.run_scan, name="run-scan"),
    path("<int:pk>/", programs.detail, name="detail"),
    path("<int:pk>/transfers/", transfers.transfers, name="transfers"),
    path("<int:pk>/transfers/<int:transfer_pk>/", transfers.transfer, name="transfer"),
    path("<int:pk>/files/<int:product_pk>/", files.product_file, name="file"),
    path("<int:pk>/upload/", uploads.upload, name="upload"),
    path("<int:pk>/<slug:name>/", program_actions.act, name="act"),
]
