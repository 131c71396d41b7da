"""Pages of the restore app (the API is registered in api/urls.py)."""

from django.urls import path

from . import views

app_name = "restore"
urlpatterns = [
    path("", views.restore_list, name="list"),
    path("<int:pk>/", views.restore_detail, name="detail"),
    path("<int:pk>/live/", views.restore_live, name="live"),
    path("<int:pk>/ppr.xml", views.restore_ppr, name="ppr"),
    path("<int:pk>/script.py", views.restore_script, name="script"),
    path("<int:pk>/outputs/<int:product_id>/", views.restore_output, name="output"),
    path("<int:pk>/weblog/<path:path>", views.restore_weblog, name="weblog"),
    path("<int:pk>/cancel/", views.restore_cancel, name="cancel"),
]
