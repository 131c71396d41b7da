"""The site's pages for any tracked object and for table columns."""

from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("objects/<str:model>/<int:pk>/retry/", views.object_retry, name="object-retry"),
    path("objects/<str:model>/<int:pk>/live/", views.object_live, name="object-live"),
    path("tables/columns/", views.choose_columns, name="table-columns"),
]
