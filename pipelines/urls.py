"""Pages of the pipelines app (the API is registered in api.py)."""

from django.urls import path

from . import views

app_name = "pipelines"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/live/", views.campaign_live, name="campaign-live"),
    path("campaigns/<int:pk>/start/", views.campaign_start, name="campaign-start"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run-retry"),
    path("switchovers/", views.switchovers, name="switchovers"),
    path("switchovers/<int:pk>/<str:step>/", views.switchover_step, name="switchover-step"),
]
