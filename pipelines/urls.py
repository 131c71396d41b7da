"""Pages of the pipelines app (the API is registered in api/urls.py)."""

from django.urls import path

from . import views, views_downlinks

app_name = "pipelines"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/live/", views.campaign_live, name="campaign-live"),
    path("campaigns/<int:pk>/start/", views.campaign_start, name="campaign-start"),
    path("campaigns/<int:pk>/retry/", views.campaign_retry_runs, name="campaign-retry"),
    path("campaigns/<int:pk>/backfill/", views.campaign_backfill, name="campaign-backfill"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/offer/", views.run_offer, name="run-offer"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run-retry"),
    path("switchovers/", views.switchovers, name="switchovers"),
    path("switchovers/<int:pk>/<str:step>/", views.switchover_step, name="switchover-step"),
    path("downlinks/", views_downlinks.downlink_list, name="downlinks"),
    path("downlinks/<int:pk>/", views_downlinks.downlink_detail, name="downlink"),
    path("downlinks/<int:pk>/live/", views_downlinks.downlink_live, name="downlink-live"),
    path("chunks/<int:pk>/retry/", views_downlinks.chunk_retry, name="chunk-retry"),
    path("data-runs/", views_downlinks.data_run_list, name="data-runs"),
    path("data-runs/<int:pk>/retry/", views_downlinks.data_run_retry, name="data-run-retry"),
]
