"""Pages of the programs app (the API is registered in api.py)."""

app_name = "programs"
urlpatterns: list = []
