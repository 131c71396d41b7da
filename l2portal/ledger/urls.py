"""Pages of the registry (the API is registered in api/urls.py)."""

from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.collection_list, name="collections"),
    path("collections/<int:pk>/", views.collection_detail, name="collection"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("products/<int:pk>/download", views.product_download, name="product_download"),
    path("executions/<int:pk>/", views.execution_detail, name="execution"),
    path("search/", views.search, name="search"),
]
