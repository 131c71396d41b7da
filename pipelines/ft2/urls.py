"""Pages of the FT2 campaigns (names in the app's namespace, pipelines:...)."""

from django.urls import path

from .views import bti_sets, campaign_runs, campaigns, fssc_deliveries, switchovers

urlpatterns = [
    path("", campaigns.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/live/", campaigns.campaign_live, name="campaign-live"),
    path("campaigns/<int:pk>/start/", campaigns.campaign_start, name="campaign-start"),
    path("campaigns/<int:pk>/retry/", campaigns.campaign_retry_runs, name="campaign-retry"),
    path("campaigns/<int:pk>/backfill/", campaigns.campaign_backfill, name="campaign-backfill"),
    path("runs/", campaign_runs.run_list, name="runs"),
    path("runs/<int:pk>/", campaign_runs.run_detail, name="run"),
    path("runs/<int:pk>/offer/", campaign_runs.run_offer, name="run-offer"),
    path("runs/<int:pk>/retry/", campaign_runs.run_retry, name="run-retry"),
    path("bti-sets/", bti_sets.bti_set_list, name="bti-sets"),
    path("fssc-deliveries/", fssc_deliveries.delivery_list, name="fssc-deliveries"),
    path("switchovers/", switchovers.switchovers, name="switchovers"),
    path("switchovers/<int:pk>/<str:step>/", switchovers.switchover_step, name="switchover-step"),
]
