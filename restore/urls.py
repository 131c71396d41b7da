"""Pages of the restore app (the API is registered in api.py)."""

app_name = "restore"
urlpatterns: list = []
