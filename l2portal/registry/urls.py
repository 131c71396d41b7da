"""Pages of the registry: collections, products, search, runs and their logs, the change log (the
API is registered in api/urls.py)."""

from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.collection_list, name="collections"),
    path("collections/<int:pk>/", views.collection_detail, name="collection"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("products/<int:pk>/download", views.product_download, name="product_download"),
    path("executions/", views.execution_list, name="executions"),
    path("executions/<int:pk>/", views.execution_detail, name="execution"),
    path("executions/<int:pk>/log/", views.execution_log_since, name="execution-log-since"),
    path("executions/<int:pk>/log.txt", views.execution_log_file, name="execution-log"),
    path("search/", views.search, name="search"),
    path("changes/", views.change_log, name="changes"),
]
