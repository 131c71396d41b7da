"""Pages of HalfPipe (names in the app's namespace, pipelines:...)."""

from django.urls import path

from . import views

urlpatterns = [
    path("downlinks/", views.downlink_list, name="downlinks"),
    path("downlinks/<int:pk>/", views.downlink_detail, name="downlink"),
    path("downlinks/<int:pk>/live/", views.downlink_live, name="downlink-live"),
    path("chunks/", views.chunk_list, name="chunks"),
    path("chunks/<int:pk>/retry/", views.chunk_retry, name="chunk-retry"),
    path("data-runs/", views.data_run_list, name="data-runs"),
    path("data-runs/<int:pk>/retry/", views.data_run_retry, name="data-run-retry"),
    path("data-runs/<int:pk>/resume/", views.data_run_resume, name="data-run-resume"),
]
